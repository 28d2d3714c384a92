package io.tidings.cli;

import io.tidings.model.ModelConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tidings evaluate}: temporal 80/20 evaluation of the model (as MODEL_* configure it) and the baselines. */
@Command(name = "evaluate", description = "Offline evaluation on a temporal split (oldest 80%% train, newest 20%% "
        + "validate) of the model, as the MODEL_* variables configure it, and of baselines; the last line is JSON.")
final class EvaluateCommand extends Subcommand {

    @Mixin
    VoteSource votes;

    @Option(names = "--model-seed", paramLabel = "S",
            description = "seed of the model's initial weights and shuffling (default MODEL_SEED, 42)")
    Long modelSeed;

    @Override
    public Integer call() {
        ModelConfig model = config().model();
        if (modelSeed != null) model = model.toBuilder().seed(modelSeed).build();
        return ModelCommands.evaluate(votes.load(this, out()), model, out());
    }
}
