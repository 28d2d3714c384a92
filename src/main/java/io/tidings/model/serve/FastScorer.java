package io.tidings.model.serve;

import io.tidings.model.Network;
import io.tidings.model.TrainedModel;
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
 * ({@code [tile][h][i]}), so lanes of the inner loop are readers: no horizontal sums, and a tile (18 KB)
 * stays in L1 while every post of a call passes over it, so the matrix is streamed from memory once per
 * call. The kernel is {@link VectorKernel} ({@code jdk.incubator.vector}) when the module is present, else
 * {@link ScalarKernel}. Results equal {@link Network#pair} up to float rounding (same summation order).
 * Immutable after construction; any number of threads may score.
 */
public final class FastScorer {
    /** Readers per tile: 64 × hidden 70 × 4 bytes = 18 KB, inside L1 with the accumulators. */
    public static final int TILE = 64;
    /** Tiles per kernel call: 8 × 18 KB stay in L2 while the sigmoid pass follows the logits. */
    static final int RUN = 8;

    private final Network net;
    private final TrainedModel model;
    private final ScoreKernel kernel;

    public FastScorer(TrainedModel model) {
        this(model, true);
    }

    /** With {@code vector} false the scalar kernel is used even when the Vector API is present. */
    FastScorer(TrainedModel model, boolean vector) {
        this.model = Objects.requireNonNull(model, "model");
        this.net = model.network();
        this.kernel = vector ? ScoreKernel.best(net) : ScoreKernel.scalar(net);
    }

    public int hidden() {
        return net.hidden;
    }

    /** The kernel in use, for logs: {@code "vector 512-bit"}, {@code "scalar"}. */
    public String kernel() {
        return kernel.name();
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
        scoreRange(m, hp, 0, posts, out, 0, m.tiles());
    }

    /**
     * Scores posts {@code [p0, p1)} of {@code hp} (row-major {@code [posts][hidden]}) against every reader of
     * {@code m} into {@code out[post * m.readers() + reader]}, at their own places: no copy of a slice of rows.
     */
    public void score(ReaderMatrix m, float[] hp, int p0, int p1, float[] out) {
        check(m, hp, p1, out);
        if (p0 < 0 || p0 > p1) throw new IllegalArgumentException("bad post range " + p0 + ".." + p1);
        scoreRange(m, hp, p0, p1, out, 0, m.tiles());
    }

    /**
     * Like {@link #score(ReaderMatrix, float[], int, float[])} when only the first {@code wanted} readers of {@code m}
     * are needed: their scores are the same; past them {@code out} holds whatever the kernel left (a tile of which
     * only a few readers are wanted is computed in part, so small gathers of readers cost less than a whole tile).
     */
    public void score(ReaderMatrix m, float[] hp, int posts, float[] out, int wanted) {
        check(m, hp, posts, out);
        if (wanted < 0 || wanted > m.readers()) throw new IllegalArgumentException("bad reader count " + wanted);
        int h = net.hidden;
        int readers = m.readers();
        int full = wanted / TILE;
        if (full > 0) scoreRange(m, hp, 0, posts, out, 0, full);
        int rest = wanted - full * TILE;
        if (rest == 0) return;
        int r0 = full * TILE;
        if (r0 + TILE > readers) {
            // the padded last tile of a matrix of another size: as score does
            scoreRange(m, hp, 0, posts, out, full, m.tiles());
            return;
        }
        kernel.logitsPart(m.values, full * h * TILE, rest, hp, 0, posts, out, r0, readers);
        int width = kernel.width(rest);
        for (int p = 0; p < posts; p++) kernel.sigmoid(out, p * readers + r0, width);
    }

    /** The reader lanes {@link #score(ReaderMatrix, float[], int, float[], int)} computes for {@code wanted} readers. */
    public int lanes(int wanted) {
        int rest = wanted % TILE;
        return wanted - rest + (rest == 0 ? 0 : kernel.width(rest));
    }

    /**
     * Like {@link #score} with the work split into {@code threads} parts, one run on the calling thread and
     * the others on {@code pool}: by reader tiles, or by posts when there are too few tiles. Blocks until
     * done. Use a pool with as many threads as cores; call off event loops.
     */
    public void score(ReaderMatrix m, float[] hp, int posts, float[] out, ExecutorService pool, int threads) {
        check(m, hp, posts, out);
        int tiles = m.tiles();
        boolean byPosts = tiles < 2L * threads && posts >= threads;
        int units = byPosts ? posts : tiles;
        int parts = Math.max(1, Math.min(threads, units));
        if (parts == 1) {
            scoreRange(m, hp, 0, posts, out, 0, tiles);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(parts - 1);
        try {
            for (int t = parts - 1; t >= 0; t--) {
                int from = (int) ((long) units * t / parts);
                int to = (int) ((long) units * (t + 1) / parts);
                Runnable part = byPosts ? () -> scoreRange(m, hp, from, to, out, 0, tiles)
                        : () -> scoreRange(m, hp, 0, posts, out, from, to);
                if (t == 0) {
                    part.run();
                } else {
                    futures.add(pool.submit(part));
                }
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while scoring", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("scoring failed", e.getCause());
        } finally {
            futures.forEach(f -> f.cancel(false));
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

    /** Posts {@code [p0, p1)} against tiles {@code [fromTile, toTile)}, in runs of {@link #RUN} tiles. */
    private void scoreRange(ReaderMatrix m, float[] hp, int p0, int p1, float[] out, int fromTile, int toTile) {
        int h = net.hidden;
        int readers = m.readers();
        float[] hu = m.values;
        int full = Math.min(toTile, readers / TILE);
        for (int tile = fromTile; tile < full; tile += RUN) {
            int tiles = Math.min(RUN, full - tile);
            int r0 = tile * TILE;
            kernel.logits(hu, tile * h * TILE, tiles, hp, p0, p1, out, p0 * readers + r0, readers);
            for (int p = p0; p < p1; p++) {
                kernel.sigmoid(out, p * readers + r0, tiles * TILE);
            }
        }
        if (full < toTile) {
            // the padded last tile: logits of all TILE lanes into scratch, then the real readers out
            int r0 = full * TILE;
            int n = readers - r0;
            float[] partial = new float[(p1 - p0) * TILE];
            kernel.logits(hu, full * h * TILE, 1, hp, p0, p1, partial, 0, TILE);
            for (int p = p0; p < p1; p++) {
                int s = (p - p0) * TILE;
                kernel.sigmoid(partial, s, n);
                System.arraycopy(partial, s, out, p * readers + r0, n);
            }
        }
    }

    /**
     * Precomputed {@code hu} rows of a list of readers, in tiles of {@link #TILE} (the last tile is padded
     * with zeros). One contiguous array: 1 M readers × hidden 70 take 280 MB.
     */
    public static final class ReaderMatrix {
        private final int readers;
        private final int hidden;
        public final float[] values;

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
