package io.tidings.model.offline;

import io.tidings.model.Fixtures;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class QualityTest {
    @Test
    void aucOfKnownRankings() {
        boolean[] labels = {false, false, true, true};
        assertThat(Quality.auc(new float[] {0.1f, 0.2f, 0.8f, 0.9f}, labels)).isEqualTo(1.0);
        assertThat(Quality.auc(new float[] {0.9f, 0.8f, 0.2f, 0.1f}, labels)).isEqualTo(0.0);
        assertThat(Quality.auc(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, labels)).isEqualTo(0.5);
        assertThat(Quality.auc(new float[] {0.1f, 0.8f, 0.2f, 0.9f}, labels)).isCloseTo(0.75, within(1e-12));
        // negative scores (logits) sort correctly too
        assertThat(Quality.auc(new float[] {-3f, -0.5f, -1f, 2f}, labels)).isCloseTo(0.75, within(1e-12));
    }

    @Test
    void aucIsUndefinedWithOneClass() {
        assertThat(Quality.auc(new float[] {0.1f, 0.7f}, new boolean[] {true, true})).isNaN();
    }

    @Test
    void aucEqualsThePairwiseDefinitionWithManyTies() {
        SplittableRandom rng = new SplittableRandom(4);
        int n = 700;
        float[] s = new float[n];
        boolean[] y = new boolean[n];
        for (int i = 0; i < n; i++) {
            s[i] = rng.nextInt(15) / 7f - 1f; // few distinct values: many ties, some negative
            y[i] = rng.nextDouble() < 0.3 + 0.4 * (s[i] + 1) / 2;
        }
        double wins = 0;
        long pairs = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (y[i] && !y[j]) {
                    pairs++;
                    wins += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
                }
            }
        }
        assertThat(Quality.auc(s, y)).isCloseTo(wins / pairs, within(1e-12));
        assertThat(Fixtures.auc(s, y)).isCloseTo(wins / pairs, within(1e-12));
    }

    @Test
    void logLossOfKnownPredictions() {
        assertThat(Quality.logLoss(new float[] {0.5f, 0.5f}, new boolean[] {true, false}))
                .isCloseTo(Math.log(2), within(1e-9));
        assertThat(Quality.logLoss(new float[] {0.8f, 0.25f}, new boolean[] {true, false}))
                .isCloseTo(-(Math.log(0.8) + Math.log(0.75)) / 2, within(1e-7));
        assertThat(Quality.logLoss(new float[] {1f, 0f}, new boolean[] {true, false})).isCloseTo(0, within(1e-6));
        // a confident miss is large but finite (clipped at 1e-7)
        assertThat(Quality.logLoss(new float[] {0f}, new boolean[] {true})).isCloseTo(-Math.log(1e-7), within(1e-6));
        assertThat(Quality.logLoss(new float[0], new boolean[0])).isNaN();
    }
}
