package io.tidings.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tidings bench ingest}: fetch and parse pages from a local channel server. */
@Command(name = "ingest", description = "Serves N channels of P posts from a local channel server, reads every page "
        + "over HTTP (fetch + parse, 8 at a time), then parses the same pages in memory for S seconds.")
final class BenchIngestCommand extends Subcommand {

    @Option(names = "--channels", paramLabel = "N", defaultValue = "200", description = "channels (default ${DEFAULT-VALUE})")
    int channels;
    @Option(names = "--posts", paramLabel = "N", defaultValue = "100", description = "posts per channel (default ${DEFAULT-VALUE})")
    int posts;
    @Option(names = "--seconds", paramLabel = "S", defaultValue = "5", description = "in-memory parsing time (default ${DEFAULT-VALUE})")
    int seconds;
    @Option(names = "--no-dedup", description = "leave out near-duplicate grouping (terms and the ad mark stay), to measure what it adds")
    boolean noDedup;

    @Override
    public Integer call() {
        return IngestCommands.benchIngest(positive(channels, "--channels"), positive(posts, "--posts"),
                positive(seconds, "--seconds"), !noDedup, out());
    }
}
