package io.tidings.model.offline;

import io.tidings.model.Fixtures;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class AucTest {
    @Test
    void perfectRandomAndInvertedRankings() {
        boolean[] labels = {false, false, true, true};
        assertThat(Fixtures.auc(new float[] {0.1f, 0.2f, 0.8f, 0.9f}, labels)).isEqualTo(1.0);
        assertThat(Fixtures.auc(new float[] {0.9f, 0.8f, 0.2f, 0.1f}, labels)).isEqualTo(0.0);
        assertThat(Fixtures.auc(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, labels)).isEqualTo(0.5);
        assertThat(Fixtures.auc(new float[] {0.1f, 0.8f, 0.2f, 0.9f}, labels)).isCloseTo(0.75, within(1e-12));
    }
}
