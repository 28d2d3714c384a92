package io.tidings.feed;

import io.tidings.model.serve.FastScorer;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * Ranks a unit of up to {@link #UNIT} readers against a whole pool snapshot into top-k sets, skipping whole
 * channels that cannot enter: each channel's upper-bound row ({@link PostHidden}) is scored against every reader
 * first and the reader's exact largest noise over the channel's posts added ({@link ExplorationNoise#channelMaxima});
 * each reader's best channels by bound fill its set, then a channel is scored only for the readers whose bound
 * beats their current k-th key. Exact: what is skipped could never have entered, and the set's floor is raised to
 * the skipped bound. Scratch buffers are reused: one instance per thread.
 */
final class PoolRanking {
    static final int UNIT = 512;
    private static final int TILE = FastScorer.TILE;
    private static final int SEEDS = 4;
    private static final int POST_CHUNK = 256;

    final int k;
    final ExplorationNoise noise;
    final CandidateSets sets;
    ReaderRows rows;
    private final FastScorer.ReaderMatrix[] units = new FastScorer.ReaderMatrix[UNIT / TILE];
    private final FastScorer.ReaderMatrix[] gathers = new FastScorer.ReaderMatrix[UNIT / TILE];
    private float[] bounds = new float[0];
    private float[] out = new float[0];
    private final int[] list = new int[UNIT];
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
        FastScorer.ReaderMatrix m = matrix(false, n);
        rows.dequantize(0, n, m);
        for (int i = 0; i < n; i++) sets.reset(i, Float.NEGATIVE_INFINITY);
        if (ph.seed != g.seed) throw new IllegalStateException("post rows of another noise seed");
        for (int i = 0; i < n; i++) shift[i] = ExplorationNoise.readerShift(ids[i], g.seed);
        int cs = ph.channelCount();
        if (cs == 0) return;
        if (!prune) {
            for (int i = 0; i < n; i++) list[i] = i;
            for (int c = 0; c < cs; c++) channel(g, ph, c, m, n, ids, seen, rated, true);
            return;
        }
        int h = rows.hidden;
        int stride = m.readers();
        if (bounds.length < cs * stride) bounds = new float[cs * stride];
        for (int c0 = 0; c0 < cs; c0 += POST_CHUNK) {
            int c1 = Math.min(cs, c0 + POST_CHUNK);
            float[] b = c0 == 0 && c1 == cs ? ph.bounds : Arrays.copyOfRange(ph.bounds, c0 * h, c1 * h);
            float[] o = out((c1 - c0) * stride);
            g.scorer.score(m, b, c1 - c0, o);
            System.arraycopy(o, 0, bounds, c0 * stride, (c1 - c0) * stride);
        }
        // the reader's exact largest noise over the channel's posts, and a little for the float rounding
        for (int c = 0; c < cs; c++) {
            int row = c * stride;
            long channel = ph.channels[c];
            int at = c * ExplorationNoise.SIZE;
            for (int i = 0; i < n; i++) {
                float sigma = sigma(rated, i, channel);
                bounds[row + i] += sigma * ExplorationNoise.bound(ph.noiseMax[at + shift[i]]) + 1e-6f;
            }
        }
        // each reader's best channels by bound, enough of them to fill the set
        Arrays.fill(seedChannel, 0, n * SEEDS, -1);
        Arrays.fill(seedBound, 0, n * SEEDS, Float.NEGATIVE_INFINITY);
        for (int c = 0; c < cs; c++) {
            int row = c * stride;
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
        for (int i = 0; i < n; i++) {
            int posts = 0;
            int s = 0;
            while (s < SEEDS && seedChannel[i * SEEDS + s] >= 0 && posts < k) {
                int c = seedChannel[i * SEEDS + s];
                posts += ph.start[c + 1] - ph.start[c];
                s++;
            }
            seeds[i] = s;
        }
        // pass 1: the seeds, channel by channel, for the readers that chose them
        int[] counts = new int[cs + 1];
        for (int i = 0; i < n; i++) for (int s = 0; s < seeds[i]; s++) counts[seedChannel[i * SEEDS + s] + 1]++;
        for (int c = 0; c < cs; c++) counts[c + 1] += counts[c];
        int[] byChannel = new int[counts[cs]];
        int[] at = Arrays.copyOf(counts, cs);
        for (int i = 0; i < n; i++) for (int s = 0; s < seeds[i]; s++) byChannel[at[seedChannel[i * SEEDS + s]]++] = i;
        for (int c = 0; c < cs; c++) {
            int len = counts[c + 1] - counts[c];
            if (len == 0) continue;
            System.arraycopy(byChannel, counts[c], list, 0, len);
            channel(g, ph, c, m, len, ids, seen, rated, false);
        }
        // pass 2: the other channels, most promising first, only for readers they might still reach
        long[] order = new long[cs];
        for (int c = 0; c < cs; c++) {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += bounds[c * stride + i];
            order[c] = ((long) Float.floatToIntBits((float) -(sum / n)) << 32) | c; // ascending bits of a negated mean
        }
        sortByMean(order);
        for (long o : order) {
            int c = (int) o;
            int len = 0;
            int posts = ph.start[c + 1] - ph.start[c];
            for (int i = 0; i < n; i++) {
                if (isSeed(i, c)) continue;
                float ub = bounds[c * stride + i];
                if (ub > sets.cutoff(i)) {
                    list[len++] = i;
                } else {
                    sets.leftOut(i, ub);
                    skipped += posts;
                }
            }
            if (len > 0) channel(g, ph, c, m, len, ids, seen, rated, false);
        }
    }

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

    /** Sorts by the mean bound, highest first (the keys hold a negated float; negative floats sort reversed as bits). */
    private static void sortByMean(long[] order) {
        Long[] boxed = new Long[order.length];
        for (int i = 0; i < order.length; i++) boxed[i] = order[i];
        Arrays.sort(boxed, (a, b) -> Float.compare(Float.intBitsToFloat((int) (a >>> 32)), Float.intBitsToFloat((int) (b >>> 32))));
        for (int i = 0; i < order.length; i++) order[i] = boxed[i];
    }

    /** Scores channel {@code c}'s posts for readers {@code list[0 .. len)} and offers them. */
    private void channel(Generation g, PostHidden ph, int c, FastScorer.ReaderMatrix m, int len, long[] ids, Set<Long>[] seen,
                         Map<Long, Integer>[] rated, boolean all) {
        int h = rows.hidden;
        FastScorer.ReaderMatrix target = m;
        if (!all) {
            target = matrix(true, len);
            float[] src = m.values;
            float[] dst = target.values;
            for (int j = 0; j < len; j++) {
                int r = list[j];
                int a = (r / TILE) * h * TILE + r % TILE;
                int d = (j / TILE) * h * TILE + j % TILE;
                for (int x = 0; x < h; x++) dst[d + x * TILE] = src[a + x * TILE];
            }
        }
        int stride = target.readers();
        int posts = ph.start[c + 1] - ph.start[c];
        long channel = ph.channels[c];
        scored += (long) posts * len;
        for (int p0 = 0; p0 < posts; p0 += POST_CHUNK) {
            int cnt = Math.min(POST_CHUNK, posts - p0);
            float[] hp = p0 == 0 && cnt == posts ? ph.hp[c] : Arrays.copyOfRange(ph.hp[c], p0 * h, (p0 + cnt) * h);
            float[] o = out(cnt * stride);
            g.scorer.score(target, hp, cnt, o);
            for (int j = 0; j < len; j++) {
                int i = all ? j : list[j];
                float sigma = sigma(rated, i, channel);
                int rs = shift[i];
                Set<Long> s = seen == null ? null : seen[i];
                int first = ph.start[c] + p0;
                for (int p = 0; p < cnt; p++) {
                    float key = o[p * stride + j] + sigma * ExplorationNoise.unit(rs, ph.shifts[first + p]);
                    if (key <= sets.cutoff(i)) {
                        sets.leftOut(i, key);
                        continue;
                    }
                    sets.offer(i, ph.posts[first + p], key, s);
                }
            }
        }
    }
}
