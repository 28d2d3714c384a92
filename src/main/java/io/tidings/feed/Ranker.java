package io.tidings.feed;

import java.util.Set;
import java.util.SplittableRandom;

/**
 * Picks a reader's best unseen posts from a pool snapshot: model score plus a little Gaussian noise,
 * so a reader does not only ever see one channel and the model keeps learning about the others.
 */
public final class Ranker {

    private final CandidateScorer scorer;
    private final double noise;
    private final SplittableRandom seeds;

    public Ranker(CandidateScorer scorer, double noise, long seed) {
        this.scorer = scorer;
        this.noise = noise;
        this.seeds = new SplittableRandom(seed);
    }

    /** A ranked candidate. */
    public record Pick(long postId, float score) {}

    /** Up to {@code k} unseen posts, best first. */
    public Pick[] best(long reader, FreshPool.Snapshot pool, Set<Long> seen, int k) {
        if (pool.size() == 0 || k <= 0) return new Pick[0];
        float[] scores = scorer.score(reader, pool.channelIds(), pool.postIds());
        SplittableRandom rnd;
        synchronized (seeds) {
            rnd = seeds.split();
        }
        int n = pool.size();
        int[] order = new int[n];
        double[] key = new double[n];
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (seen.contains(pool.postIds()[i])) continue;
            key[i] = scores[i] + noise * gaussian(rnd);
            order[m++] = i;
        }
        int take = Math.min(k, m);
        Pick[] out = new Pick[take];
        // partial selection: k is tiny next to the pool
        for (int j = 0; j < take; j++) {
            int best = j;
            for (int i = j + 1; i < m; i++) {
                if (key[order[i]] > key[order[best]]) best = i;
            }
            int t = order[j];
            order[j] = order[best];
            order[best] = t;
            out[j] = new Pick(pool.postIds()[order[j]], scores[order[j]]);
        }
        return out;
    }

    private static double gaussian(SplittableRandom r) {
        double u = 1.0 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    @Override
    public String toString() {
        return "Ranker[noise=" + noise + "]";
    }
}
