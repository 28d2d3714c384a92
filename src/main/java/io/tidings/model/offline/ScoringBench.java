package io.tidings.model.offline;

import io.tidings.model.EmbeddingTable;
import io.tidings.model.ModelConfig;
import io.tidings.model.Network;
import io.tidings.model.OnnxExport;
import io.tidings.model.TrainedModel;
import io.tidings.model.serve.FastScorer;
import io.tidings.model.serve.OnnxFastScorer;
import io.tidings.model.serve.ScoringModel;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Scoring throughput (a bench command, not JMH): every post against every reader with the seed-size model,
 * by the naive concatenated ONNX graph ({@link ScoringModel#scorePairs}), by the ONNX fast-path graph and
 * by the Java fast path ({@link FastScorer}); checks they agree and times one post against 1 M readers.
 * Numbers on a shared machine are noisy: each figure is the median of several timed runs.
 */
public final class ScoringBench {
    /** The bench's results; pairs per second count (reader, post) pairs scored. */
    public record Result(int readers, int posts, int threads, double naivePairsPerS, double onnxFastPairsPerS,
                         double fastPairsPerS, double onePost1mReadersMs, double readerMatrixSeconds,
                         double maxDiffFastVsNaive, double maxDiffOnnxFastVsNaive) {
        public String json() {
            return String.format(Locale.ROOT, "{\"readers\":%d,\"posts\":%d,\"naive_pairs_per_s\":%.0f,"
                            + "\"fast_pairs_per_s\":%.0f,\"one_post_1m_readers_ms\":%.2f}", readers, posts,
                    naivePairsPerS, fastPairsPerS, onePost1mReadersMs);
        }

        /** Whether all paths agree within 1e-5. */
        public boolean agree() {
            return maxDiffFastVsNaive <= 1e-5 && maxDiffOnnxFastVsNaive <= 1e-5;
        }
    }

    private static final int CHANNELS = 170;

    private ScoringBench() {
    }

    public static Result run(int readers, int posts, int threads, double seconds, PrintStream log) throws Exception {
        ModelConfig config = ModelConfig.defaults();
        TrainedModel model = randomModel(config, 7, readers, CHANNELS, posts);
        SplittableRandom rng = new SplittableRandom(11);
        long[] readerIds = new long[readers];
        for (int r = 0; r < readers; r++) {
            readerIds[r] = r;
        }
        long[] channels = new long[posts];
        long[] postIds = new long[posts];
        for (int p = 0; p < posts; p++) {
            channels[p] = rng.nextInt(CHANNELS);
            postIds[p] = p;
        }
        int pairs = readers * posts;
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "bench-score");
            t.setDaemon(true);
            return t;
        });
        try {
            // naive: concatenated rows through the pairs graph, batches of 4096, one session per thread
            float[] naive = new float[pairs];
            double naiveSeconds;
            try (ScoringModel scoring = new ScoringModel(1, model)) {
                naiveSeconds = median(seconds / 3, 3, () -> parallel(pool, threads, readers, (part, from, to) -> {
                    int n = (to - from) * posts;
                    long[] rs = new long[n];
                    long[] cs = new long[n];
                    long[] ps = new long[n];
                    for (int r = from, k = 0; r < to; r++) {
                        for (int p = 0; p < posts; p++, k++) {
                            rs[k] = r;
                            cs[k] = channels[p];
                            ps[k] = postIds[p];
                        }
                    }
                    float[] got = scoring.scorePairs(rs, cs, ps);
                    for (int r = from, k = 0; r < to; r++) {
                        for (int p = 0; p < posts; p++, k++) {
                            naive[p * readers + r] = got[k];
                        }
                    }
                }));
            }
            log.printf(Locale.ROOT, "naive ONNX pairs graph : %8.2f M pairs/s (%d threads, %.3f s per pass)%n",
                    pairs / naiveSeconds / 1e6, threads, naiveSeconds);

            FastScorer fast = new FastScorer(model);
            long t0 = System.nanoTime();
            FastScorer.ReaderMatrix matrix = fast.readers(readerIds);
            double matrixSeconds = (System.nanoTime() - t0) / 1e9;
            float[] hp = fast.postHidden(channels, postIds);
            log.printf(Locale.ROOT, "reader matrix hu       : %d readers in %.3f s (once per model version)%n",
                    readers, matrixSeconds);

            // ONNX fast graph: row-major hu, one session per thread
            int h = fast.hidden();
            float[] huRows = new float[readers * h];
            for (int r = 0; r < readers; r++) {
                System.arraycopy(matrix.get(r), 0, huRows, r * h, h);
            }
            float[] onnxFast = new float[pairs];
            List<OnnxFastScorer> sessions = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                sessions.add(new OnnxFastScorer(OnnxExport.toFastOnnx(model), h, 1));
            }
            double onnxFastSeconds;
            try {
                java.nio.FloatBuffer huDirect = OnnxFastScorer.direct(readers * h);
                huDirect.put(huRows);
                java.nio.FloatBuffer hpDirect = OnnxFastScorer.direct(posts * h);
                hpDirect.put(hp);
                onnxFastSeconds = median(seconds / 3, 3, () -> parallel(pool, threads, readers, (part, from, to) -> {
                    // one session per part: an OnnxFastScorer's buffers are not for two threads at once
                    float[] out = new float[posts * (to - from)];
                    sessions.get(part).score(huDirect.slice(from * h, (to - from) * h), to - from, hpDirect, posts,
                            out);
                    for (int p = 0; p < posts; p++) {
                        System.arraycopy(out, p * (to - from), onnxFast, p * readers + from, to - from);
                    }
                }));
            } finally {
                sessions.forEach(OnnxFastScorer::close);
            }
            log.printf(Locale.ROOT, "ONNX fast-path graph   : %8.2f M pairs/s%n", pairs / onnxFastSeconds / 1e6);

            float[] out = new float[pairs];
            double fastSeconds = median(seconds / 3, 5, () -> fast.score(matrix, hp, posts, out, pool, threads));
            log.printf(Locale.ROOT, "Java fast path         : %8.2f M pairs/s (%s kernel, tiles of %d readers, %d threads)%n",
                    pairs / fastSeconds / 1e6, fast.kernel(), FastScorer.TILE, threads);

            double diffFast = maxDiff(out, naive);
            double diffOnnxFast = maxDiff(onnxFast, naive);
            log.printf(Locale.ROOT, "max |fast - naive| = %.2e, max |onnx fast - naive| = %.2e over %d pairs%n",
                    diffFast, diffOnnxFast, pairs);

            // one post against 1 M readers: a 1 M-row reader matrix (random hu rows; cost is independent of values)
            int million = 1_000_000;
            FastScorer.ReaderMatrix big = new FastScorer.ReaderMatrix(million, h);
            SplittableRandom fill = new SplittableRandom(3);
            for (int i = 0; i < big.values.length; i++) {
                big.values[i] = (float) fill.nextGaussian();
            }
            float[] one = Arrays.copyOf(hp, h);
            float[] bigOut = new float[million];
            double oneSeconds = median(seconds / 3, 9, () -> fast.score(big, one, 1, bigOut, pool, threads));
            log.printf(Locale.ROOT, "one post × 1 M readers : %.2f ms (reader matrix %d MB)%n", oneSeconds * 1e3,
                    (long) big.values.length * 4 >> 20);
            return new Result(readers, posts, threads, pairs / naiveSeconds, pairs / onnxFastSeconds,
                    pairs / fastSeconds, oneSeconds * 1e3, matrixSeconds, diffFast, diffOnnxFast);
        } finally {
            pool.shutdownNow();
        }
    }

    private interface Range {
        void run(int part, int from, int to) throws Exception;
    }

    private interface Pass {
        void run() throws Exception;
    }

    private static void parallel(ExecutorService pool, int threads, int n, Range range) throws Exception {
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int from = (int) ((long) n * t / threads);
            int to = (int) ((long) n * (t + 1) / threads);
            int part = t;
            fs.add(pool.submit(() -> {
                range.run(part, from, to);
                return null;
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
    }

    /** Runs {@code pass} once to warm up, then at least {@code minRuns} times and for {@code seconds}; median seconds. */
    private static double median(double seconds, int minRuns, Pass pass) throws Exception {
        pass.run();
        List<Double> times = new ArrayList<>();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (times.size() < minRuns || (System.nanoTime() < end && times.size() < 1000)) {
            long t0 = System.nanoTime();
            pass.run();
            times.add((System.nanoTime() - t0) / 1e9);
        }
        times.sort(null);
        return times.get(times.size() / 2);
    }

    private static double maxDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    /** Random weights and Gaussian rows for readers 0..r-1, channels 0..c-1, posts 0..p-1. */
    static TrainedModel randomModel(ModelConfig config, long seed, int r, int c, int p) {
        SplittableRandom rng = new SplittableRandom(seed);
        Network net = Network.random(config, rng);
        for (int k = 0; k < net.hidden; k++) {
            net.b1[k] = (float) (rng.nextGaussian() * 0.3);
        }
        return new TrainedModel(config, net, table(config.readerDim(), r, rng), table(config.channelDim(), c, rng),
                table(config.postDim(), p, rng));
    }

    private static EmbeddingTable table(int dim, int rows, SplittableRandom rng) {
        EmbeddingTable t = new EmbeddingTable(dim, rows);
        for (int i = 0; i < rows; i++) {
            t.addIfAbsent(i, (block, off, d) -> {
                for (int j = 0; j < d; j++) {
                    block[off + j] = (float) rng.nextGaussian();
                }
            });
        }
        t.updatePrior();
        return t;
    }
}
