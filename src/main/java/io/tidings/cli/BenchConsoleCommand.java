package io.tidings.cli;

import io.tidings.demo.ConsoleBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tidings bench console}: p50/p95 of every console endpoint over a filled database. */
@Command(name = "console", description = "Fills an embedded PostgreSQL with readers, posts and deliveries, then times "
        + "every console endpoint (p50/p95); last line JSON.")
final class BenchConsoleCommand extends Subcommand {

    @Option(names = "--readers", paramLabel = "N", defaultValue = "100000", description = "readers (default ${DEFAULT-VALUE})")
    int readers;
    @Option(names = "--posts", paramLabel = "N", defaultValue = "50000", description = "posts (default ${DEFAULT-VALUE})")
    int posts;
    @Option(names = "--channels", paramLabel = "N", defaultValue = "500", description = "channels (default ${DEFAULT-VALUE})")
    int channels;
    @Option(names = "--deliveries", paramLabel = "N", defaultValue = "10000000", description = "deliveries (default ${DEFAULT-VALUE})")
    long deliveries;
    @Option(names = "--rounds", paramLabel = "N", defaultValue = "20", description = "requests per endpoint (default ${DEFAULT-VALUE})")
    int rounds;
    @Option(names = "--keep", paramLabel = "DIR", description = "keep the filled database in DIR and reuse it when run again "
            + "with the same sizes (default: a temporary one, deleted)")
    java.nio.file.Path keep;

    @Override
    public Integer call() throws Exception {
        if (deliveries < 1) throw usage("--deliveries must be at least 1, not " + deliveries);
        return ConsoleBench.run(new ConsoleBench.Options(positive(readers, "--readers"), positive(posts, "--posts"),
                positive(channels, "--channels"), deliveries, positive(rounds, "--rounds"), keep), out());
    }
}
