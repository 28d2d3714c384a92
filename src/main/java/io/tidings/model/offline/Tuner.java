package io.tidings.model.offline;

import io.tidings.model.ModelConfig;
import io.tidings.model.train.VoteLog;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Bounded-time random search over embedding sizes, hidden width, learning rate and L2, each trial trained
 * and scored exactly as {@link Evaluation} scores the model (temporal split, validation AUC). The first
 * trial is the given base configuration, so the search can only report something at least as good.
 */
public final class Tuner {
    static final int[] READER_DIMS = {16, 32, 64, 100};
    static final int[] CHANNEL_DIMS = {16, 32, 48, 80};
    static final int[] POST_DIMS = {4, 8, 20};
    static final int[] HIDDEN = {16, 32, 70, 128};

    private Tuner() {
    }

    /** One trial's configuration and validation score. */
    public record Trial(int number, ModelConfig config, Evaluation.Score score, int bestEpoch, double seconds) {
        public String row() {
            ModelConfig c = config;
            return String.format(Locale.ROOT, "%3d %5d %5d %5d %6d %9.5f %9.2e %3d %8.4f %8.4f %6.1f", number,
                    c.readerDim(), c.channelDim(), c.postDim(), c.hidden(), c.learningRate(), c.l2(), bestEpoch,
                    score.auc(), score.logloss(), seconds);
        }
    }

    public static final String HEADER = "  #  user  chan  post hidden        lr        l2  ep      AUC  logloss      s";

    /**
     * Runs trials until {@code seconds} are spent (a trial is not started when the previous one suggests it
     * would end past the budget) or {@code maxTrials} ran; returns them best first (AUC, then log loss).
     */
    public static List<Trial> search(VoteLog log, ModelConfig base, double seconds, int maxTrials, long seed,
                                     Consumer<Trial> onTrial) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<Trial> trials = new ArrayList<>();
        long start = System.nanoTime();
        double last = 0;
        for (int i = 0; i < maxTrials; i++) {
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (i > 0 && elapsed + last > seconds) {
                break;
            }
            ModelConfig config = i == 0 ? base : sample(base, rng);
            long t0 = System.nanoTime();
            int[] epochs = new int[1];
            Evaluation.Score score = Evaluation.modelOnly(log, config, epochs);
            last = (System.nanoTime() - t0) / 1e9;
            Trial trial = new Trial(i + 1, config, score, epochs[0], last);
            trials.add(trial);
            onTrial.accept(trial);
        }
        trials.sort(Comparator.comparingDouble((Trial t) -> -nanToLow(t.score().auc()))
                .thenComparingDouble(t -> t.score().logloss()));
        return trials;
    }

    static ModelConfig sample(ModelConfig base, SplittableRandom rng) {
        return base.toBuilder()
                .readerDim(READER_DIMS[rng.nextInt(READER_DIMS.length)])
                .channelDim(CHANNEL_DIMS[rng.nextInt(CHANNEL_DIMS.length)])
                .postDim(POST_DIMS[rng.nextInt(POST_DIMS.length)])
                .hidden(HIDDEN[rng.nextInt(HIDDEN.length)])
                .learningRate((float) logUniform(rng, 3e-4, 1e-2))
                .l2((float) logUniform(rng, 1e-7, 1e-3))
                .build();
    }

    private static double logUniform(SplittableRandom rng, double lo, double hi) {
        return Math.exp(Math.log(lo) + rng.nextDouble() * (Math.log(hi) - Math.log(lo)));
    }

    private static double nanToLow(double v) {
        return Double.isNaN(v) ? -1 : v;
    }
}
