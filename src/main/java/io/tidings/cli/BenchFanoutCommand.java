package io.tidings.cli;

import io.tidings.demo.FanoutBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tidings bench fanout}: plan and send one mailing to every reader through the local Bot API server. */
@Command(name = "fanout", description = "Plans one mailing for every reader and sends it through the real client to "
        + "the local Bot API server (429 above the rate), over an embedded PostgreSQL; exit 1 on a duplicate or a loss.")
final class BenchFanoutCommand extends Subcommand {

    @Option(names = "--readers", paramLabel = "N", defaultValue = "100000", description = "readers (default ${DEFAULT-VALUE})")
    int readers;
    @Option(names = "--posts", paramLabel = "N", defaultValue = "50000", description = "fresh posts (default ${DEFAULT-VALUE})")
    int posts;
    @Option(names = "--rate", paramLabel = "R", defaultValue = "1000", description = "messages per second (default ${DEFAULT-VALUE})")
    double rate;
    @Option(names = "--channels", paramLabel = "N", defaultValue = "1000", description = "channels (default ${DEFAULT-VALUE})")
    int channels;
    @Option(names = "--candidates", paramLabel = "N", defaultValue = "32", description = "candidates per reader (default ${DEFAULT-VALUE})")
    int candidates;
    @Option(names = "--warmup-seconds", paramLabel = "S", defaultValue = "5",
            description = "seconds of sending to other readers first (default ${DEFAULT-VALUE}; 0 measures cold)")
    int warmupSeconds;
    @Option(names = "--controlled", paramLabel = "PERCENT", defaultValue = "0",
            description = "percent of readers who mute a channel and keep 10 word filters (default ${DEFAULT-VALUE})")
    int controlled;
    @Option(names = "--plan-only", description = "stop after planning: no sender, no sending (plan_seconds alone, faster on a busy machine)")
    boolean planOnly;

    @Override
    public Integer call() throws Exception {
        return FanoutBench.run(options(), out());
    }

    FanoutBench.Options options() {
        return new FanoutBench.Options(positive(readers, "--readers"), positive(posts, "--posts"),
                positive(rate, "--rate"), positive(channels, "--channels"), positive(candidates, "--candidates"),
                atLeast(warmupSeconds, 0, "--warmup-seconds"), atLeast(controlled, 0, "--controlled"), planOnly);
    }
}
