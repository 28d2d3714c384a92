package io.tidings.feed;

import java.util.SplittableRandom;

/**
 * The exploration noise of the candidate sets: Gaussian, of standard deviation {@code noise}, drawn once per
 * (reader, post, noise seed) from a hash, and wider for channels the reader rated little: for a channel rated
 * {@code n} times the deviation is {@code noise · (1 + boost / √(1 + n))}. Drawn from a fixed table, so the
 * largest draw is known exactly ({@link #MAX}): pruning adds {@code sigma · MAX} to a bound and stays exact.
 */
final class ExplorationNoise {
    /** Standard normal draws, indexed by a hash: deterministic noise at the cost of a table lookup. */
    private static final float[] GAUSSIAN = gaussians(4096, 0x7d1e5L);
    /** The largest draw of the table: no noise is ever above {@code sigma · MAX}. */
    static final float MAX = max(GAUSSIAN);
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
        long h = reader * 0x9E3779B97F4A7C15L + post * 0xC2B2AE3D27D4EB4FL + seed * 0x165667B19E3779F9L;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        return sigma * GAUSSIAN[(int) (h & (GAUSSIAN.length - 1))];
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
