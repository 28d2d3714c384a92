package io.tidings.cli;

import io.tidings.demo.Soak;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tidings soak}: the whole system on the stand-ins under steady load with faults injected; the last line is JSON. */
@Command(name = "soak", description = "The whole system on local stand-ins under steady load (readers voting, More, "
        + "settings, channels posting, model swaps) with Telegram and t.me faults injected in turn; a line a minute, "
        + "then one JSON object: deliveries, duplicates, lost, unknown, 429s, heap, threads, database connections.")
final class SoakCommand extends Subcommand {

    @Option(names = "--minutes", paramLabel = "N", defaultValue = "30", description = "how long (default ${DEFAULT-VALUE})")
    int minutes;
    @Option(names = "--readers", paramLabel = "N", defaultValue = "150", description = "simulated readers (default ${DEFAULT-VALUE})")
    int readers;
    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "seed of the world, readers and faults (default ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws Exception {
        positive(minutes, "--minutes");
        if (minutes > 24 * 60) throw usage("--minutes must be at most 1440");
        if (readers > 100_000) throw usage("--readers must be at most 100000");
        Soak.Options d = Soak.Options.minutes(minutes);
        var options = new Soak.Options(d.length(), positive(readers, "--readers"), seed, d.faultEvery(), d.warmUp());
        out().println(Json.line(Soak.run(options, config(), out())));
        return 0;
    }
}
