package io.tidings.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * The fast path of DESIGN.md §3 in plain Java. W1 is split as [Wu | Wc | Wp]; {@code hu = Wu·u} is computed
 * once per reader and model version ({@link ReaderMatrix}), {@code hp = Wc·c + Wp·p + b1} once per post
 * ({@link #postHidden}); a pair then costs {@code sigmoid(relu(hu + hp)·w2 + b2)}, about 3·hidden flops.
 *
 * <p>Readers are stored in tiles of {@link #TILE} readers, hidden-unit-major inside a tile
 * ({@code [tile][h][i]}), so the innermost loop runs over readers: an element-wise loop without a
 * reduction that C2 auto-vectorizes, over a tile that stays in L1 while every post of the batch passes
 * over it. Results equal {@link Network#pair} up to float rounding (same summation order; Java does not
 * fuse multiply-adds; halving w2 is exact unless a weight is subnormal). Immutable after construction; any number of threads may score.
 */
public final class FastScorer {
    /** Readers per tile: 64 × hidden 70 × 4 bytes = 18 KB, inside L1 with the accumulators. */
    public static final int TILE = 64;
    /** Posts scored together in one pass over a tile. */
    static final int POST_BLOCK = 4;

    private final Network net;
    private final TrainedModel model;

    private final float[] halfW2;

    public FastScorer(TrainedModel model) {
        this.model = Objects.requireNonNull(model, "model");
        this.net = model.network();
        this.halfW2 = new float[net.hidden];
        for (int k = 0; k < net.hidden; k++) {
            halfW2[k] = net.w2[k] * 0.5f;
        }
    }

    public int hidden() {
        return net.hidden;
    }

    /** {@code hp} of one post: its channel's and its own row (priors when unknown) through Wc, Wp, plus b1. */
    public float[] postHidden(long channel, long post) {
        float[] hp = new float[net.hidden];
        net.itemPart(model.channelVector(channel), 0, model.postVector(post), 0, hp, 0);
        return hp;
    }

    /** {@code hp} rows of many posts, row-major {@code [n][hidden]}. */
    public float[] postHidden(long[] channels, long[] posts) {
        if (channels.length != posts.length) {
            throw new IllegalArgumentException("channels and posts differ in length");
        }
        int h = net.hidden;
        float[] out = new float[posts.length * h];
        float[] c = new float[net.channelDim];
        float[] p = new float[net.postDim];
        for (int i = 0; i < posts.length; i++) {
            model.channels().copyInto(channels[i], c, 0);
            model.posts().copyInto(posts[i], p, 0);
            net.itemPart(c, 0, p, 0, out, i * h);
        }
        return out;
    }

    /** {@code hu = Wu·u} of one reader (the prior row when unknown). */
    public float[] readerHidden(long reader) {
        float[] hu = new float[net.hidden];
        net.readerPart(model.readerVector(reader), 0, hu, 0);
        return hu;
    }

    /** The reader matrix of {@code readers}, in this order. */
    public ReaderMatrix readers(long[] readers) {
        ReaderMatrix m = new ReaderMatrix(readers.length, net.hidden);
        float[] u = new float[net.readerDim];
        float[] hu = new float[net.hidden];
        for (int r = 0; r < readers.length; r++) {
            model.readers().copyInto(readers[r], u, 0);
            net.readerPart(u, 0, hu, 0);
            m.set(r, hu);
        }
        return m;
    }

    /**
     * Scores every post ({@code hp} row-major {@code [posts][hidden]}) against every reader of {@code m}
     * into {@code out[post * m.readers() + reader]}.
     */
    public void score(ReaderMatrix m, float[] hp, int posts, float[] out) {
        check(m, hp, posts, out);
        scoreTiles(m, hp, posts, out, 0, m.tiles());
    }

    /**
     * Like {@link #score} with the tiles split across {@code threads} tasks of {@code pool}; blocks until
     * done. Use a pool with as many threads as cores; call off event loops.
     */
    public void score(ReaderMatrix m, float[] hp, int posts, float[] out, ExecutorService pool, int threads) {
        check(m, hp, posts, out);
        int tiles = m.tiles();
        int parts = Math.max(1, Math.min(threads, tiles));
        if (parts == 1) {
            scoreTiles(m, hp, posts, out, 0, tiles);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(parts);
        for (int t = 0; t < parts; t++) {
            int from = (int) ((long) tiles * t / parts);
            int to = (int) ((long) tiles * (t + 1) / parts);
            futures.add(pool.submit(() -> scoreTiles(m, hp, posts, out, from, to)));
        }
        try {
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while scoring", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("scoring failed", e.getCause());
        }
    }

    private void check(ReaderMatrix m, float[] hp, int posts, float[] out) {
        if (m.hidden() != net.hidden) {
            throw new IllegalArgumentException("reader matrix has hidden " + m.hidden() + ", model " + net.hidden);
        }
        if (posts < 0 || hp.length < posts * net.hidden || out.length < (long) posts * m.readers()) {
            throw new IllegalArgumentException("arrays too short for " + posts + " posts");
        }
    }

    private void scoreTiles(ReaderMatrix m, float[] hp, int posts, float[] out, int fromTile, int toTile) {
        int h = net.hidden;
        // relu(z)·w = (z + |z|)·(w/2), exactly: both factors are scaled by powers of two. The branch-free
        // form runs faster than Math.max or a conditional on this JDK (measured, see README).
        float[] w2 = halfW2;
        float b2 = net.b2[0];
        float[] hu = m.values;
        int readers = m.readers();
        float[] a0 = new float[TILE];
        float[] a1 = new float[TILE];
        float[] a2 = new float[TILE];
        float[] a3 = new float[TILE];
        for (int tile = fromTile; tile < toTile; tile++) {
            int base = tile * h * TILE;
            int r0 = tile * TILE;
            int n = Math.min(TILE, readers - r0);
            int p = 0;
            for (; p + POST_BLOCK <= posts; p += POST_BLOCK) {
                java.util.Arrays.fill(a0, b2);
                java.util.Arrays.fill(a1, b2);
                java.util.Arrays.fill(a2, b2);
                java.util.Arrays.fill(a3, b2);
                int q0 = p * h;
                int q1 = q0 + h;
                int q2 = q1 + h;
                int q3 = q2 + h;
                for (int k = 0; k < h; k++) {
                    float c0 = hp[q0 + k];
                    float c1 = hp[q1 + k];
                    float c2 = hp[q2 + k];
                    float c3 = hp[q3 + k];
                    float w = w2[k];
                    int row = base + k * TILE;
                    for (int i = 0; i < TILE; i++) {
                        float x = hu[row + i];
                        float z0 = x + c0;
                        a0[i] += (z0 + Math.abs(z0)) * w;
                        float z1 = x + c1;
                        a1[i] += (z1 + Math.abs(z1)) * w;
                        float z2 = x + c2;
                        a2[i] += (z2 + Math.abs(z2)) * w;
                        float z3 = x + c3;
                        a3[i] += (z3 + Math.abs(z3)) * w;
                    }
                }
                sigmoidInto(a0, out, (long) p * readers + r0, n);
                sigmoidInto(a1, out, (long) (p + 1) * readers + r0, n);
                sigmoidInto(a2, out, (long) (p + 2) * readers + r0, n);
                sigmoidInto(a3, out, (long) (p + 3) * readers + r0, n);
            }
            for (; p < posts; p++) {
                java.util.Arrays.fill(a0, b2);
                int q0 = p * h;
                for (int k = 0; k < h; k++) {
                    float c0 = hp[q0 + k];
                    float w = w2[k];
                    int row = base + k * TILE;
                    for (int i = 0; i < TILE; i++) {
                        float z = hu[row + i] + c0;
                        a0[i] += (z + Math.abs(z)) * w;
                    }
                }
                sigmoidInto(a0, out, (long) p * readers + r0, n);
            }
        }
    }

    private static void sigmoidInto(float[] logits, float[] out, long off, int n) {
        int o = (int) off;
        for (int i = 0; i < n; i++) {
            out[o + i] = Network.sigmoid(logits[i]);
        }
    }

    /**
     * Precomputed {@code hu} rows of a list of readers, in tiles of {@link #TILE} (the last tile is padded
     * with zeros). One contiguous array: 1 M readers × hidden 70 take 280 MB.
     */
    public static final class ReaderMatrix {
        private final int readers;
        private final int hidden;
        final float[] values;

        public ReaderMatrix(int readers, int hidden) {
            if (readers < 0 || hidden <= 0) {
                throw new IllegalArgumentException("bad shape");
            }
            long size = (long) ((readers + TILE - 1) / TILE) * TILE * hidden;
            if (size > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("reader matrix too large: " + readers + " × " + hidden);
            }
            this.readers = readers;
            this.hidden = hidden;
            this.values = new float[(int) size];
        }

        public int readers() {
            return readers;
        }

        public int hidden() {
            return hidden;
        }

        int tiles() {
            return (readers + TILE - 1) / TILE;
        }

        /** Sets reader {@code r}'s row to {@code hu[0 .. hidden)}. */
        public void set(int r, float[] hu) {
            int base = (r / TILE) * hidden * TILE + r % TILE;
            for (int k = 0; k < hidden; k++) {
                values[base + k * TILE] = hu[k];
            }
        }

        /** Reader {@code r}'s row (a copy). */
        public float[] get(int r) {
            float[] hu = new float[hidden];
            int base = (r / TILE) * hidden * TILE + r % TILE;
            for (int k = 0; k < hidden; k++) {
                hu[k] = values[base + k * TILE];
            }
            return hu;
        }
    }
}
