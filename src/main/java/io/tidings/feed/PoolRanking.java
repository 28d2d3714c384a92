package io.tidings.feed;

import io.tidings.model.serve.FastScorer;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * Ranks a unit of up to {@link #UNIT} readers against a whole pool snapshot into top-k sets, skipping what cannot
 * enter at two levels ({@link PostHidden}): each channel's upper-bound row is scored against every reader first and
 * the reader's exact largest noise over the channel's posts added ({@link ExplorationNoise#channelMaxima}); each
 * reader's best channels by bound fill its set; then, channel by channel (most promising first), only the readers
 * whose bound beats their current k-th key go on, the bound rows of the channel's groups of similar posts are scored
 * for them, and a group's posts only for the readers whose group bound (with that group's noise) still beats it.
 * Exact: what is skipped could never have entered, and the set's floor is raised to the skipped bound. Scratch
 * buffers are reused: one instance per thread.
 */
final class PoolRanking {
    static final int UNIT = 512;
    private static final int TILE = FastScorer.TILE;
    private static final int SEEDS = 16;
    /** Seeds fill the set well past k, so that the k-th key starts high: channels are then skipped from the first. */
    private static final int SEED_POSTS = 200;
    private static final int POST_CHUNK = 256;

    final int k;
    final ExplorationNoise noise;
    final CandidateSets sets;
    ReaderRows rows;
    private final FastScorer.ReaderMatrix[] units = new FastScorer.ReaderMatrix[UNIT / TILE];
    /** Readers of the unit gathered to score only them (a channel's, a group's). */
    final UnitGather gathered = new UnitGather();
    private float[] bounds = new float[0];
    private float[] out = new float[0];
    private float[] out2 = new float[0];
    /** Readers (unit indices) of the channel being scored, and of the group being scored. */
    private final int[] list = new int[UNIT];
    private final int[] sub = new int[UNIT];
    /** Positions in {@link #list} of the readers in {@link #sub}. */
    private final int[] subAt = new int[UNIT];
    private final int[] identity = new int[UNIT];
    private final int[] seedChannel = new int[UNIT * SEEDS];
    private final float[] seedBound = new float[UNIT * SEEDS];
    private final int[] seeds = new int[UNIT];
    private final int[] shift = new int[UNIT];
    /** Per reader: the largest bound seen, then the largest skipped; the current cutoff; the channel's deviation. */
    private final float[] least = new float[UNIT];
    private final float[] cut = new float[UNIT];
    private final float[] sigmas = new float[UNIT];
    private boolean anyRated;
    private long[] order = new long[0];
    private int[] counts = new int[0];
    private int[] byChannel = new int[0];
    private int[] at = new int[0];
    /** Pairs scored and pairs skipped by pruning, for the bench and tests. */
    long scored;
    long skipped;

    PoolRanking(int k, ExplorationNoise noise, int hidden) {
        this.k = k;
        this.noise = noise;
        this.sets = new CandidateSets(UNIT, k);
        this.rows = new ReaderRows(UNIT, hidden);
        for (int i = 0; i < UNIT; i++) identity[i] = i;
    }

    void ensureHidden(int hidden) {
        if (rows.hidden != hidden) {
            rows = new ReaderRows(UNIT, hidden);
            Arrays.fill(units, null);
        }
    }

    /** A matrix of {@code n} readers rounded up to whole tiles (reused). */
    FastScorer.ReaderMatrix matrix(int n) {
        return matrix(units, n);
    }

    private FastScorer.ReaderMatrix matrix(FastScorer.ReaderMatrix[] pool, int n) {
        int t = Math.max(1, (n + TILE - 1) / TILE) - 1;
        if (pool[t] == null || pool[t].hidden() != rows.hidden) pool[t] = new FastScorer.ReaderMatrix((t + 1) * TILE, rows.hidden);
        return pool[t];
    }

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
        FastScorer.ReaderMatrix m = matrix(n);
        rows.dequantize(0, n, m);
        gathered.flatten(m, n);
        for (int i = 0; i < n; i++) sets.reset(i, Float.NEGATIVE_INFINITY);
        if (ph.seed != g.seed) throw new IllegalStateException("post rows of another noise seed");
        for (int i = 0; i < n; i++) shift[i] = ExplorationNoise.readerShift(ids[i], g.seed);
        boolean any = false;
        for (int i = 0; i < n; i++) any |= rated != null && rated[i] != null && !rated[i].isEmpty();
        anyRated = any;
        int cs = ph.outerCount();
        if (cs == 0) return;
        if (!prune) {
            for (int c = 0; c < cs; c++) {
                sigmas(rated, ph.channels[ph.groupsOf[c]], identity, n);
                for (int q = ph.groupsOf[c]; q < ph.groupsOf[c + 1]; q++) groupScore(g, ph, q, m, identity, identity, n, n, seen, sigmas);
            }
            return;
        }
        int stride = m.readers();
        if (bounds.length < cs * stride) bounds = new float[cs * stride];
        float[] bounds = this.bounds;
        for (int c0 = 0; c0 < cs; c0 += POST_CHUNK) g.scorer.score(m, ph.outerBounds, c0, Math.min(cs, c0 + POST_CHUNK), bounds);
        // in one pass over the bounds: the reader's exact largest noise over the channel's posts (and a little for the
        // float rounding) added, each reader's best channels by bound kept (enough of them to fill the set), the mean
        Arrays.fill(seedChannel, 0, n * SEEDS, -1);
        Arrays.fill(seedBound, 0, n * SEEDS, Float.NEGATIVE_INFINITY);
        Arrays.fill(least, 0, n, Float.NEGATIVE_INFINITY);
        float widest = noise.widest();
        long[] order = order(cs);
        byte[] noiseMax = ph.outerNoiseMax;
        for (int c = 0; c < cs; c++) {
            int row = c * stride;
            long channel = ph.channels[ph.groupsOf[c]];
            int at = c * ExplorationNoise.SIZE;
            double sum = 0;
            for (int i = 0; i < n; i++) {
                float sigma = anyRated ? sigma(rated, i, channel) : widest;
                float v = bounds[row + i] + sigma * ExplorationNoise.bound(noiseMax[at + shift[i]]) + 1e-6f;
                bounds[row + i] = v;
                sum += v;
                if (v > least[i]) least[i] = seed(i, c, v);
            }
            order[c] = ((long) descending((float) (sum / n)) << 32) | c;
        }
        for (int i = 0; i < n; i++) {
            int posts = 0;
            int s = 0;
            while (s < SEEDS && seedChannel[i * SEEDS + s] >= 0 && posts < Math.max(k, SEED_POSTS)) {
                posts += ph.outerPosts(seedChannel[i * SEEDS + s]);
                s++;
            }
            seeds[i] = s;
        }
        // pass 1: the seeds, channel by channel, for the readers that chose them (every group); their bounds are spent
        int[] counts = counts(cs + 1);
        for (int i = 0; i < n; i++) for (int s = 0; s < seeds[i]; s++) counts[seedChannel[i * SEEDS + s] + 1]++;
        for (int c = 0; c < cs; c++) counts[c + 1] += counts[c];
        int[] byChannel = byChannel(counts[cs]);
        int[] at = at(cs);
        System.arraycopy(counts, 0, at, 0, cs);
        for (int i = 0; i < n; i++) {
            for (int s = 0; s < seeds[i]; s++) {
                int c = seedChannel[i * SEEDS + s];
                byChannel[at[c]++] = i;
                bounds[c * stride + i] = Float.NEGATIVE_INFINITY;
            }
        }
        for (int c = 0; c < cs; c++) {
            int len = counts[c + 1] - counts[c];
            if (len == 0) continue;
            System.arraycopy(byChannel, counts[c], list, 0, len);
            FastScorer.ReaderMatrix target = gathered.gather(list, len, false);
            sigmas(rated, ph.channels[ph.groupsOf[c]], list, len);
            for (int q = ph.groupsOf[c]; q < ph.groupsOf[c + 1]; q++) groupScore(g, ph, q, target, list, identity, len, len, seen, sigmas);
        }
        // pass 2: the other channels, most promising first, only for readers they might still reach
        for (int i = 0; i < n; i++) {
            cut[i] = sets.cutoff(i);
            least[i] = Float.NEGATIVE_INFINITY; // now: the largest bound skipped
        }
        Arrays.sort(order, 0, cs);
        for (int o = 0; o < cs; o++) {
            int c = (int) order[o];
            int row = c * stride;
            int len = 0;
            for (int i = 0; i < n; i++) {
                float ub = bounds[row + i];
                if (ub > cut[i]) list[len++] = i;
                else if (ub > least[i]) least[i] = ub;
            }
            skipped += (long) ph.outerPosts(c) * (n - len - (counts[c + 1] - counts[c]));
            if (len > 0) groups(g, ph, c, m, len, seen, rated);
        }
        for (int i = 0; i < n; i++) sets.leftOut(i, least[i]);
    }

    /**
     * Channel {@code c} for readers {@code list[0 .. len)}: its groups' bound rows scored for them, then each group's
     * posts for the readers whose group bound, with their largest noise over the group, beats their cutoff.
     */
    private void groups(Generation g, PostHidden ph, int c, FastScorer.ReaderMatrix m, int len, Set<Long>[] seen,
                        Map<Long, Integer>[] rated) {
        FastScorer.ReaderMatrix target = gathered.gather(list, len, false);
        int q0 = ph.groupsOf[c];
        int q1 = ph.groupsOf[c + 1];
        sigmas(rated, ph.channels[q0], list, len);
        if (q1 - q0 == 1) {
            groupScore(g, ph, q0, target, list, identity, len, len, seen, sigmas);
            return;
        }
        int stride = target.readers();
        float[] gb = out2((q1 - q0) * stride);
        g.scorer.score(target, ph.groupBounds[c], q1 - q0, gb, len);
        scored += (long) (q1 - q0) * len; // the group bounds are work too: counted as pairs
        for (int q = q0; q < q1; q++) {
            int row = (q - q0) * stride;
            int at = q * ExplorationNoise.SIZE;
            int posts = ph.start[q + 1] - ph.start[q];
            int n2 = 0;
            for (int j = 0; j < len; j++) {
                int i = list[j];
                float ub = gb[row + j] + sigmas[j] * ExplorationNoise.bound(ph.noiseMax[at + shift[i]]) + 1e-6f;
                if (ub > cut[i]) {
                    sub[n2] = i;
                    subAt[n2++] = j;
                } else {
                    sets.leftOut(i, ub);
                    skipped += posts;
                }
            }
            if (n2 == 0) continue;
            for (int x = 0; x < n2; x++) subSigmas[x] = sigmas[subAt[x]];
            int wanted = subAt[n2 - 1] + 1;
            if (g.scorer.lanes(n2) == g.scorer.lanes(wanted)) {
                // as many lanes either way: score the gathered matrix, offer only to the readers left
                groupScore(g, ph, q, target, sub, subAt, n2, wanted, seen, subSigmas);
            } else {
                // the readers left into a smaller matrix
                groupScore(g, ph, q, gathered.gather(sub, n2, true), sub, identity, n2, n2, seen, subSigmas);
            }
        }
    }

    private final float[] subSigmas = new float[UNIT];

    /**
     * Scores group {@code q}'s posts against {@code target} and offers them to readers {@code who[0 .. len)}: reader
     * {@code who[j]} is column {@code col[j]} of the matrix (all under {@code wanted}), of deviation {@code sig[j]}.
     */
    private void groupScore(Generation g, PostHidden ph, int q, FastScorer.ReaderMatrix target, int[] who, int[] col, int len,
                            int wanted, Set<Long>[] seen, float[] sig) {
        int stride = target.readers();
        int posts = ph.start[q + 1] - ph.start[q];
        scored += (long) posts * len;
        int first = ph.start[q];
        int at = q * ExplorationNoise.SIZE;
        int h = rows.hidden;
        for (int p0 = 0; p0 < posts; p0 += POST_CHUNK) {
            int cnt = Math.min(POST_CHUNK, posts - p0);
            float[] o = out(cnt * stride);
            if (p0 == 0 && cnt == posts) g.scorer.score(target, ph.hp[q], cnt, o, wanted);
            else g.scorer.score(target, Arrays.copyOfRange(ph.hp[q], p0 * h, (p0 + cnt) * h), cnt, o, wanted);
            for (int j = 0; j < len; j++) {
                int i = who[j];
                int cj = col[j];
                float sigma = sig[j];
                int rs = shift[i];
                // under this score no post of the group can enter, even with the reader's largest noise over the group
                // (the cutoff only rises while the group is offered)
                float margin = sigma * ExplorationNoise.bound(ph.noiseMax[at + rs]);
                float c = cut[i];
                float below = c - margin;
                float skippedMax = Float.NEGATIVE_INFINITY;
                float leftMax = Float.NEGATIVE_INFINITY;
                Set<Long> s = seen == null ? null : seen[i];
                for (int p = 0; p < cnt; p++) {
                    float sc = o[p * stride + cj];
                    if (sc <= below) {
                        if (sc > skippedMax) skippedMax = sc;
                        continue;
                    }
                    float key = sc + sigma * ExplorationNoise.unit(rs, ph.shifts[first + p0 + p]);
                    if (key <= c) {
                        if (key > leftMax) leftMax = key;
                        continue;
                    }
                    sets.offer(i, ph.posts[first + p0 + p], key, s);
                    c = sets.cutoff(i);
                }
                sets.leftOut(i, Math.max(leftMax, skippedMax + margin));
                cut[i] = c;
            }
        }
    }

    /** The deviations of readers {@code who[0 .. len)} in {@code channel} into {@link #sigmas}; their cutoffs into {@link #cut}. */
    private void sigmas(Map<Long, Integer>[] rated, long channel, int[] who, int len) {
        float widest = noise.widest();
        for (int j = 0; j < len; j++) {
            int i = who[j];
            sigmas[j] = anyRated ? sigma(rated, i, channel) : widest;
            cut[i] = sets.cutoff(i);
        }
    }

    /** Keeps channel {@code c} of bound {@code v} among reader {@code i}'s best {@link #SEEDS}; returns the least kept. */
    private float seed(int i, int c, float v) {
        int base = i * SEEDS;
        int j = SEEDS - 1;
        while (j > 0 && seedBound[base + j - 1] < v) {
            seedBound[base + j] = seedBound[base + j - 1];
            seedChannel[base + j] = seedChannel[base + j - 1];
            j--;
        }
        seedBound[base + j] = v;
        seedChannel[base + j] = c;
        return seedBound[base + SEEDS - 1];
    }

    /** Bits of {@code -v} that sort as signed ints the way {@code -v} sorts as a float: highest {@code v} first. */
    private static int descending(float v) {
        int bits = Float.floatToIntBits(-v);
        return bits ^ ((bits >> 31) & 0x7fffffff);
    }

    private long[] order(int size) {
        if (order.length < size) order = new long[size];
        return order;
    }

    private int[] counts(int size) {
        if (counts.length < size) counts = new int[size];
        Arrays.fill(counts, 0, size, 0);
        return counts;
    }

    private int[] byChannel(int size) {
        if (byChannel.length < size) byChannel = new int[size];
        return byChannel;
    }

    private int[] at(int size) {
        if (at.length < size) at = new int[size];
        return at;
    }

    /** The noise deviation of reader {@code i} in {@code channel}: the widest when the reader rated nothing. */
    private float sigma(Map<Long, Integer>[] rated, int i, long channel) {
        if (rated == null || rated[i] == null || rated[i].isEmpty()) return noise.widest();
        Integer votes = rated[i].get(channel);
        return noise.sigma(votes == null ? -1 : votes);
    }
}
