package io.tidings.model.train;

import java.util.Locale;

/**
 * What a training run did. Losses are mean binary cross-entropy of the kept (best) epoch;
 * {@code validationLoss} is NaN when there was no validation split. {@code trainLossPerEpoch} and
 * {@code validationLossPerEpoch} hold every epoch's losses in order (the latter empty without a validation split),
 * {@code millis} the time the training took. Its {@link #toString} is what a model version stores as its summary
 * (the console reads it back).
 */
public record TrainingSummary(
        int epochsRun,
        int bestEpoch,
        float trainLoss,
        float validationLoss,
        int trainVotes,
        int validationVotes,
        boolean stoppedEarly,
        boolean warmStarted,
        float[] trainLossPerEpoch,
        float[] validationLossPerEpoch,
        long millis) {

    /** A summary without per-epoch losses or a duration (a run that trained nothing, or one put together from others). */
    public TrainingSummary(int epochsRun, int bestEpoch, float trainLoss, float validationLoss, int trainVotes,
                           int validationVotes, boolean stoppedEarly, boolean warmStarted) {
        this(epochsRun, bestEpoch, trainLoss, validationLoss, trainVotes, validationVotes, stoppedEarly, warmStarted,
                new float[0], new float[0], 0);
    }

    @Override
    public String toString() {
        return "TrainingSummary[epochsRun=" + epochsRun + ", bestEpoch=" + bestEpoch + ", trainLoss=" + trainLoss
                + ", validationLoss=" + validationLoss + ", trainVotes=" + trainVotes + ", validationVotes=" + validationVotes
                + ", stoppedEarly=" + stoppedEarly + ", warmStarted=" + warmStarted
                + ", trainLossPerEpoch=" + spaced(trainLossPerEpoch) + ", validationLossPerEpoch=" + spaced(validationLossPerEpoch)
                + ", millis=" + millis + "]";
    }

    /** Losses separated by spaces ({@code -} when there are none), five significant digits. */
    private static String spaced(float[] losses) {
        if (losses == null || losses.length == 0) return "-";
        StringBuilder b = new StringBuilder();
        for (float l : losses) {
            if (b.length() > 0) b.append(' ');
            b.append(String.format(Locale.ROOT, "%.5g", l));
        }
        return b.toString();
    }
}
