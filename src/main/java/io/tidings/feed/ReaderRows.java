package io.tidings.feed;

import io.tidings.model.serve.FastScorer;

/**
 * Readers' {@code hu} rows (the reader half of the first layer, DESIGN.md §3) in int8 with one scale per row:
 * {@code hidden + 4} bytes a reader instead of {@code 4 · hidden}. Stored in {@link FastScorer#TILE}-reader tiles,
 * hidden-unit-major like {@link FastScorer.ReaderMatrix}, so a run of readers is turned back into floats tile by
 * tile just before the fast kernel reads it, and one post against a million readers reads 74 MB, not 280 MB.
 * The error of a score is bounded by {@code Σ|w2| · scale / 2 / 4} (sigmoid's slope is at most 1/4); in practice
 * it is a small fraction of the exploration noise ({@code CandidateIndexTest} measures both). Not thread-safe.
 */
final class ReaderRows {
    private static final int TILE = FastScorer.TILE;

    final int hidden;
    final byte[] q;
    final float[] scale;

    ReaderRows(int readers, int hidden) {
        if (readers % TILE != 0) throw new IllegalArgumentException("readers must be whole tiles: " + readers);
        this.hidden = hidden;
        this.q = new byte[readers * hidden];
        this.scale = new float[readers];
    }

    private int base(int r) {
        return (r / TILE) * hidden * TILE + r % TILE;
    }

    /** Sets row {@code r} to {@code hu}, rounded to the nearest of 255 steps of its largest magnitude. */
    void set(int r, float[] hu) {
        float max = 0;
        for (int j = 0; j < hidden; j++) max = Math.max(max, Math.abs(hu[j]));
        float s = max / 127f;
        float inv = s == 0 ? 0 : 1 / s;
        int b = base(r);
        for (int j = 0; j < hidden; j++) q[b + j * TILE] = (byte) Math.round(hu[j] * inv);
        scale[r] = s;
    }

    /** Row {@code r} as floats. */
    float[] get(int r) {
        float[] hu = new float[hidden];
        int b = base(r);
        for (int j = 0; j < hidden; j++) hu[j] = q[b + j * TILE] * scale[r];
        return hu;
    }

    /** Whether row {@code r} of this equals row {@code o} of {@code other} bit for bit. */
    boolean sameRow(int r, ReaderRows other, int o) {
        if (other.hidden != hidden || Float.floatToIntBits(scale[r]) != Float.floatToIntBits(other.scale[o])) return false;
        int b = base(r);
        int c = other.base(o);
        for (int j = 0; j < hidden; j++) if (q[b + j * TILE] != other.q[c + j * TILE]) return false;
        return true;
    }

    /** Copies row {@code from} of {@code src} into row {@code to}. */
    void copy(ReaderRows src, int from, int to) {
        int b = base(to);
        int c = src.base(from);
        for (int j = 0; j < hidden; j++) q[b + j * TILE] = src.q[c + j * TILE];
        scale[to] = src.scale[from];
    }

    /** Writes rows {@code [from, from + n)} ({@code from} a multiple of the tile) as floats into {@code m}'s first rows. */
    void dequantize(int from, int n, FastScorer.ReaderMatrix m) {
        float[] v = m.values;
        int tiles = (n + TILE - 1) / TILE;
        for (int t = 0; t < tiles; t++) {
            int src = (from / TILE + t) * hidden * TILE;
            int dst = t * hidden * TILE;
            int r0 = from + t * TILE;
            for (int j = 0; j < hidden; j++) DEQUANTIZER.tileRow(q, src + j * TILE, scale, r0, v, dst + j * TILE);
        }
    }

    private static final Dequantizer DEQUANTIZER = Dequantizer.best();

    /** One tile-row of 64 values, {@code v[d + i] = q[a + i] · scale[r0 + i]}: plain Java, or the Vector API when present. */
    static class Dequantizer {
        void tileRow(byte[] q, int a, float[] scale, int r0, float[] v, int d) {
            for (int i = 0; i < TILE; i++) v[d + i] = q[a + i] * scale[r0 + i];
        }

        boolean usable() {
            return true;
        }

        static Dequantizer best() {
            if (!Boolean.parseBoolean(System.getProperty("tidings.vector", "true"))
                    || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
                return new Dequantizer();
            }
            try {
                // by name, so that this class links without the incubator module
                Dequantizer d = (Dequantizer) Class.forName("io.tidings.feed.VectorDequantizer").getDeclaredConstructor().newInstance();
                return d.usable() ? d : new Dequantizer();
            } catch (ReflectiveOperationException | LinkageError e) {
                return new Dequantizer();
            }
        }
    }
}
