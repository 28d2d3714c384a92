package io.tidings.model.serve;

import io.tidings.model.TrainedModel;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One servable model version: a {@link TrainedModel} (served by the Java fast path) and, only once something
 * scores through ONNX Runtime ({@link #scorePairs}, {@link #scorer()}: benches, tests), an {@link OnnxScorer}
 * over its network. So production, which scores through the fast path, keeps no ONNX Runtime session per
 * version. Reference-counted: usually reached through {@link ModelRegistry}, which keeps it open while leased;
 * the session, if any, closes after the last reference and the last run. ONNX scoring blocks: off event loops.
 */
public final class ScoringModel implements AutoCloseable {
    /** Most pairs sent to ONNX Runtime in one run. */
    public static final int MAX_BATCH = 4096;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final long version;
    private final TrainedModel model;
    private final int intraOpThreads;
    private final AtomicInteger refs = new AtomicInteger(1);
    private final AtomicBoolean closeCalled = new AtomicBoolean();
    private OnnxScorer scorer; // guarded by this; made on first ONNX use
    private boolean closed; // guarded by this

    /** A version whose ONNX session, if ever needed, is single-threaded. */
    public ScoringModel(long version, TrainedModel model) {
        this(version, model, 1);
    }

    public ScoringModel(long version, TrainedModel model, int intraOpThreads) {
        this.version = version;
        this.model = Objects.requireNonNull(model, "model");
        if (intraOpThreads <= 0) {
            throw new IllegalArgumentException("intraOpThreads must be > 0");
        }
        this.intraOpThreads = intraOpThreads;
    }

    public long version() {
        return version;
    }

    public TrainedModel model() {
        return model;
    }

    /** The same version without its reader rows ({@link TrainedModel#withoutReaderRows()}), with its own references. */
    ScoringModel withoutReaderRows() {
        return new ScoringModel(version, model.withoutReaderRows(), intraOpThreads);
    }

    /** The ONNX Runtime session over the network, opened on first use; fails once this version is closed. */
    public synchronized OnnxScorer scorer() {
        if (closed) {
            throw new IllegalStateException("model version " + version + " is closed");
        }
        if (scorer == null) {
            scorer = new OnnxScorer(model.toOnnx(), intraOpThreads);
        }
        return scorer;
    }

    /** Whether an ONNX Runtime session was ever opened for this version. */
    public synchronized boolean hasSession() {
        return scorer != null;
    }

    /** Whether the last reference was released (and the session, if any, closed or closing). */
    public boolean isClosed() {
        return refs.get() == 0;
    }

    /** How often this version's session was closed: 0 without a session, else 0 or 1 (more would be a bug). */
    synchronized int sessionCloses() {
        return scorer == null ? 0 : scorer.sessionCloses();
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
        OnnxScorer scorer = scorer();
        Scratch s = scratch(scorer, Math.min(n, MAX_BATCH));
        for (int from = 0; from < n; from += MAX_BATCH) {
            int m = Math.min(MAX_BATCH, n - from);
            model.gather(readers, channels, posts, from, m, s.readers, s.channels, s.posts);
            scorer.scoreInto(s.readers, s.channels, s.posts, m, out, from);
        }
        return out;
    }

    private static Scratch scratch(OnnxScorer scorer, int rows) {
        Scratch s = SCRATCH.get();
        s.ensure(rows * scorer.readerDim(), rows * scorer.channelDim(), rows * scorer.postDim());
        return s;
    }

    boolean tryAcquire() {
        while (true) {
            int r = refs.get();
            if (r <= 0) {
                return false;
            }
            if (refs.compareAndSet(r, r + 1)) {
                return true;
            }
        }
    }

    void release() {
        int r = refs.decrementAndGet();
        if (r == 0) {
            OnnxScorer s;
            synchronized (this) {
                closed = true;
                s = scorer;
            }
            if (s != null) {
                s.close(); // the session itself closes after runs still in flight
            }
        } else if (r < 0) {
            throw new IllegalStateException("released more often than acquired");
        }
    }

    /** Drops the owner's reference (once); the session, if any, closes after the last lease is released. */
    @Override
    public void close() {
        if (closeCalled.compareAndSet(false, true)) {
            release();
        }
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
