package io.tidings.feed;

import io.tidings.model.Network;
import io.tidings.model.serve.FastScorer;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * Ranks a unit of up to {@link #UNIT} readers against a whole pool snapshot into top-k sets, skipping whole
 * channels that cannot enter: each channel's upper-bound row ({@link PostHidden}) is scored against every reader
 * first and the reader's exact largest noise over the channel's posts added ({@link ExplorationNoise#channelMaxima});
 * each reader's best channels by bound fill its set, then a channel is looked at only for the readers whose bound
 * beats their current k-th key, and of its posts only those whose score bound plus their own noise does are scored
 * ({@link PairLogits}, one pair at a time). Exact: what is skipped could never have entered, and the set's floor is
 * raised to the skipped bound. Scratch buffers are reused: one instance per thread.
 */
final class PoolRanking {
    static final int UNIT = 512;
    private static final int TILE = FastScorer.TILE;
    private static final int SEEDS = 4;

    final int k;
    final ExplorationNoise noise;
    final CandidateSets sets;
    ReaderRows rows;
    private final FastScorer.ReaderMatrix[] units = new FastScorer.ReaderMatrix[UNIT / TILE];
    private final FastScorer.ReaderMatrix[] gathers = new FastScorer.ReaderMatrix[UNIT / TILE];
    private float[] bounds = new float[0];
    private float[] out = new float[0];
    private final int[] seedChannel = new int[UNIT * SEEDS];
    private final float[] seedBound = new float[UNIT * SEEDS];
    private final int[] seeds = new int[UNIT];
    private final int[] shift = new int[UNIT];
    /** Pairs scored and pairs skipped by pruning, for the bench and tests. */
    long scored;
    long skipped;

    PoolRanking(int k, ExplorationNoise noise, int hidden) {
        this.k = k;
        this.noise = noise;
        this.sets = new CandidateSets(UNIT, k);
        this.rows = new ReaderRows(UNIT, hidden);
    }

    void ensureHidden(int hidden) {
        if (rows.hidden != hidden) {
            rows = new ReaderRows(UNIT, hidden);
            Arrays.fill(units, null);
            Arrays.fill(gathers, null);
        }
    }

    /** A matrix of {@code n} readers rounded up to whole tiles, from {@code pool} (reused). */
    FastScorer.ReaderMatrix matrix(boolean gather, int n) {
        FastScorer.ReaderMatrix[] pool = gather ? gathers : units;
        int t = Math.max(1, (n + TILE - 1) / TILE) - 1;
        if (pool[t] == null || pool[t].hidden() != rows.hidden) pool[t] = new FastScorer.ReaderMatrix((t + 1) * TILE, rows.hidden);
        return pool[t];
    }

    private float[] out2 = new float[0];

    float[] out2(int size) {
        if (out2.length < size) out2 = new float[size];
        return out2;
    }

    float[] out(int size) {
        if (out.length < size) out = new float[size];
        return out;
    }

    /**
     * Ranks readers {@code 0 .. n)} (their rows already in {@link #rows}) against {@code ph} into slots
     * {@code 0 .. n)} of {@link #sets}. {@code seen[i]} are posts never to offer reader i; {@code rated[i]} its votes
     * per channel (null: none). Without {@code prune} every pair is scored (the plain path, for tests).
     */
    void rank(Generation g, PostHidden ph, long[] ids, int n, Set<Long>[] seen, Map<Long, Integer>[] rated, boolean prune) {
        int h = rows.hidden;
        FastScorer.ReaderMatrix m = matrix(false, n);
        rows.dequantize(0, n, m);
        if (hu.length < n * h) hu = new float[UNIT * h];
        for (int i = 0; i < n; i++) {
            int base = (i / TILE) * h * TILE + i % TILE;
            for (int j = 0; j < h; j++) hu[i * h + j] = m.values[base + j * TILE];
        }
        for (int i = 0; i < n; i++) sets.reset(i, Float.NEGATIVE_INFINITY);
        if (ph.seed != g.seed) throw new IllegalStateException("post rows of another noise seed");
        for (int i = 0; i < n; i++) shift[i] = ExplorationNoise.readerShift(ids[i], g.seed);
        int cs = ph.channelCount();
        if (cs == 0) return;
        PairLogits pl = g.pairs;
        if (!prune) {
            for (int c = 0; c < cs; c++) for (int i = 0; i < n; i++) channel(pl, ph, c, i, Float.POSITIVE_INFINITY, ids, seen, rated);
            return;
        }
        // per (channel, reader): the score bound of the channel's posts, and with the reader's exact largest noise
        // over them (the summation order of PairLogits keeps the first exact; the slack is for the noise's rounding)
        if (raw.length < cs * n) {
            raw = new float[cs * UNIT];
            bounds = new float[cs * UNIT];
        }
        for (int c = 0; c < cs; c++) {
            long channel = ph.channels[c];
            int at = c * ExplorationNoise.SIZE;
            for (int i = 0; i < n; i++) {
                float b = Network.sigmoid(pl.logit(hu, i * h, ph.bounds, c * h, lanes));
                raw[c * n + i] = b;
                bounds[c * n + i] = b + sigma(rated, i, channel) * ExplorationNoise.bound(ph.noiseMax[at + shift[i]]) + 1e-6f;
            }
        }
        // each reader's best channels by bound, enough of them to fill the set
        Arrays.fill(seedChannel, 0, n * SEEDS, -1);
        Arrays.fill(seedBound, 0, n * SEEDS, Float.NEGATIVE_INFINITY);
        for (int c = 0; c < cs; c++) {
            int row = c * n;
            for (int i = 0; i < n; i++) {
                float v = bounds[row + i];
                int base = i * SEEDS;
                if (v <= seedBound[base + SEEDS - 1]) continue;
                int j = SEEDS - 1;
                while (j > 0 && seedBound[base + j - 1] < v) {
                    seedBound[base + j] = seedBound[base + j - 1];
                    seedChannel[base + j] = seedChannel[base + j - 1];
                    j--;
                }
                seedBound[base + j] = v;
                seedChannel[base + j] = c;
            }
        }
        // pass 1: the seeds (the set is not full yet: every post is scored)
        for (int i = 0; i < n; i++) {
            int posts = 0;
            int s = 0;
            while (s < SEEDS && seedChannel[i * SEEDS + s] >= 0 && posts < k) {
                int c = seedChannel[i * SEEDS + s];
                posts += ph.start[c + 1] - ph.start[c];
                channel(pl, ph, c, i, raw[c * n + i], ids, seen, rated);
                s++;
            }
            seeds[i] = s;
        }
        // pass 2: the other channels, most promising first, only for readers they might still reach, and of those
        // only the posts whose score bound plus their own noise might
        long[] order = new long[cs];
        for (int c = 0; c < cs; c++) {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += bounds[c * n + i];
            int bits = Float.floatToIntBits((float) (sum / n));
            order[c] = ((long) (bits ^ ((bits >> 31) & 0x7fffffff)) << 32) | c; // a float's bits made to sort as it does
        }
        Arrays.sort(order);
        for (int o = cs - 1; o >= 0; o--) {
            int c = (int) order[o];
            int posts = ph.start[c + 1] - ph.start[c];
            for (int i = 0; i < n; i++) {
                if (isSeed(i, c)) continue;
                float ub = bounds[c * n + i];
                if (ub > sets.cutoff(i)) {
                    channel(pl, ph, c, i, raw[c * n + i], ids, seen, rated);
                } else {
                    sets.leftOut(i, ub);
                    skipped += posts;
                }
            }
        }
    }

    private float[] hu = new float[0];
    private final float[] lanes = new float[64];
    private float[] raw = new float[0];

    /** The noise deviation of reader {@code i} in {@code channel}: the widest when the reader rated nothing. */
    private float sigma(Map<Long, Integer>[] rated, int i, long channel) {
        if (rated == null || rated[i] == null || rated[i].isEmpty()) return noise.widest();
        Integer votes = rated[i].get(channel);
        return noise.sigma(votes == null ? -1 : votes);
    }

    private boolean isSeed(int i, int c) {
        for (int s = 0; s < seeds[i]; s++) if (seedChannel[i * SEEDS + s] == c) return true;
        return false;
    }

    /**
     * Offers channel {@code c}'s posts to reader {@code i}, scoring only those whose score bound {@code raw} plus
     * their own noise beats the set's cutoff (+∞: every post).
     */
    private void channel(PairLogits pl, PostHidden ph, int c, int i, float raw, long[] ids, Set<Long>[] seen,
                         Map<Long, Integer>[] rated) {
        int h = rows.hidden;
        float sigma = sigma(rated, i, ph.channels[c]);
        int rs = shift[i];
        Set<Long> s = seen == null ? null : seen[i];
        int first = ph.start[c];
        int posts = ph.start[c + 1] - first;
        float[] hp = ph.hp[c];
        for (int p = 0; p < posts; p++) {
            float nz = sigma * ExplorationNoise.unit(rs, ph.shifts[first + p]);
            float cut = sets.cutoff(i);
            if (raw + nz <= cut) {
                sets.leftOut(i, raw + nz);
                skipped++;
                continue;
            }
            scored++;
            float key = Network.sigmoid(pl.logit(hu, i * h, hp, p * h, lanes)) + nz;
            if (key <= cut) {
                sets.leftOut(i, key);
                continue;
            }
            sets.offer(i, ph.posts[first + p], key, s);
        }
    }
}
