package io.tidings.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tidings bench score}: naive ONNX graph vs the fast paths; exit 1 when they disagree. */
@Command(name = "score", description = "Scoring throughput: every post × every reader with the naive ONNX graph, the "
        + "ONNX fast-path graph and the Java fast path; checks they agree within 1e-5 (exit 1 if not).")
final class BenchScoreCommand extends Subcommand {

    @Option(names = "--readers", paramLabel = "N", defaultValue = "100000", description = "readers (default ${DEFAULT-VALUE})")
    int readers;
    @Option(names = "--posts", paramLabel = "N", defaultValue = "20", description = "posts (default ${DEFAULT-VALUE})")
    int posts;
    @Option(names = "--threads", paramLabel = "N", description = "scoring threads (default: the cores)")
    Integer threads;
    @Option(names = "--seconds", paramLabel = "S", defaultValue = "6", description = "time per measurement (default ${DEFAULT-VALUE})")
    double seconds;

    @Override
    public Integer call() throws Exception {
        positive(readers, "--readers");
        positive(posts, "--posts");
        if ((long) readers * posts > 50_000_000L) throw usage("--readers × --posts must be at most 50,000,000");
        int t = threads == null ? Runtime.getRuntime().availableProcessors() : positive(threads, "--threads");
        return ModelCommands.benchScore(readers, posts, t, positive(seconds, "--seconds"), out(), err());
    }
}
