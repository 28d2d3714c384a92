package io.tidings.cli;

import io.tidings.demo.Demo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tidings demo}: the whole system on local stand-ins with simulated readers; the last line is JSON. */
@Command(name = "demo", description = "The whole system on local stand-ins (embedded PostgreSQL, a local Bot API "
        + "server, generated t.me channels) with simulated readers; a line per round, then one JSON object.")
final class DemoCommand extends Subcommand {

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "8", description = "rounds of mailings and votes (default ${DEFAULT-VALUE})")
    int rounds;
    @Option(names = "--readers", paramLabel = "N", defaultValue = "200", description = "simulated readers (default ${DEFAULT-VALUE})")
    int readers;
    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "seed of the world and the readers (default ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--votes", paramLabel = "N", defaultValue = "6", description = "votes per reader per round (default ${DEFAULT-VALUE})")
    int votes;
    @Option(names = "--posts", paramLabel = "N", defaultValue = "60", description = "posts per channel (default ${DEFAULT-VALUE})")
    int posts;

    @Option(names = "--no-picks", description = "readers ignore the channel offer after /start (default: they pick what they like)")
    boolean noPicks;

    @Override
    public Integer call() throws Exception {
        var options = new Demo.Options(upTo(rounds, "--rounds"), upTo(readers, "--readers"), seed, upTo(votes, "--votes"),
                upTo(posts, "--posts"), !noPicks);
        out().println(Json.line(Demo.run(options, config())));
        return 0;
    }

    private int upTo(int value, String option) {
        if (value > 1_000_000) throw usage(option + " must be at most 1000000");
        return positive(value, option);
    }
}
