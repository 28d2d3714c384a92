package io.tidings.model.serve;

import io.tidings.model.OnnxExport;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One ONNX Runtime session over a pairs graph (see {@link OnnxExport}). Runs are reference-counted: the
 * native session is closed only after {@link #close()} was called and the last in-flight run or lease
 * released it, because closing a session another thread runs crashes the JVM. Every tensor and result is
 * closed after use. ONNX Runtime's run blocks: call it off event loops.
 */
public final class OnnxScorer implements AutoCloseable {
    private final OrtEnvironment env;
    private final OrtSession session;
    private final int readerDim;
    private final int channelDim;
    private final int postDim;
    private final AtomicInteger refs = new AtomicInteger(1);
    private final AtomicBoolean closeCalled = new AtomicBoolean();
    private final AtomicInteger sessionCloses = new AtomicInteger();

    /** A session with one intra-op thread. */
    public OnnxScorer(byte[] onnxModel) {
        this(onnxModel, 1);
    }

    /** A session with {@code intraOpThreads} intra-op threads (1 is best when many threads score at once). */
    public OnnxScorer(byte[] onnxModel, int intraOpThreads) {
        if (intraOpThreads <= 0) {
            throw new IllegalArgumentException("intraOpThreads must be > 0");
        }
        this.env = OrtEnv.get();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(intraOpThreads);
            opts.setInterOpNumThreads(1);
            opts.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            this.session = env.createSession(onnxModel, opts);
            Map<String, NodeInfo> inputs = session.getInputInfo();
            this.readerDim = width(inputs, OnnxExport.INPUT_READER);
            this.channelDim = width(inputs, OnnxExport.INPUT_CHANNEL);
            this.postDim = width(inputs, OnnxExport.INPUT_POST);
        } catch (OrtException e) {
            throw new IllegalArgumentException("cannot load ONNX model: " + e.getMessage(), e);
        }
    }

    private static int width(Map<String, NodeInfo> inputs, String name) {
        NodeInfo info = inputs.get(name);
        if (info == null || !(info.getInfo() instanceof TensorInfo t) || t.getShape().length != 2) {
            throw new IllegalArgumentException("model lacks a 2-d input '" + name + "': " + inputs.keySet());
        }
        return (int) t.getShape()[1];
    }

    public int readerDim() {
        return readerDim;
    }

    public int channelDim() {
        return channelDim;
    }

    public int postDim() {
        return postDim;
    }

    /**
     * Scores {@code n} pairs given as row-major batches ({@code readers} holds n rows of readerDim floats,
     * and so on); returns n probabilities. Arrays may be longer than needed.
     */
    public float[] score(float[] readers, float[] channels, float[] posts, int n) {
        float[] out = new float[n];
        scoreInto(readers, channels, posts, n, out, 0);
        return out;
    }

    /** Like {@link #score} but writes into {@code out[outOff .. outOff+n)}. */
    public void scoreInto(float[] readers, float[] channels, float[] posts, int n, float[] out, int outOff) {
        if (n <= 0) {
            if (n == 0) {
                return;
            }
            throw new IllegalArgumentException("n must be >= 0");
        }
        if (readers.length < n * readerDim || channels.length < n * channelDim || posts.length < n * postDim
                || out.length < outOff + n) {
            throw new IllegalArgumentException("arrays too short for " + n + " rows");
        }
        if (!tryAcquire()) {
            throw new IllegalStateException("scorer is closed");
        }
        OnnxTensor r = null;
        OnnxTensor c = null;
        OnnxTensor p = null;
        try {
            r = tensor(FloatBuffer.wrap(readers, 0, n * readerDim), n, readerDim);
            c = tensor(FloatBuffer.wrap(channels, 0, n * channelDim), n, channelDim);
            p = tensor(FloatBuffer.wrap(posts, 0, n * postDim), n, postDim);
            OrtSession.Result result = session.run(Map.of(
                    OnnxExport.INPUT_READER, r, OnnxExport.INPUT_CHANNEL, c, OnnxExport.INPUT_POST, p));
            NativeCounts.RESULTS_OPENED.incrementAndGet();
            try {
                FloatBuffer scores = ((OnnxTensor) result.get(0)).getFloatBuffer();
                if (scores.remaining() != n) {
                    throw new IllegalStateException("model returned " + scores.remaining() + " scores for " + n);
                }
                scores.get(out, outOff, n);
            } finally {
                OnnxTensor first = (OnnxTensor) result.get(0);
                result.close();
                if (first.isClosed()) {
                    NativeCounts.RESULTS_CLOSED.incrementAndGet();
                }
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime run failed: " + e.getMessage(), e);
        } finally {
            close(p);
            close(c);
            close(r);
            release();
        }
    }

    private OnnxTensor tensor(FloatBuffer data, int rows, int cols) throws OrtException {
        OnnxTensor t = OnnxTensor.createTensor(env, data, new long[] {rows, cols});
        NativeCounts.TENSORS_OPENED.incrementAndGet();
        return t;
    }

    private static void close(OnnxTensor t) {
        if (t != null) {
            t.close();
            if (t.isClosed()) {
                NativeCounts.TENSORS_CLOSED.incrementAndGet();
            }
        }
    }

    /** Takes a reference so the session stays open; false when it is already closed. */
    public boolean tryAcquire() {
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

    /** Gives back a reference from {@link #tryAcquire()}; the last one closes the session. */
    public void release() {
        int r = refs.decrementAndGet();
        if (r == 0) {
            closeSession();
        } else if (r < 0) {
            throw new IllegalStateException("released more often than acquired");
        }
    }

    /** Drops the owner's reference (once); the session closes when no run or lease holds it any more. */
    @Override
    public void close() {
        if (closeCalled.compareAndSet(false, true)) {
            release();
        }
    }

    /** Whether the native session has been closed. */
    public boolean isClosed() {
        return refs.get() <= 0;
    }

    /** How often the native session was closed (0 or 1; more would be a bug). */
    int sessionCloses() {
        return sessionCloses.get();
    }

    private void closeSession() {
        sessionCloses.incrementAndGet();
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("closing ONNX session failed", e);
        }
    }
}
