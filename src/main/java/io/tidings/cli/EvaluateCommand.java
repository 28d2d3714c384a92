package io.tidings.cli;

import io.tidings.model.ModelConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tidings evaluate}: evaluation on the global and per-reader temporal splits of the model (as MODEL_* configure it) and the baselines. */
@Command(name = "evaluate", description = "Offline evaluation on the global temporal split (oldest 80%% train, "
        + "newest 20%% test) and the per-reader one (each reader's newest 20%% test) of the model, as the MODEL_* variables configure it, and of baselines; the last line is JSON.")
final class EvaluateCommand extends Subcommand {

    @Mixin
    VoteSource votes;

    @Option(names = "--model-seed", paramLabel = "S",
            description = "seed of the model's initial weights and shuffling (default MODEL_SEED, 42)")
    Long modelSeed;

    @Option(names = "--split", paramLabel = "global|reader|both", defaultValue = "both",
            description = "global temporal split (mostly new readers), per-reader temporal split (each reader's newest "
                    + "20%%), or both (default ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--sets", paramLabel = "N", defaultValue = "1",
            description = "generated vote sets (seeds --seed .. --seed+N-1); above 1 prints mean ± spread (default ${DEFAULT-VALUE})")
    int sets;

    @Option(names = "--model-seeds", paramLabel = "N", defaultValue = "1",
            description = "model seeds per set; above 1 prints mean ± spread (default ${DEFAULT-VALUE})")
    int modelSeeds;

    @Override
    public Integer call() {
        ModelConfig model = config().model();
        if (modelSeed != null) model = model.toBuilder().seed(modelSeed).build();
        java.util.List<io.tidings.model.offline.Evaluation.Split> splits;
        try {
            splits = io.tidings.model.offline.Evaluation.Split.parse(split);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        if (positive(sets, "--sets") > 1 || positive(modelSeeds, "--model-seeds") > 1) {
            return io.tidings.model.offline.Study.run(votes.source.votes,
                    votes.source.synthetic == null ? 100_000 : votes.source.synthetic, votes.shape, votes.seed, sets,
                    modelSeeds, splits, model, out());
        }
        return ModelCommands.evaluate(votes.load(this, out()), model, splits, out());
    }
}
