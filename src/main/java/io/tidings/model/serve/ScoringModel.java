package io.tidings.model.serve;

import io.tidings.model.TrainedModel;
import java.util.Objects;

/**
 * One servable model version: a {@link TrainedModel} (embeddings, gathered in Java) plus an
 * {@link OnnxScorer} over its network. Scoring methods block (ONNX Runtime): call them off event loops.
 * Usually reached through {@link ModelRegistry}, which keeps it open while leased.
 */
public final class ScoringModel implements AutoCloseable {
    /** Most pairs sent to ONNX Runtime in one run. */
    public static final int MAX_BATCH = 4096;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final long version;
    private final TrainedModel model;
    private final OnnxScorer scorer;

    /** Exports {@code model} to ONNX and opens a single-threaded session for it. */
    public ScoringModel(long version, TrainedModel model) {
        this(version, model, 1);
    }

    public ScoringModel(long version, TrainedModel model, int intraOpThreads) {
        this.version = version;
        this.model = Objects.requireNonNull(model, "model");
        this.scorer = new OnnxScorer(model.toOnnx(), intraOpThreads);
    }

    public long version() {
        return version;
    }

    public TrainedModel model() {
        return model;
    }

    public OnnxScorer scorer() {
        return scorer;
    }

    /**
     * P(👍) of one reader for each candidate {@code (channels[i], posts[i])}, scored by ONNX Runtime in
     * batches of up to {@link #MAX_BATCH}. Unknown ids use the trained mean row.
     */
    public float[] scorePosts(long reader, long[] channels, long[] posts) {
        if (channels.length != posts.length) {
            throw new IllegalArgumentException("channels and posts differ in length");
        }
        long[] readers = new long[posts.length];
        java.util.Arrays.fill(readers, reader);
        return scorePairs(readers, channels, posts);
    }

    /** P(👍) of pairs {@code (readers[i], channels[i], posts[i])}, batched like {@link #scorePosts}. */
    public float[] scorePairs(long[] readers, long[] channels, long[] posts) {
        if (channels.length != readers.length || posts.length != readers.length) {
            throw new IllegalArgumentException("arrays differ in length");
        }
        int n = readers.length;
        float[] out = new float[n];
        Scratch s = scratch(Math.min(n, MAX_BATCH));
        for (int from = 0; from < n; from += MAX_BATCH) {
            int m = Math.min(MAX_BATCH, n - from);
            model.gather(readers, channels, posts, from, m, s.readers, s.channels, s.posts);
            scorer.scoreInto(s.readers, s.channels, s.posts, m, out, from);
        }
        return out;
    }

    private Scratch scratch(int rows) {
        Scratch s = SCRATCH.get();
        s.ensure(rows * scorer.readerDim(), rows * scorer.channelDim(), rows * scorer.postDim());
        return s;
    }

    boolean tryAcquire() {
        return scorer.tryAcquire();
    }

    void release() {
        scorer.release();
    }

    /** Drops the owner's reference; the session closes after the last lease is released. */
    @Override
    public void close() {
        scorer.close();
    }

    @Override
    public String toString() {
        return "ScoringModel{version=" + version + ", " + model + '}';
    }

    /** Per-thread input buffers, grown on demand, so scoring does not allocate megabytes per call. */
    private static final class Scratch {
        float[] readers = new float[0];
        float[] channels = new float[0];
        float[] posts = new float[0];

        void ensure(int r, int c, int p) {
            if (readers.length < r) {
                readers = new float[r];
            }
            if (channels.length < c) {
                channels = new float[c];
            }
            if (posts.length < p) {
                posts = new float[p];
            }
        }
    }
}
