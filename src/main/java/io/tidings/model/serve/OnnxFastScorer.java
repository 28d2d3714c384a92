package io.tidings.model.serve;

import io.tidings.model.OnnxExport;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * One ONNX Runtime session over the fast-path graph ({@link OnnxExport#toFastOnnx}): precomputed reader
 * rows {@code hu} × post rows {@code hp} → probabilities {@code [posts, readers]}. Readers go through in
 * chunks of {@link #READER_CHUNK} so the {@code [posts, chunk, hidden]} intermediate stays small; inputs are
 * zero-copy slices of direct buffers and the output is a pinned, reused direct buffer. Not for concurrent
 * use: one instance per thread, closed by its owner after its last run.
 */
public final class OnnxFastScorer implements AutoCloseable {
    /** Readers per ONNX Runtime run. */
    public static final int READER_CHUNK = 2048;

    private final OrtEnvironment env;
    private final OrtSession session;
    private final int hidden;
    private FloatBuffer outBuffer;
    private FloatBuffer inHu;
    private FloatBuffer inHp;

    public OnnxFastScorer(byte[] fastGraph, int hidden, int intraOpThreads) {
        this.env = OrtEnv.get();
        this.hidden = hidden;
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(intraOpThreads);
            opts.setInterOpNumThreads(1);
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            this.session = env.createSession(fastGraph, opts);
        } catch (OrtException e) {
            throw new IllegalArgumentException("cannot load ONNX model: " + e.getMessage(), e);
        }
    }

    /** A direct, native-order float buffer of {@code n} floats (what {@link #score(FloatBuffer, int, FloatBuffer, int, float[])} wants). */
    public static FloatBuffer direct(int n) {
        return ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /**
     * Scores {@code posts} rows of {@code hp} against {@code readers} rows of {@code hu} (both row-major
     * {@code [n, hidden]} in direct buffers) into {@code out[post * readers + reader]}.
     */
    public void score(FloatBuffer hu, int readers, FloatBuffer hp, int posts, float[] out) {
        if (hu.capacity() < readers * hidden || hp.capacity() < posts * hidden || out.length < (long) posts * readers) {
            throw new IllegalArgumentException("buffers too short");
        }
        if (posts == 0 || readers == 0) {
            return;
        }
        int chunk = Math.min(READER_CHUNK, readers);
        if (outBuffer == null || outBuffer.capacity() < posts * chunk) {
            outBuffer = direct(posts * chunk);
        }
        try {
            OnnxTensor hpT = tensor(hp.slice(0, posts * hidden), posts, hidden);
            try {
                for (int r0 = 0; r0 < readers; r0 += chunk) {
                    int n = Math.min(chunk, readers - r0);
                    OnnxTensor huT = tensor(hu.slice(r0 * hidden, n * hidden), n, hidden);
                    try {
                        OnnxTensor outT = tensor(outBuffer.slice(0, posts * n), posts, n);
                        try {
                            run(huT, hpT, outT);
                        } finally {
                            close(outT);
                        }
                    } finally {
                        close(huT);
                    }
                    FloatBuffer o = outBuffer.duplicate();
                    for (int p = 0; p < posts; p++) {
                        o.limit(p * n + n).position(p * n);
                        o.get(out, p * readers + r0, n);
                    }
                }
            } finally {
                close(hpT);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime run failed: " + e.getMessage(), e);
        }
    }

    private void run(OnnxTensor hu, OnnxTensor hp, OnnxTensor pinnedOut) throws OrtException {
        OrtSession.Result result = session.run(
                Map.of(OnnxExport.INPUT_READER_HIDDEN, hu, OnnxExport.INPUT_POST_HIDDEN, hp),
                Map.of(OnnxExport.OUTPUT, pinnedOut));
        NativeCounts.RESULTS_OPENED.incrementAndGet();
        result.close();
        NativeCounts.RESULTS_CLOSED.incrementAndGet();
    }

    /** Convenience: copies heap arrays into direct buffers (reused between calls) and scores. */
    public float[] score(float[] hu, int readers, float[] hp, int posts) {
        if (inHu == null || inHu.capacity() < readers * hidden) {
            inHu = direct(readers * hidden);
        }
        if (inHp == null || inHp.capacity() < posts * hidden) {
            inHp = direct(posts * hidden);
        }
        inHu.clear();
        inHu.put(hu, 0, readers * hidden);
        inHp.clear();
        inHp.put(hp, 0, posts * hidden);
        float[] out = new float[posts * readers];
        score(inHu, readers, inHp, posts, out);
        return out;
    }

    private OnnxTensor tensor(FloatBuffer data, int rows, int cols) throws OrtException {
        OnnxTensor t = OnnxTensor.createTensor(env, data, new long[] {rows, cols});
        NativeCounts.TENSORS_OPENED.incrementAndGet();
        return t;
    }

    private static void close(OnnxTensor t) {
        t.close();
        if (t.isClosed()) {
            NativeCounts.TENSORS_CLOSED.incrementAndGet();
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("closing ONNX session failed", e);
        }
    }
}
