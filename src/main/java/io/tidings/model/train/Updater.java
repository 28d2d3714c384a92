package io.tidings.model.train;

import io.tidings.model.ModelConfig;
/**
 * One parameter update rule (Adam or plain SGD) with L2, applied to slices of float arrays. Holds the
 * step counter for Adam's bias correction; moment arrays belong to the caller.
 */
final class Updater {
    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPS = 1e-8f;

    private final boolean adam;
    private final float lr;
    private final float l2;
    private int step;
    private float corr1;
    private float corr2;

    Updater(ModelConfig config) {
        this(config, 1f);
    }

    /** An updater whose learning rate is {@code scale} times the configured one (for embedding rows). */
    Updater(ModelConfig config, float scale) {
        this.adam = config.optimizer() == ModelConfig.Optimizer.ADAM;
        this.lr = config.learningRate() * scale;
        this.l2 = config.l2();
    }

    boolean adam() {
        return adam;
    }

    /** Starts a new optimisation step (one mini-batch). */
    void nextStep() {
        step++;
        corr1 = (float) (1 - Math.pow(BETA1, step));
        corr2 = (float) (1 - Math.pow(BETA2, step));
    }

    /**
     * Updates {@code w[wOff .. wOff+n)} from gradient sums {@code g[gOff ..]} scaled by {@code scale}
     * (1 / batch size); {@code m, v} are Adam moments at {@code mOff} (ignored for SGD, may be null).
     */
    void apply(float[] w, int wOff, float[] g, int gOff, float scale, float[] m, float[] v, int mOff, int n) {
        if (!adam) {
            for (int i = 0; i < n; i++) {
                float grad = g[gOff + i] * scale + l2 * w[wOff + i];
                w[wOff + i] -= lr * grad;
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            float grad = g[gOff + i] * scale + l2 * w[wOff + i];
            float mi = BETA1 * m[mOff + i] + (1 - BETA1) * grad;
            float vi = BETA2 * v[mOff + i] + (1 - BETA2) * grad * grad;
            m[mOff + i] = mi;
            v[mOff + i] = vi;
            w[wOff + i] -= lr * (mi / corr1) / ((float) Math.sqrt(vi / corr2) + EPS);
        }
    }
}
