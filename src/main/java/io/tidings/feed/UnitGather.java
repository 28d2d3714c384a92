package io.tidings.feed;

import io.tidings.model.serve.FastScorer;

/**
 * Some readers of a unit gathered into a small matrix of their own, to score only them: the unit's rows are copied
 * reader-major once ({@link #flatten}), so each gather reads a reader's row in one run. Two reused matrix pools: one
 * for a channel's readers, one for the readers of a group within it. Scratch of one thread.
 */
final class UnitGather {
    private static final int TILE = FastScorer.TILE;
    private final FastScorer.ReaderMatrix[] gathers = new FastScorer.ReaderMatrix[PoolRanking.UNIT / TILE];
    private final FastScorer.ReaderMatrix[] subGathers = new FastScorer.ReaderMatrix[PoolRanking.UNIT / TILE];
    /** The unit's rows reader by reader, {@code [reader][hidden]}. */
    private float[] flat = new float[0];
    private int hidden;

    /** The first {@code n} readers of {@code m} into the reader-major copy, the very same values. */
    void flatten(FastScorer.ReaderMatrix m, int n) {
        int h = m.hidden();
        hidden = h;
        if (flat.length < n * h) flat = new float[PoolRanking.UNIT * h];
        float[] from = m.values;
        float[] to = flat;
        for (int t = 0; t * TILE < n; t++) {
            int base = t * h * TILE;
            int r1 = Math.min(TILE, n - t * TILE);
            for (int x = 0; x < h; x++) {
                int a = base + x * TILE;
                for (int r = 0; r < r1; r++) to[(t * TILE + r) * h + x] = from[a + r];
            }
        }
    }

    /** Readers {@code pick[0 .. len)} of the last {@link #flatten} into a reused matrix ({@code sub}: the second pool). */
    FastScorer.ReaderMatrix gather(int[] pick, int len, boolean sub) {
        int h = hidden;
        FastScorer.ReaderMatrix[] pool = sub ? subGathers : gathers;
        int t = Math.max(1, (len + TILE - 1) / TILE) - 1;
        if (pool[t] == null || pool[t].hidden() != h) pool[t] = new FastScorer.ReaderMatrix((t + 1) * TILE, h);
        FastScorer.ReaderMatrix target = pool[t];
        float[] from = flat;
        float[] to = target.values;
        for (int j = 0; j < len; j++) {
            int a = pick[j] * h;
            int d = (j / TILE) * h * TILE + j % TILE;
            for (int x = 0; x < h; x++) to[d + x * TILE] = from[a + x];
        }
        return target;
    }
}
