package io.tidings.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.model.Fixtures;
import io.tidings.model.ModelConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A training keeps every epoch's losses and its duration, and writes them into the summary a model version stores. */
class TrainingSummaryTest {

    @Test
    void everyEpochsLossesAndTheTimeToTrainAreKept() {
        List<Vote> votes = Fixtures.syntheticVotes(5, 200, 20, 40, 40);
        long before = System.nanoTime();
        TrainingSummary s = new Trainer(ModelConfig.custom().maxEpochs(6).patience(10).build()).train(votes).summary();
        long elapsedMs = (System.nanoTime() - before) / 1_000_000;

        assertThat(s.trainLossPerEpoch()).hasSize(s.epochsRun());
        assertThat(s.validationLossPerEpoch()).hasSize(s.epochsRun());
        assertThat(s.epochsRun()).isEqualTo(6);
        // the kept epoch's losses are the ones reported as the training's
        assertThat(s.trainLossPerEpoch()[s.bestEpoch() - 1]).isEqualTo(s.trainLoss());
        assertThat(s.validationLossPerEpoch()[s.bestEpoch() - 1]).isEqualTo(s.validationLoss());
        assertThat(s.trainLossPerEpoch()[s.epochsRun() - 1]).as("it learns").isLessThan(s.trainLossPerEpoch()[0]);
        assertThat(s.millis()).isPositive().isLessThanOrEqualTo(elapsedMs);

        String stored = s.toString();
        assertThat(stored).contains("epochsRun=6, bestEpoch=" + s.bestEpoch()).contains("millis=" + s.millis() + "]")
                .containsPattern("trainLossPerEpoch=(\\d\\.\\d+ ){5}\\d\\.\\d+, validationLossPerEpoch=(\\d\\.\\d+ ){5}\\d\\.\\d+,");
        assertThat(new TrainingSummary(0, 0, Float.NaN, Float.NaN, 0, 0, false, false).toString())
                .contains("trainLossPerEpoch=-, validationLossPerEpoch=-, millis=0]");
    }
}
