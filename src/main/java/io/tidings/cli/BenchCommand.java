package io.tidings.cli;

import picocli.CommandLine.Command;

/** {@code tidings bench …}: the benchmarks; each prints human lines and, last, one JSON line. */
@Command(name = "bench", description = "Benchmarks: human lines, then one JSON line. Small sizes on a shared machine.",
        subcommands = {
                BenchScoreCommand.class,
                BenchIngestCommand.class,
                BenchFanoutCommand.class,
                BenchScaleCommand.class,
                BenchConsoleCommand.class,
        })
final class BenchCommand extends Subcommand {

    /** {@code bench} alone: which benchmarks there are (a usage error). */
    @Override
    public Integer call() {
        throw usage("name a benchmark: " + String.join(", ", spec.subcommands().keySet()));
    }
}
