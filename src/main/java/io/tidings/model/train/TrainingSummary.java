package io.tidings.model.train;

/**
 * What a training run did. Losses are mean binary cross-entropy of the kept (best) epoch;
 * {@code validationLoss} is NaN when there was no validation split.
 */
public record TrainingSummary(
        int epochsRun,
        int bestEpoch,
        float trainLoss,
        float validationLoss,
        int trainVotes,
        int validationVotes,
        boolean stoppedEarly,
        boolean warmStarted) {
}
