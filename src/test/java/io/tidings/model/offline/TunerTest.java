package io.tidings.model.offline;

import io.tidings.model.ModelConfig;
import io.tidings.model.train.VoteLog;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TunerTest {
    @Test
    void searchStartsFromTheDefaultAndReturnsTrialsBestFirst() {
        VoteLog log = SyntheticVotes.generate(60, 20, 600, 4000, 30, 8);
        ModelConfig base = ModelConfig.custom().maxEpochs(4).build();
        List<Tuner.Trial> seen = new ArrayList<>();
        List<Tuner.Trial> result = Tuner.search(log, base, 600, 3, 1, seen::add);
        assertThat(seen).hasSize(3);
        assertThat(seen.get(0).config().toString()).isEqualTo(base.toString());
        assertThat(result).containsExactlyInAnyOrderElementsOf(seen);
        for (int i = 1; i < result.size(); i++) {
            assertThat(result.get(i - 1).score().auc()).isGreaterThanOrEqualTo(result.get(i).score().auc());
        }
        for (Tuner.Trial t : seen.subList(1, 3)) {
            assertThat(t.config().learningRate()).isBetween(3e-4f, 1e-2f);
            assertThat(t.config().l2()).isBetween(1e-7f, 1e-3f);
            assertThat(t.config().maxEpochs()).isEqualTo(4);
        }
    }
}
