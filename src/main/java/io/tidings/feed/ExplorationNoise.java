package io.tidings.feed;

import java.util.SplittableRandom;

/**
 * The exploration noise of the candidate sets: Gaussian, of standard deviation {@code noise}, drawn once per
 * (reader, post, noise seed), and wider for channels the reader rated little: for a channel rated {@code n} times
 * the deviation is {@code noise · (1 + boost / √(1 + n))}. Drawn from a fixed table of {@link #SIZE} standard
 * normal values at {@code (readerShift + postShift) mod SIZE}, each shift a hash of the id and the seed: for one
 * reader the posts' draws are spread over the whole table, two readers see the table shifted against each other.
 * Because the reader enters only as a shift, the largest draw over a channel's posts is known for every shift
 * ({@link #channelMaxima}, {@code SIZE} bytes a channel): pruning adds the exact largest noise of that reader
 * over that channel's posts to the channel's score bound, not the largest noise there could be ({@link #MAX}).
 */
final class ExplorationNoise {
    /** Table size: the number of distinct reader shifts. */
    static final int SIZE = 1024;
    private static final int MASK = SIZE - 1;
    /** Standard normal draws, indexed by the two shifts: deterministic noise at the cost of a table lookup. */
    private static final float[] GAUSSIAN = gaussians(SIZE, 0x7d1e5L);
    /** The largest draw of the table: no noise is ever above {@code sigma · MAX}. */
    static final float MAX = max(GAUSSIAN);
    /** One step of the byte form of {@link #channelMaxima}: a stored {@code q} stands for {@code q · STEP}. */
    static final float STEP = MAX / 120f;
    /** 1 / √(1 + n) for a channel rated n times (the last entry stands for more). */
    private static final float[] UNRATED = new float[64];

    static {
        for (int n = 0; n < UNRATED.length; n++) UNRATED[n] = (float) (1 / Math.sqrt(1 + n));
    }

    final float noise;
    final float boost;

    ExplorationNoise(double noise, double boost) {
        if (!(noise >= 0) || noise > 1) throw new IllegalArgumentException("noise must be in 0..1: " + noise);
        if (!(boost >= 0) || boost > 100) throw new IllegalArgumentException("exploration boost must be in 0..100: " + boost);
        this.noise = (float) noise;
        this.boost = (float) boost;
    }

    /** The deviation for a channel the reader rated {@code votes} times ({@code -1}: never). */
    float sigma(int votes) {
        if (boost == 0 || noise == 0) return noise;
        return noise * (1 + boost * UNRATED[Math.max(0, Math.min(votes, UNRATED.length - 1))]);
    }

    /** The widest deviation (a channel never rated): an upper bound for every pair. */
    float widest() {
        return sigma(-1);
    }

    /** The noise of (reader, post) under one seed: {@code sigma} times a standard normal draw. */
    static float draw(float sigma, long reader, long post, long seed) {
        if (sigma == 0) return 0;
        return sigma * GAUSSIAN[(readerShift(reader, seed) + postShift(post, seed)) & MASK];
    }

    /** The standard draw at the sum of a reader's and a post's shift. */
    static float unit(int readerShift, int postShift) {
        return GAUSSIAN[(readerShift + postShift) & MASK];
    }

    static int readerShift(long reader, long seed) {
        return (int) (mix(reader * 0x9E3779B97F4A7C15L + seed * 0x165667B19E3779F9L) & MASK);
    }

    static int postShift(long post, long seed) {
        return (int) (mix(post * 0xC2B2AE3D27D4EB4FL + seed * 0x27D4EB2F165667C5L + 0x5851F42D4C957F2DL) & MASK);
    }

    private static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return h;
    }

    /**
     * For each channel {@code c} (its posts' shifts {@code shifts[start[c] .. start[c + 1])}) and each reader shift
     * {@code s}, an upper bound of the largest standard draw of those posts for a reader of shift {@code s}, in
     * steps of {@link #STEP} rounded up: {@code out[c · SIZE + s]}. {@link #bound} turns it back into a float.
     */
    static byte[] channelMaxima(int[] shifts, int[] start, int channels) {
        byte[] out = new byte[channels * SIZE];
        float[] m = new float[SIZE];
        for (int c = 0; c < channels; c++) {
            java.util.Arrays.fill(m, Float.NEGATIVE_INFINITY);
            for (int p = start[c]; p < start[c + 1]; p++) {
                int t = shifts[p];
                // m[s] = max(m[s], G[(s + t) mod SIZE]): two straight runs
                for (int s = 0; s < SIZE - t; s++) m[s] = Math.max(m[s], GAUSSIAN[s + t]);
                for (int s = SIZE - t; s < SIZE; s++) m[s] = Math.max(m[s], GAUSSIAN[s + t - SIZE]);
            }
            for (int s = 0; s < SIZE; s++) {
                float q = (float) Math.ceil(m[s] / STEP) + 1; // one step of slack for the float rounding
                out[c * SIZE + s] = (byte) Math.max(-127, Math.min(127, q));
            }
        }
        return out;
    }

    /** The float an entry of {@link #channelMaxima} stands for: never below the largest draw it bounds. */
    static float bound(byte q) {
        return q * STEP;
    }

    private static float[] gaussians(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            double u = 1.0 - r.nextDouble();
            out[i] = (float) (Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble()));
        }
        return out;
    }

    private static float max(float[] a) {
        float m = 0;
        for (float v : a) m = Math.max(m, v);
        return m;
    }
}
