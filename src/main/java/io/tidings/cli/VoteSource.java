package io.tidings.cli;

import io.tidings.model.offline.SyntheticVotes;
import io.tidings.model.train.VoteLog;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** The votes an offline command works on: {@code --votes FILE.csv} or {@code --synthetic N [--seed S] [--save FILE.csv]}. */
final class VoteSource {

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "seed of the synthetic votes (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--save", paramLabel = "FILE.csv", description = "write the synthetic votes to this file")
    Path save;

    @Option(names = "--shape", paramLabel = "realistic|simple", defaultValue = "realistic",
            description = "synthetic votes shaped like real ones (heavy tails, strong mean baselines) or the simple "
                    + "topic model (default ${DEFAULT-VALUE})")
    String shape;

    static final class Source {
        @Option(names = "--votes", paramLabel = "FILE.csv", required = true,
                description = "votes as user,channel,post,vote,ts lines")
        Path votes;

        @Option(names = "--synthetic", paramLabel = "N", required = true,
                description = "generate N votes shaped like the real ones instead")
        Integer synthetic;
    }

    /** Reads or generates the votes (saving them when asked) and prints their counts. */
    VoteLog load(Subcommand command, PrintStream out) {
        VoteLog log;
        if (source.votes != null) {
            if (save != null) throw command.usage("--save goes with --synthetic");
            log = VoteLog.read(source.votes);
        } else {
            if (!shape.equals(SyntheticVotes.REALISTIC) && !shape.equals(SyntheticVotes.SIMPLE)) {
                throw command.usage("--shape must be realistic or simple, not " + shape);
            }
            log = SyntheticVotes.generate(shape, command.positive(source.synthetic, "--synthetic"), seed);
            if (save != null) {
                log.write(save);
                out.println("wrote " + log.size() + " votes to " + save);
            }
        }
        int[] d = log.distinct();
        out.printf(Locale.ROOT, "votes: %d (%d readers, %d channels, %d posts)%n", log.size(), d[0], d[1], d[2]);
        return log;
    }
}
