package io.tidings.model.serve;

import io.tidings.model.Fixtures;
import io.tidings.model.ModelConfig;
import io.tidings.model.OnnxExport;
import io.tidings.model.TrainedModel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

@org.junit.jupiter.api.parallel.Isolated("ONNX Runtime's open-tensor count is the JVM's: counted alone")
class FastPathTest {
    private static final ModelConfig CONFIG = ModelConfig.defaults();
    // rows for readers 0..299, channels 1000..1029, posts 5000..5199; the ids below also hit unknown rows
    private static final TrainedModel MODEL = Fixtures.randomModel(CONFIG, 5, 300, 30, 200);

    @Test
    void vectorKernelIsUsedWhenTheModuleIsPresent() {
        // surefire starts the JVM with --add-modules jdk.incubator.vector, like ./tidings and the Dockerfile
        assertThat(ScoreKernel.vectorModulePresent()).as("jdk.incubator.vector in the test JVM").isTrue();
        assertThat(new FastScorer(MODEL).kernel()).startsWith("vector");
        assertThat(new FastScorer(MODEL, false).kernel()).isEqualTo("scalar");
    }

    @Test
    void vectorKernelEqualsTheConcatenatedForwardPassForEveryPair() throws Exception {
        assertKernelMatchesForwardPass(new FastScorer(MODEL));
    }

    @Test
    void vectorKernelHandlesTailsOfOneTwoAndThreePostsAndScoresARangeInPlace() {
        FastScorer fast = new FastScorer(MODEL);
        long[] readers = ids(new SplittableRandom(6), FastScorer.TILE * 3, 0, 330);
        FastScorer.ReaderMatrix m = fast.readers(readers);
        for (int posts = 1; posts <= 7; posts++) {
            SplittableRandom rng = new SplittableRandom(7 + posts);
            long[] channels = ids(rng, posts, 1000, 33);
            long[] postIds = ids(rng, posts, 5000, 220);
            float[] hp = fast.postHidden(channels, postIds);
            float[] out = new float[posts * m.readers()];
            fast.score(m, hp, posts, out);
            // the same posts scored from the second on, at their own places
            float[] range = new float[posts * m.readers()];
            fast.score(m, hp, 1, posts, range);
            for (int p = 0; p < posts; p++) {
                for (int r = 0; r < readers.length; r++) {
                    float want = MODEL.score(readers[r], channels[p], postIds[p]);
                    assertThat(out[p * m.readers() + r]).as("post %d of %d, reader %d", p, posts, r).isCloseTo(want, within(1e-5f));
                    if (p > 0) assertThat(range[p * m.readers() + r]).isEqualTo(out[p * m.readers() + r]);
                    else assertThat(range[r]).isZero();
                }
            }
        }
    }

    @Test
    void scoringOnlyTheFirstReadersOfAMatrixGivesTheirVeryScoresAndComputesFewerLanes() {
        for (boolean vector : new boolean[] {true, false}) {
            FastScorer fast = new FastScorer(MODEL, vector);
            long[] readers = ids(new SplittableRandom(16), FastScorer.TILE * 3, 0, 330);
            FastScorer.ReaderMatrix m = fast.readers(readers);
            for (int posts = 1; posts <= 9; posts++) {
                SplittableRandom rng = new SplittableRandom(17 + posts);
                long[] channels = ids(rng, posts, 1000, 33);
                long[] postIds = ids(rng, posts, 5000, 220);
                float[] hp = fast.postHidden(channels, postIds);
                float[] all = new float[posts * m.readers()];
                fast.score(m, hp, posts, all);
                for (int wanted : new int[] {1, 5, 16, 17, 32, 33, 63, 64, 65, 97, 128, 150, 192}) {
                    float[] part = new float[posts * m.readers()];
                    fast.score(m, hp, posts, part, wanted);
                    for (int p = 0; p < posts; p++) {
                        for (int r = 0; r < wanted; r++) {
                            assertThat(part[p * m.readers() + r]).as("%s, %d posts, %d wanted, post %d reader %d", fast.kernel(), posts,
                                    wanted, p, r).isEqualTo(all[p * m.readers() + r]);
                        }
                    }
                    int lanes = fast.lanes(wanted);
                    assertThat(lanes).isBetween(wanted, (wanted + FastScorer.TILE - 1) / FastScorer.TILE * FastScorer.TILE);
                    // past the lanes computed nothing is written
                    for (int p = 0; p < posts; p++) {
                        for (int r = lanes; r < m.readers(); r++) assertThat(part[p * m.readers() + r]).isZero();
                    }
                }
            }
            if (vector) assertThat(fast.lanes(5)).as("a few readers take part of a tile").isLessThan(FastScorer.TILE);
        }
    }

    @Test
    void scalarKernelEqualsTheConcatenatedForwardPassForEveryPair() throws Exception {
        assertKernelMatchesForwardPass(new FastScorer(MODEL, false));
    }

