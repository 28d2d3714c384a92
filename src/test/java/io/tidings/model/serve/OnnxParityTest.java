package io.tidings.model.serve;

import io.tidings.model.Fixtures;
import io.tidings.model.ModelConfig;
import io.tidings.model.Network;
import io.tidings.model.TrainedModel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class OnnxParityTest {
    private static final ModelConfig CONFIG = ModelConfig.defaults();

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 17, 256, 1000})
    void onnxRuntimeAgreesWithJavaForwardPassOnRandomInputs(int n) {
        TrainedModel model = Fixtures.randomModel(CONFIG, 7 + n, 3, 3, 3);
        SplittableRandom rng = new SplittableRandom(n);
        // arrays one row longer than needed: the scorer must read only n rows
        float[] r = Fixtures.gaussian(rng, (n + 1) * 100);
        float[] c = Fixtures.gaussian(rng, (n + 1) * 80);
        float[] p = Fixtures.gaussian(rng, (n + 1) * 20);
        float[] onnx;
        try (OnnxScorer scorer = new OnnxScorer(model.toOnnx())) {
            onnx = scorer.score(r, c, p, n);
        }
        Network net = model.network();
        float[] x = new float[200];
        float[] act = new float[70];
        double maxDiff = 0;
        int informative = 0;
        for (int i = 0; i < n; i++) {
            System.arraycopy(r, i * 100, x, 0, 100);
            System.arraycopy(c, i * 80, x, 100, 80);
            System.arraycopy(p, i * 20, x, 180, 20);
            float java = Network.sigmoid(net.logit(x, 0, act));
            maxDiff = Math.max(maxDiff, Math.abs(java - onnx[i]));
            if (java > 0.01f && java < 0.99f) {
                informative++;
            }
        }
        assertThat(maxDiff).isLessThan(1e-5);
        assertThat(informative).as("scores not saturated, so the comparison means something").isPositive();
    }

    @Test
    void scorePostsMatchesJavaPathsAcrossSeveralBatches() {
        TrainedModel model = Fixtures.randomModel(CONFIG, 3, 5, 20, 200);
        int n = ScoringModel.MAX_BATCH * 2 + 13;
        long[] channels = new long[n];
        long[] posts = new long[n];
        SplittableRandom rng = new SplittableRandom(1);
        for (int i = 0; i < n; i++) {
            channels[i] = 1000 + rng.nextInt(22); // two channel ids without rows: prior
            posts[i] = 5000 + rng.nextInt(230);   // some post ids without rows: prior
        }
        long reader = 2;
        float[] concat = new float[n];
        model.scoreInto(filled(n, reader), channels, posts, concat);
        float[] fast = model.scorePostsJava(reader, channels, posts);
        float[] onnx;
        try (ScoringModel scoring = new ScoringModel(1, model)) {
            onnx = scoring.scorePosts(reader, channels, posts);
        }
        for (int i = 0; i < n; i++) {
            assertThat(onnx[i]).as("pair %d", i).isCloseTo(concat[i], within(1e-5f));
            assertThat(fast[i]).as("pair %d", i).isCloseTo(concat[i], within(1e-5f));
            assertThat(model.score(reader, channels[i], posts[i])).isEqualTo(concat[i]);
        }
    }

    @Test
    void scorerReportsInputWidthsOfTheGraph() {
        ModelConfig small = ModelConfig.custom().readerDim(8).channelDim(6).postDim(4).hidden(5).build();
        try (OnnxScorer scorer = new OnnxScorer(TrainedModel.untrained(small, 1).toOnnx())) {
            assertThat(new int[] {scorer.readerDim(), scorer.channelDim(), scorer.postDim()})
                    .containsExactly(8, 6, 4);
            float[] s = scorer.score(new float[8], new float[6], new float[4], 1);
            assertThat(s).containsExactly(0.5f);
        }
    }

    private static long[] filled(int n, long v) {
        long[] a = new long[n];
        java.util.Arrays.fill(a, v);
        return a;
    }
}
