package io.tidings.cli;

import io.tidings.demo.ScaleBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tidings bench scale}: one serving replica's candidate index at full size, in memory. */
@Command(name = "scale", description = "Builds every reader's candidate set with a trained-size model (random weights), "
        + "then times a new post, a full and an incremental model swap and planning one mailing; last line JSON.")
final class BenchScaleCommand extends Subcommand {

    @Option(names = "--readers", paramLabel = "N", defaultValue = "1000000", description = "readers (default ${DEFAULT-VALUE})")
    int readers;
    @Option(names = "--posts", paramLabel = "N", defaultValue = "50000", description = "fresh posts (default ${DEFAULT-VALUE})")
    int posts;
    @Option(names = "--channels", paramLabel = "N", defaultValue = "2000", description = "channels (default ${DEFAULT-VALUE})")
    int channels;
    @Option(names = "--candidates", paramLabel = "N", defaultValue = "32", description = "candidates per reader (default ${DEFAULT-VALUE})")
    int candidates;
    @Option(names = "--new-posts", paramLabel = "N", defaultValue = "100", description = "new posts timed (default ${DEFAULT-VALUE})")
    int newPosts;
    @Option(names = "--rerank-readers", paramLabel = "N", defaultValue = "50000", description = "readers the full "
            + "re-rank is timed on; fewer than --readers: timed on them in an index of their own and extrapolated, reported "
            + "as rerank_seconds_extrapolated (default ${DEFAULT-VALUE})")
    int rerankReaders;
    @Option(names = "--increment-votes", paramLabel = "N", defaultValue = "0", description = "votes the incremental "
            + "version learned from: each by a random reader on one of their own candidates, moving that reader's and that "
            + "post's rows, as an incremental training does (default 0: one per hundred readers)")
    int incrementVotes;
    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws Exception {
        var feed = config().feed();
        return ScaleBench.run(new ScaleBench.Options(positive(readers, "--readers"), positive(posts, "--posts"),
                positive(channels, "--channels"), positive(candidates, "--candidates"), positive(newPosts, "--new-posts"),
                feed.noise(), feed.exploreBoost(), seed, positive(rerankReaders, "--rerank-readers"),
                incrementVotes > 0 ? incrementVotes : Math.max(1, readers / 100)), out());
    }
}
