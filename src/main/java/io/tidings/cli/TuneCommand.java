package io.tidings.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tidings tune}: random search of model sizes, learning rate and L2; ends with the MODEL_* to set. */
@Command(name = "tune", description = {"Bounded random search of embedding sizes, hidden width, learning rate and L2 "
        + "on the validation split; trial 1 is the configured model (MODEL_*).",
        "Prints the trials best first, the MODEL_* variables that serve the best one, and a JSON line."})
final class TuneCommand extends Subcommand {

    @Mixin
    VoteSource votes;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "300", description = "time budget (default ${DEFAULT-VALUE})")
    double seconds;

    @Option(names = "--trials", paramLabel = "N", defaultValue = "1000", description = "most trials (default ${DEFAULT-VALUE})")
    int trials;

    @Override
    public Integer call() {
        double budget = positive(seconds, "--seconds");
        int most = positive(trials, "--trials");
        return ModelCommands.tune(votes.load(this, out()), config().model(), budget, most, votes.seed, out());
    }
}
