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
    private static final int SEEDS = 8;
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
        boolean anyRated = false;
        for (int i = 0; i < n; i++) anyRated |= rated != null && rated[i] != null && !rated[i].isEmpty();
        this.anyRated = anyRated;
        int cs = ph.channelCount();
        if (cs == 0) return;
        if (!prune) {
            for (int i = 0; i < n; i++) list[i] = i;
            for (int c = 0; c < cs; c++) channel(g, ph, c, m, n, ids, seen, rated, true);
            return;
        }
        int stride = m.readers();
        if (bounds.length < cs * stride) bounds = new float[cs * stride];
        float[] bounds = this.bounds;
        for (int c0 = 0; c0 < cs; c0 += POST_CHUNK) g.scorer.score(m, ph.bounds, c0, Math.min(cs, c0 + POST_CHUNK), bounds);
        // in one pass over the bounds: the reader's exact largest noise over the channel's posts (and a little for the
        // float rounding) added, each reader's best channels by bound kept (enough of them to fill the set), the mean
        Arrays.fill(seedChannel, 0, n * SEEDS, -1);
        Arrays.fill(seedBound, 0, n * SEEDS, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < n; i++) least[i] = Float.NEGATIVE_INFINITY;
        float widest = noise.widest();
        long[] order = order(cs);
        byte[] noiseMax = ph.noiseMax;
        for (int c = 0; c < cs; c++) {
            int row = c * stride;
            long channel = ph.channels[c];
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
            while (s < SEEDS && seedChannel[i * SEEDS + s] >= 0 && posts < k) {
                int c = seedChannel[i * SEEDS + s];
                posts += ph.start[c + 1] - ph.start[c];
                s++;
            }
            seeds[i] = s;
        }
        // pass 1: the seeds, channel by channel, for the readers that chose them; their bounds are then spent
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
            channel(g, ph, c, m, len, ids, seen, rated, false);
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
            int posts = ph.start[c + 1] - ph.start[c];
            skipped += (long) posts * (n - len - (counts[c + 1] - counts[c]));
            if (len > 0) channel(g, ph, c, m, len, ids, seen, rated, false);
        }
        for (int i = 0; i < n; i++) sets.leftOut(i, least[i]);
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

    private final float[] least = new float[UNIT];
    private final float[] cut = new float[UNIT];
    private final float[] sigmas = new float[UNIT];
    private boolean anyRated;
    private long[] order = new long[0];
    private int[] counts = new int[0];
    private int[] byChannel = new int[0];
    private int[] at = new int[0];

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
        int first = ph.start[c];
        int at = c * ExplorationNoise.SIZE;
        float widest = noise.widest();
        // per reader: the deviation, and the score under which no post of the channel can enter even with the
        // reader's largest noise over the channel (the cutoff only rises while the channel is offered)
        for (int j = 0; j < len; j++) {
            int i = all ? j : list[j];
            float sigma = anyRated ? sigma(rated, i, channel) : widest;
            sigmas[j] = sigma;
            cut[i] = sets.cutoff(i);
        }
        for (int p0 = 0; p0 < posts; p0 += POST_CHUNK) {
            int cnt = Math.min(POST_CHUNK, posts - p0);
            float[] o = out(cnt * stride);
            if (p0 == 0 && cnt == posts) g.scorer.score(target, ph.hp[c], cnt, o);
            else g.scorer.score(target, Arrays.copyOfRange(ph.hp[c], p0 * rows.hidden, (p0 + cnt) * rows.hidden), cnt, o);
            for (int j = 0; j < len; j++) {
                int i = all ? j : list[j];
                float sigma = sigmas[j];
                int rs = shift[i];
                float margin = sigma * ExplorationNoise.bound(ph.noiseMax[at + rs]);
                float below = cut[i] - margin;
                float skippedMax = Float.NEGATIVE_INFINITY;
                Set<Long> s = seen == null ? null : seen[i];
                for (int p = 0; p < cnt; p++) {
                    float sc = o[p * stride + j];
                    if (sc <= below) {
                        if (sc > skippedMax) skippedMax = sc;
                        continue;
                    }
                    float key = sc + sigma * ExplorationNoise.unit(rs, ph.shifts[first + p0 + p]);
                    if (key <= sets.cutoff(i)) {
                        sets.leftOut(i, key);
                        continue;
                    }
                    sets.offer(i, ph.posts[first + p0 + p], key, s);
                }
                if (skippedMax > Float.NEGATIVE_INFINITY) sets.leftOut(i, skippedMax + margin);
                cut[i] = sets.cutoff(i);
            }
        }
    }
}
