package io.tidings.model.serve;

import io.tidings.model.Network;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The {@code jdk.incubator.vector} kernel: lanes are readers of a tile, so a pair needs no horizontal sum.
 * Loaded by name from {@link ScoreKernel#best} only when the module is present. Each method stays small and
 * straight-line: the Vector API is fast only when C2 inlines every call and keeps the vectors in registers.
 */
final class VectorKernel extends ScoreKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int TILE = FastScorer.TILE;

    VectorKernel(Network net) {
        super(net);
    }

    @Override
    boolean usable() {
        // narrower species gain little over the scalar loop; the loops below step by 2L and 4L
        return L >= 4 && TILE % (4 * L) == 0;
    }

    @Override
    String name() {
        return "vector " + S.vectorBitSize() + "-bit";
    }

    @Override
    void logits(float[] hu, int base, int tiles, float[] hp, int p0, int p1, float[] out, int off, int stride) {
        int h = hidden;
        int tileSize = h * TILE;
        int p4 = p0 + (p1 - p0) / 4 * 4;
        // blocks of four posts tile by tile (the tile stays in L1 across the blocks)...
        for (int t = 0; t < tiles; t++) {
            for (int p = p0; p < p4; p += 4) {
                fourPosts(hu, base + t * tileSize, hp, p * h, p * h + h, p * h + 2 * h, p * h + 3 * h, out,
                        off + (p - p0) * stride + t * TILE, stride, 4, TILE);
            }
        }
        if (p1 - p4 >= 2) {
            // two or three left: one more block of four, the last post repeated, only the real ones stored (on few
            // tiles this beats one post at a time, which computes an odd chunk twice)
            int last = (p1 - 1) * h;
            for (int t = 0; t < tiles; t++) {
                fourPosts(hu, base + t * tileSize, hp, p4 * h, p4 * h + h, Math.min(p4 * h + 2 * h, last), last, out,
                        off + (p4 - p0) * stride + t * TILE, stride, p1 - p4, TILE);
            }
            p4 = p1;
        }
        // ...then the remaining posts one by one, over chunks of 4L readers taken two at a time
        int chunks = tiles * (TILE / (4 * L));
        for (int p = p4; p < p1; p++) {
            int o = off + (p - p0) * stride;
            int c = 0;
            for (; c + 2 <= chunks; c += 2) {
                onePost(hu, chunkBase(base, c), chunkBase(base, c + 1), hp, p * h, out, o + c * 4 * L,
                        o + (c + 1) * 4 * L);
            }
            if (c < chunks) {
                // an odd chunk: computed twice over the same inputs, stored twice to the same place
                onePost(hu, chunkBase(base, c), chunkBase(base, c), hp, p * h, out, o + c * 4 * L, o + c * 4 * L);
            }
        }
    }

    @Override
    void logitsPart(float[] hu, int base, int lanes, float[] hp, int p0, int p1, float[] out, int off, int stride) {
        int width = width(lanes);
        if (width == TILE) {
            logits(hu, base, 1, hp, p0, p1, out, off, stride);
            return;
        }
        // the first lanes of the tile only: blocks of four posts, a last block of one to three with its last post repeated
        int h = hidden;
        for (int p = p0; p < p1; p += 4) {
            int left = Math.min(4, p1 - p);
            int last = (p + left - 1) * h;
            fourPosts(hu, base, hp, p * h, Math.min(p * h + h, last), Math.min(p * h + 2 * h, last), last, out,
                    off + (p - p0) * stride, stride, left, width);
        }
    }

    @Override
    int width(int lanes) {
        // steps of two vectors: what fourPosts takes at a time
        int step = 2 * L;
        return Math.min(TILE, Math.max(step, (lanes + step - 1) / step * step));
    }

    /** Where chunk {@code c} (readers {@code c·4L ..}) of a run of tiles starting at {@code base} starts. */
    private int chunkBase(int base, int c) {
        int r = c * 4 * L;
        return base + (r / TILE) * hidden * TILE + r % TILE;
    }

    /** Four posts, two vectors of readers at a time: eight independent accumulators, each hu load used four times. */
    private void fourPosts(float[] hu, int base, float[] hp, int q, int q1, int q2, int q3, float[] out, int off, int stride,
                           int stores, int width) {
        int h = hidden;
        for (int g = 0; g < width; g += 2 * L) {
            FloatVector a0 = FloatVector.broadcast(S, b2);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            FloatVector b0 = a0;
            FloatVector b1 = a0;
            FloatVector b2v = a0;
            FloatVector b3 = a0;
            for (int k = 0; k < h; k++) {
                int row = base + k * TILE + g;
                FloatVector x = FloatVector.fromArray(S, hu, row);
                FloatVector y = FloatVector.fromArray(S, hu, row + L);
                FloatVector w = FloatVector.broadcast(S, w2[k]);
                float c0 = hp[q + k];
                float c1 = hp[q1 + k];
                float c2 = hp[q2 + k];
                float c3 = hp[q3 + k];
                a0 = x.add(c0).max(0f).fma(w, a0);
                a1 = x.add(c1).max(0f).fma(w, a1);
                a2 = x.add(c2).max(0f).fma(w, a2);
                a3 = x.add(c3).max(0f).fma(w, a3);
                b0 = y.add(c0).max(0f).fma(w, b0);
                b1 = y.add(c1).max(0f).fma(w, b1);
                b2v = y.add(c2).max(0f).fma(w, b2v);
                b3 = y.add(c3).max(0f).fma(w, b3);
            }
            int o = off + g;
            a0.intoArray(out, o);
            b0.intoArray(out, o + L);
            if (stores < 2) continue;
            a1.intoArray(out, o + stride);
            b1.intoArray(out, o + L + stride);
            if (stores > 2) {
                a2.intoArray(out, o + 2 * stride);
                b2v.intoArray(out, o + L + 2 * stride);
            }
            if (stores > 3) {
                a3.intoArray(out, o + 3 * stride);
                b3.intoArray(out, o + L + 3 * stride);
            }
        }
    }

    /**
     * One post against two chunks of 4L readers (row starts {@code ra}, {@code rb}): eight independent
     * accumulators. With one chunk (four chains) the same loop ran 2.5× slower on the 1 M-reader bench.
     */
    private void onePost(float[] hu, int ra, int rb, float[] hp, int q, float[] out, int oa, int ob) {
        int h = hidden;
        FloatVector a0 = FloatVector.broadcast(S, b2);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector b2v = a0;
        FloatVector b3 = a0;
        for (int k = 0; k < h; k++) {
            int x = ra + k * TILE;
            int y = rb + k * TILE;
            FloatVector w = FloatVector.broadcast(S, w2[k]);
            FloatVector c = FloatVector.broadcast(S, hp[q + k]);
            a0 = FloatVector.fromArray(S, hu, x).add(c).max(0f).fma(w, a0);
            a1 = FloatVector.fromArray(S, hu, x + L).add(c).max(0f).fma(w, a1);
            a2 = FloatVector.fromArray(S, hu, x + 2 * L).add(c).max(0f).fma(w, a2);
            a3 = FloatVector.fromArray(S, hu, x + 3 * L).add(c).max(0f).fma(w, a3);
            b0 = FloatVector.fromArray(S, hu, y).add(c).max(0f).fma(w, b0);
            b1 = FloatVector.fromArray(S, hu, y + L).add(c).max(0f).fma(w, b1);
            b2v = FloatVector.fromArray(S, hu, y + 2 * L).add(c).max(0f).fma(w, b2v);
            b3 = FloatVector.fromArray(S, hu, y + 3 * L).add(c).max(0f).fma(w, b3);
        }
        a0.intoArray(out, oa);
        a1.intoArray(out, oa + L);
        a2.intoArray(out, oa + 2 * L);
        a3.intoArray(out, oa + 3 * L);
        b0.intoArray(out, ob);
        b1.intoArray(out, ob + L);
        b2v.intoArray(out, ob + 2 * L);
        b3.intoArray(out, ob + 3 * L);
    }

    @Override
    void sigmoid(float[] a, int from, int n) {
        int i = from;
        int end = from + n;
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (; i + L <= end; i += L) {
            FloatVector e = FloatVector.fromArray(S, a, i).neg().lanewise(VectorOperators.EXP);
            one.div(e.add(one)).intoArray(a, i);
        }
        for (; i < end; i++) {
            a[i] = Network.sigmoid(a[i]);
        }
    }
}
