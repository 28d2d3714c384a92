package io.tidings.model;

import java.util.random.RandomGenerator;

/**
 * The two-layer network on plain float arrays: {@code p = sigmoid(w2 · relu(W1 x + b1) + b2)}.
 * W1 is row-major [hidden][inputDim] with x = reader ++ channel ++ post. Mutable only inside the trainer.
 */
public final class Network {
    public final int readerDim;
    public final int channelDim;
    public final int postDim;
    public final int in;
    public final int hidden;
    public final float[] w1;
    public final float[] b1;
    public final float[] w2;
    public final float[] b2;

    Network(int readerDim, int channelDim, int postDim, int hidden) {
        this.readerDim = readerDim;
        this.channelDim = channelDim;
        this.postDim = postDim;
        this.in = readerDim + channelDim + postDim;
        this.hidden = hidden;
        this.w1 = new float[hidden * in];
        this.b1 = new float[hidden];
        this.w2 = new float[hidden];
        this.b2 = new float[1];
    }

    static Network of(ModelConfig config) {
        return new Network(config.readerDim(), config.channelDim(), config.postDim(), config.hidden());
    }

    /** Pre-activation offset of the bias unit (see {@link ModelConfig#biasTerms()}): far above any bias sum. */
    public static final float BIAS_OFFSET = 32f;

    /**
     * Holds the last hidden unit as the bias unit: input weight 1 from the last column of each table and 0
     * elsewhere, bias {@link #BIAS_OFFSET}, output weight 1. Call after every update of a bias-terms network
     * (b2, which carries {@code -BIAS_OFFSET}, is trained as usual).
     */
    public void holdBiasUnit() {
        int h = hidden - 1;
        int row = h * in;
        java.util.Arrays.fill(w1, row, row + in, 0f);
        w1[row + readerDim - 1] = 1f;
        w1[row + readerDim + channelDim - 1] = 1f;
        w1[row + in - 1] = 1f;
        b1[h] = BIAS_OFFSET;
        w2[h] = 1f;
    }

    /** Whether the last hidden unit is the bias unit {@link #holdBiasUnit()} holds. */
    public boolean hasBiasUnit() {
        int h = hidden - 1;
        int row = h * in;
        for (int j = 0; j < in; j++) {
            boolean biasColumn = j == readerDim - 1 || j == readerDim + channelDim - 1 || j == in - 1;
            if (w1[row + j] != (biasColumn ? 1f : 0f)) {
                return false;
            }
        }
        return b1[h] == BIAS_OFFSET && w2[h] == 1f;
    }

    /** He initialisation for the ReLU layer, Xavier for the output; biases zero. */
    public static Network random(ModelConfig config, RandomGenerator rng) {
        Network n = of(config);
        double s1 = Math.sqrt(2.0 / n.in);
        for (int i = 0; i < n.w1.length; i++) {
            n.w1[i] = (float) (rng.nextGaussian() * s1);
        }
        double s2 = Math.sqrt(1.0 / n.hidden);
        for (int i = 0; i < n.w2.length; i++) {
            n.w2[i] = (float) (rng.nextGaussian() * s2);
        }
        if (config.biasTerms()) {
            n.holdBiasUnit();
            n.b2[0] = -BIAS_OFFSET;
        }
        return n;
    }

    public Network copy() {
        Network c = new Network(readerDim, channelDim, postDim, hidden);
        c.copyFrom(this);
        return c;
    }

    public void copyFrom(Network o) {
        System.arraycopy(o.w1, 0, w1, 0, w1.length);
        System.arraycopy(o.b1, 0, b1, 0, b1.length);
        System.arraycopy(o.w2, 0, w2, 0, w2.length);
        b2[0] = o.b2[0];
    }

    /** The logit for the concatenated input {@code x[off .. off+in)}; fills {@code act} with relu(W1 x + b1). */
    public float logit(float[] x, int off, float[] act) {
        float z2 = b2[0];
        for (int h = 0; h < hidden; h++) {
            float a = dot(b1[h], w1, h * in, x, off, in);
            a = a > 0 ? a : 0f;
            act[h] = a;
            z2 += w2[h] * a;
        }
        return z2;
    }

    /**
     * {@code z + w[wOff] * v[vOff] + ... + w[wOff + n - 1] * v[vOff + n - 1]}, added one after the other: written four
     * at a time, in the same order (the same sum to the bit), for a third less CPU where the JIT does not unroll (C1,
     * as the test JVMs run); training and the fast path's halves spend most of their time here.
     */
    private static float dot(float z, float[] w, int wOff, float[] v, int vOff, int n) {
        int j = 0;
        for (int n4 = n & ~3; j < n4; j += 4) {
            int r = wOff + j;
            int o = vOff + j;
            z += w[r] * v[o];
            z += w[r + 1] * v[o + 1];
            z += w[r + 2] * v[o + 2];
            z += w[r + 3] * v[o + 3];
        }
        for (; j < n; j++) {
            z += w[wOff + j] * v[vOff + j];
        }
        return z;
    }

    /** Fast path, reader half: {@code hu = Wu · u} (no bias). */
    public void readerPart(float[] u, int uOff, float[] hu, int huOff) {
        for (int h = 0; h < hidden; h++) {
            hu[huOff + h] = dot(0f, w1, h * in, u, uOff, readerDim);
        }
    }

    /** Fast path, item half: {@code hp = Wc · c + Wp · p + b1}. */
    public void itemPart(float[] c, int cOff, float[] p, int pOff, float[] hp, int hpOff) {
        for (int h = 0; h < hidden; h++) {
            int row = h * in + readerDim;
            float z = dot(b1[h], w1, row, c, cOff, channelDim);
            hp[hpOff + h] = dot(z, w1, row + channelDim, p, pOff, postDim);
        }
    }

    /** Fast path, one pair: {@code sigmoid(relu(hu + hp) · w2 + b2)}. */
    float pair(float[] hu, int huOff, float[] hp, int hpOff) {
        float z2 = b2[0];
        for (int h = 0; h < hidden; h++) {
            float z = hu[huOff + h] + hp[hpOff + h];
            if (z > 0) {
                z2 += w2[h] * z;
            }
        }
        return sigmoid(z2);
    }

    public static float sigmoid(float z) {
        if (z >= 0) {
            return (float) (1.0 / (1.0 + Math.exp(-z)));
        }
        double e = Math.exp(z);
        return (float) (e / (1.0 + e));
    }

    /** Binary cross-entropy of a logit against label y, computed without overflow. */
    public static double bce(float z, float y) {
        return Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
    }
}
