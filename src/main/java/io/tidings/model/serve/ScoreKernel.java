package io.tidings.model.serve;

import io.tidings.model.Network;
/**
 * The inner loop of {@link FastScorer}: logits of a run of posts against one tile of {@link FastScorer#TILE}
 * readers, and an in-place sigmoid. Two implementations: {@link VectorKernel} on {@code jdk.incubator.vector}
 * when the JVM was started with {@code --add-modules jdk.incubator.vector}, else {@link ScalarKernel}.
 */
abstract class ScoreKernel {
    /** System property that turns the Vector API kernel off ({@code -Dtidings.vector=false}). */
    static final String PROPERTY = "tidings.vector";

    final int hidden;
    final float[] w2;
    final float b2;

    ScoreKernel(Network net) {
        this.hidden = net.hidden;
        this.w2 = net.w2.clone();
        this.b2 = net.b2[0];
    }

    /**
     * Logits of posts {@code [p0, p1)} (rows of {@code hp}, {@code [post][hidden]}) against {@code tiles}
     * consecutive full tiles whose values start at {@code hu[base]} (each {@code [h][TILE]}): post p, reader
     * i of the run goes to {@code out[off + (p - p0) * stride + i]}.
     */
    abstract void logits(float[] hu, int base, int tiles, float[] hp, int p0, int p1, float[] out, int off,
                         int stride);

    /**
     * Like {@link #logits} for one tile of which only the first {@code lanes} readers are wanted: at least those are
     * written, and at most {@link #width}{@code (lanes)}. This kernel computes the whole tile.
     */
    void logitsPart(float[] hu, int base, int lanes, float[] hp, int p0, int p1, float[] out, int off, int stride) {
        logits(hu, base, 1, hp, p0, p1, out, off, stride);
    }

    /** The lanes {@link #logitsPart} computes for {@code lanes} wanted readers of a tile. */
    int width(int lanes) {
        return FastScorer.TILE;
    }

    /** {@code a[i] = sigmoid(a[i])} for {@code i} in {@code [from, from + n)}. */
    abstract void sigmoid(float[] a, int from, int n);

    /** A short name for logs and the bench ("vector 512-bit", "scalar"). */
    abstract String name();

    /** The Vector API kernel when the module is present, its species is wide enough and it is not turned off. */
    static ScoreKernel best(Network net) {
        if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true")) || !vectorModulePresent()) {
            return new ScalarKernel(net);
        }
        try {
            // by name, so that this class links without the incubator module
            Class<?> c = Class.forName("io.tidings.model.serve.VectorKernel");
            ScoreKernel k = (ScoreKernel) c.getDeclaredConstructor(Network.class).newInstance(net);
            return k.usable() ? k : new ScalarKernel(net);
        } catch (ReflectiveOperationException | LinkageError e) {
            return new ScalarKernel(net);
        }
    }

    static ScoreKernel scalar(Network net) {
        return new ScalarKernel(net);
    }

    static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    boolean usable() {
        return true;
    }
}