    @Test
    void fewReadersAndManyPostsAreSplitByPostsWithTheSameScores() {
        long[] readers = ids(new SplittableRandom(4), 5, 0, 330); // one padded tile: the split goes by posts
        int posts = 11;
        SplittableRandom rng = new SplittableRandom(5);
        FastScorer fast = new FastScorer(MODEL);
        FastScorer.ReaderMatrix m = fast.readers(readers);
        float[] hp = fast.postHidden(ids(rng, posts, 1000, 33), ids(rng, posts, 5000, 220));
        assertThat(scoreAloneAndInParallel(fast, m, hp, posts, 3)).doesNotContain(0f);
    }

    private static void assertKernelMatchesForwardPass(FastScorer fast) {
        // 19 full tiles (runs of 8, 8 and 3: an odd one out) and a partial last tile
        long[] readers = ids(new SplittableRandom(1), FastScorer.TILE * 19 + 7, 0, 330);
        int posts = 4 * 5 + 3; // blocks of four posts plus a tail
        SplittableRandom rng = new SplittableRandom(2);
        long[] channels = ids(rng, posts, 1000, 33);
        long[] postIds = ids(rng, posts, 5000, 220);
        FastScorer.ReaderMatrix m = fast.readers(readers);
        float[] hp = fast.postHidden(channels, postIds);
        float[] single = scoreAloneAndInParallel(fast, m, hp, posts, 2);
        double maxDiff = 0;
        int informative = 0;
        for (int p = 0; p < posts; p++) {
            for (int r = 0; r < readers.length; r++) {
                float want = MODEL.score(readers[r], channels[p], postIds[p]);
                maxDiff = Math.max(maxDiff, Math.abs(want - single[p * readers.length + r]));
                informative += want > 0.01f && want < 0.99f ? 1 : 0;
            }
        }
        assertThat(maxDiff).isLessThan(1e-5);
        assertThat(informative).as("scores not saturated").isGreaterThan(posts * readers.length / 4);
    }

    @Test
    void readerMatrixKeepsRowsApartAcrossTiles() {
        FastScorer.ReaderMatrix m = new FastScorer.ReaderMatrix(FastScorer.TILE * 2 + 1, 3);
        for (int r = 0; r < m.readers(); r++) {
            m.set(r, new float[] {r, -r, r * 0.5f});
        }
        for (int r = 0; r < m.readers(); r++) {
            assertThat(m.get(r)).containsExactly(r, -r, r * 0.5f);
        }
    }

    @Test
    void onnxFastGraphAgreesWithTheJavaForwardPassAndClosesEveryTensor() {
        int readers = 2 * OnnxFastScorer.READER_CHUNK + 300; // three runs, the last one short
        int posts = 7;
        SplittableRandom rng = new SplittableRandom(3);
        long[] readerIds = ids(rng, readers, 0, 330);
        long[] channels = ids(rng, posts, 1000, 33);
        long[] postIds = ids(rng, posts, 5000, 220);
        FastScorer fast = new FastScorer(MODEL);
        int h = fast.hidden();
        float[] hu = new float[readers * h];
        for (int r = 0; r < readers; r++) {
            System.arraycopy(fast.readerHidden(readerIds[r]), 0, hu, r * h, h);
        }
        float[] hp = fast.postHidden(channels, postIds);
        long openBefore = NativeCounts.open();
        long opened = NativeCounts.TENSORS_OPENED.get();
        float[] onnx;
        try (OnnxFastScorer scorer = new OnnxFastScorer(OnnxExport.toFastOnnx(MODEL), h, 1)) {
            onnx = scorer.score(hu, readers, hp, posts);
            float[] again = scorer.score(hu, readers, hp, posts); // reused buffers give the same answer
            assertThat(again).containsExactly(onnx);
        }
        assertThat(NativeCounts.TENSORS_OPENED.get() - opened).as("tensors were created").isPositive();
        assertThat(NativeCounts.open()).as("tensors and results left open").isEqualTo(openBefore);
        double maxDiff = 0;
        for (int p = 0; p < posts; p++) {
            for (int r = 0; r < readers; r++) {
                float want = MODEL.score(readerIds[r], channels[p], postIds[p]);
                maxDiff = Math.max(maxDiff, Math.abs(want - onnx[p * readers + r]));
            }
        }
        assertThat(maxDiff).isLessThan(1e-5);
    }

    /** Scores on the calling thread and split into {@code parts}; asserts both agree exactly; the scores. */
    private static float[] scoreAloneAndInParallel(FastScorer fast, FastScorer.ReaderMatrix m, float[] hp, int posts,
                                                   int parts) {
        float[] single = new float[posts * m.readers()];
        fast.score(m, hp, posts, single);
        float[] parallel = new float[posts * m.readers()];
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            fast.score(m, hp, posts, parallel, pool, parts);
        } finally {
            pool.shutdownNow();
        }
        assertThat(parallel).containsExactly(single);
        return single;
    }

    private static long[] ids(SplittableRandom rng, int n, long first, int range) {
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = first + rng.nextInt(range);
        }
        return ids;
    }
}
