package io.tidings.model.serve;

import io.tidings.model.Network;
import java.util.Arrays;

/**
 * The plain-Java kernel, for JVMs without {@code jdk.incubator.vector}: four posts per pass over a tile, the
 * innermost loop over the tile's readers. C2 on JDK 17 does not vectorize it (measured, see README).
 */
final class ScalarKernel extends ScoreKernel {
    private static final int TILE = FastScorer.TILE;
    private final float[] halfW2;

    ScalarKernel(Network net) {
        super(net);
        halfW2 = new float[hidden];
        for (int k = 0; k < hidden; k++) {
            halfW2[k] = w2[k] * 0.5f;
        }
    }

    @Override
    String name() {
        return "scalar";
    }

    @Override
    void logits(float[] hu, int base, int tiles, float[] hp, int p0, int p1, float[] out, int off, int stride) {
        for (int t = 0; t < tiles; t++) {
            tile(hu, base + t * hidden * TILE, hp, p0, p1, out, off + t * TILE, stride);
        }
    }

    private void tile(float[] hu, int base, float[] hp, int p0, int p1, float[] out, int off, int stride) {
        // relu(z)·w = (z + |z|)·(w/2), exactly: both factors are scaled by powers of two (branch-free)
        int h = hidden;
        float[] w = halfW2;
        int p = p0;
        for (; p + 4 <= p1; p += 4) {
            int o0 = off + (p - p0) * stride;
            int o1 = o0 + stride;
            int o2 = o1 + stride;
            int o3 = o2 + stride;
            Arrays.fill(out, o0, o0 + TILE, b2);
            Arrays.fill(out, o1, o1 + TILE, b2);
            Arrays.fill(out, o2, o2 + TILE, b2);
            Arrays.fill(out, o3, o3 + TILE, b2);
            int q0 = p * h;
            for (int k = 0; k < h; k++) {
                float c0 = hp[q0 + k];
                float c1 = hp[q0 + h + k];
                float c2 = hp[q0 + 2 * h + k];
                float c3 = hp[q0 + 3 * h + k];
                float wk = w[k];
                int row = base + k * TILE;
                for (int i = 0; i < TILE; i++) {
                    float x = hu[row + i];
                    float z0 = x + c0;
                    out[o0 + i] += (z0 + Math.abs(z0)) * wk;
                    float z1 = x + c1;
                    out[o1 + i] += (z1 + Math.abs(z1)) * wk;
                    float z2 = x + c2;
                    out[o2 + i] += (z2 + Math.abs(z2)) * wk;
                    float z3 = x + c3;
                    out[o3 + i] += (z3 + Math.abs(z3)) * wk;
                }
            }
        }
        for (; p < p1; p++) {
            int o0 = off + (p - p0) * stride;
            Arrays.fill(out, o0, o0 + TILE, b2);
            int q0 = p * h;
            for (int k = 0; k < h; k++) {
                float c0 = hp[q0 + k];
                float wk = w[k];
                int row = base + k * TILE;
                for (int i = 0; i < TILE; i++) {
                    float z = hu[row + i] + c0;
                    out[o0 + i] += (z + Math.abs(z)) * wk;
                }
            }
        }
    }

    @Override
    void sigmoid(float[] a, int from, int n) {
        for (int i = from; i < from + n; i++) {
            a[i] = Network.sigmoid(a[i]);
        }
    }
}
