package io.tidings.feed;

import io.tidings.model.Network;
import io.tidings.model.serve.FastScorer;
import io.tidings.util.LongIntMap;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code hp} rows (post half of the first layer) of one pool snapshot under one model version, grouped by
 * channel and, inside a channel, into groups of at most {@link #GROUP} similar posts (ordered by their linear appeal
 * {@code hp·w2}), with one upper-bound row per group and per channel: for each hidden unit the largest {@code hp} of
 * the posts where {@code w2} is positive and the smallest where it is negative. ReLU is monotone, so scoring that row
 * as if it were a post gives a score no post of the group (channel) can exceed: pruning stays exact. Beside them, per
 * group and per channel, the largest exploration noise of its posts for every reader shift
 * ({@link ExplorationNoise#channelMaxima}) under the version's noise seed, so the bound of a (reader, group) holds
 * the exact noise. The fields {@link #channels}, {@link #start}, {@link #hp}, {@link #bounds} and {@link #noiseMax}
 * are per group ({@code channels[q]} the group's channel id); {@link #groupsOf} maps channels to their groups. Rows
 * of posts seen in the previous snapshot are reused, not computed again. Immutable once built.
 */
final class PostHidden {
    /** Posts per pruning group at most: a channel of more is split into groups of similar posts. */
    static final int GROUP = 8;
    final FreshPool.Snapshot snap;
    final int hidden;
    /** Distinct channels; channel {@code c}'s posts are {@code posts[start[c] .. start[c + 1])}. */
    final long[] channels;
    final int[] start;
    final long[] posts;
    /** Per channel, its posts' rows {@code [n][hidden]}, in the order of {@link #posts}. */
    final float[][] hp;
    /** Upper-bound rows, {@code [channel][hidden]}. */
    final float[] bounds;
    /** Post id → position in {@link #posts}. */
    final LongIntMap positions;
    /** The noise seed the next two fields were made for. */
    final long seed;
    /** Each post's noise shift ({@link ExplorationNoise#postShift}), in the order of {@link #posts}. */
    final int[] shifts;
    /** {@code [channel][reader shift]}: the largest standard noise draw of the channel's posts, in byte steps. */
    final byte[] noiseMax;

    private PostHidden(FreshPool.Snapshot snap, int hidden, long[] channels, int[] start, long[] posts, float[][] hp,
                       float[] bounds, LongIntMap positions, long seed, int[] shifts, byte[] noiseMax, boolean[] upward) {
        this.snap = snap;
        this.hidden = hidden;
        this.channels = channels;
        this.start = start;
        this.posts = posts;
        this.hp = hp;
        this.bounds = bounds;
        this.positions = positions;
        this.seed = seed;
        this.shifts = shifts;
        this.noiseMax = noiseMax;
        // the groups of one channel are consecutive: the channel's rows bound its groups' rows
        int gs = channels.length;
        int outer = 0;
        for (int q = 0; q < gs; q++) if (q == 0 || channels[q] != channels[q - 1]) outer++;
        groupsOf = new int[outer + 1];
        for (int q = 0, c = 0; q < gs; q++) if (q == 0 || channels[q] != channels[q - 1]) groupsOf[c++] = q;
        groupsOf[outer] = gs;
        outerBounds = new float[outer * hidden];
        outerNoiseMax = new byte[outer * ExplorationNoise.SIZE];
        groupBounds = new float[outer][];
        for (int c = 0; c < outer; c++) {
            int q0 = groupsOf[c];
            int q1 = groupsOf[c + 1];
            groupBounds[c] = java.util.Arrays.copyOfRange(bounds, q0 * hidden, q1 * hidden);
            for (int j = 0; j < hidden; j++) {
                float b = bounds[q0 * hidden + j];
                for (int q = q0 + 1; q < q1; q++) {
                    float v = bounds[q * hidden + j];
                    b = upward[j] ? Math.max(b, v) : Math.min(b, v);
                }
                outerBounds[c * hidden + j] = b;
            }
            for (int r = 0; r < ExplorationNoise.SIZE; r++) {
                byte m = noiseMax[q0 * ExplorationNoise.SIZE + r];
                for (int q = q0 + 1; q < q1; q++) m = (byte) Math.max(m, noiseMax[q * ExplorationNoise.SIZE + r]);
                outerNoiseMax[c * ExplorationNoise.SIZE + r] = m;
            }
        }
    }

    /** Channels (several groups each): channel {@code c}'s groups are {@code groupsOf[c] .. groupsOf[c + 1])}. */
    final int[] groupsOf;
    /** Per channel, the upper-bound row of all its posts, {@code [channel][hidden]}. */
    final float[] outerBounds;
    /** Per channel and reader shift, the largest standard noise draw of its posts (as {@link #noiseMax}). */
    final byte[] outerNoiseMax;
    /** Per channel, the upper-bound rows of its groups, {@code [groups][hidden]}. */
    final float[][] groupBounds;

    int outerCount() {
        return groupsOf.length - 1;
    }

    /** Posts of channel {@code c} (all its groups). */
    int outerPosts(int c) {
        return start[groupsOf[c + 1]] - start[groupsOf[c]];
    }

    /** The largest standard noise draw of channel {@code c}'s posts for a reader of shift {@code readerShift}. */
    float noiseMax(int c, int readerShift) {
        return ExplorationNoise.bound(noiseMax[c * ExplorationNoise.SIZE + readerShift]);
    }

    int channelCount() {
        return channels.length;
    }

    /** Posts of the snapshot whose id fits the candidate sets' 32-bit form. */
    static PostHidden of(FreshPool.Snapshot snap, FastScorer scorer, Network net, PostHidden previous, long seed) {
        return of(snap, scorer, net, previous, seed, null);
    }

    /**
     * With {@code reuse}, a row of {@code previous} is taken only for the posts it accepts (an incremental version:
     * the posts whose own row and channel row did not move); {@code previous} may then be another version's.
     */
    static PostHidden of(FreshPool.Snapshot snap, FastScorer scorer, Network net, PostHidden previous, long seed, Reuse reuse) {
        int h = scorer.hidden();
        int n = snap.size();
        LongIntMap channelIndex = new LongIntMap(1024);
        List<Long> channelIds = new ArrayList<>();
        int[] channelOf = new int[n];
        int[] counts = new int[16];
        for (int i = 0; i < n; i++) {
            if (!CandidateSets.fits(snap.postIds()[i])) {
                channelOf[i] = -1;
                continue;
            }
            long ch = snap.channelIds()[i];
            int c = channelIndex.get(ch);
            if (c < 0) {
                c = channelIds.size();
                channelIds.add(ch);
                channelIndex.put(ch, c);
                if (c == counts.length) counts = java.util.Arrays.copyOf(counts, c * 2);
            }
            channelOf[i] = c;
            counts[c]++;
        }
        int cs = channelIds.size();
        int[] start = new int[cs + 1];
        for (int c = 0; c < cs; c++) start[c + 1] = start[c] + counts[c];
        int[] fill = java.util.Arrays.copyOf(start, cs);
        long[] posts = new long[start[cs]];
        long[] postChannels = new long[start[cs]];
        LongIntMap positions = new LongIntMap(Math.max(16, posts.length));
        for (int i = 0; i < n; i++) {
            int c = channelOf[i];
            if (c < 0) continue;
            int at = fill[c]++;
            posts[at] = snap.postIds()[i];
            postChannels[at] = snap.channelIds()[i];
            positions.put(posts[at], at);
        }
        float[][] hp = new float[cs][];
        for (int c = 0; c < cs; c++) hp[c] = new float[(start[c + 1] - start[c]) * h];
        // rows known from the previous snapshot are copied; the rest computed in one call
        int missing = 0;
        int[] missingAt = new int[posts.length];
        for (int c = 0; c < cs; c++) {
            for (int at = start[c]; at < start[c + 1]; at++) {
                float[] old = previous == null || reuse != null && !reuse.test(posts[at], postChannels[at]) ? null : previous.row(posts[at]);
                if (old != null && old.length == h) System.arraycopy(old, 0, hp[c], (at - start[c]) * h, h);
                else missingAt[missing++] = at;
            }
        }
        if (missing > 0) {
            long[] ps = new long[missing];
            long[] chs = new long[missing];
            for (int j = 0; j < missing; j++) {
                ps[j] = posts[missingAt[j]];
                chs[j] = postChannels[missingAt[j]];
            }
            float[] computed = scorer.postHidden(chs, ps);
            for (int j = 0; j < missing; j++) {
                int at = missingAt[j];
                int c = channelIndex.get(postChannels[at]);
                System.arraycopy(computed, j * h, hp[c], (at - start[c]) * h, h);
            }
        }
        // each channel's posts in groups of similar posts (by their linear appeal hp·w2), each group pruned on its own
        {
            int gs = 0;
            for (int c = 0; c < cs; c++) gs += (start[c + 1] - start[c] + GROUP - 1) / GROUP;
            int[] gstart = new int[gs + 1];
            long[] gchannel = new long[gs];
            long[] gposts = new long[posts.length];
            long[] gpostChannels = new long[posts.length];
            float[][] ghp = new float[gs][];
            int g = 0;
            int at = 0;
            for (int c = 0; c < cs; c++) {
                int m = start[c + 1] - start[c];
                long[] order = new long[m];
                for (int p = 0; p < m; p++) {
                    float a = 0;
                    for (int j = 0; j < h; j++) a += net.w2[j] * hp[c][p * h + j];
                    // descending appeal: flip the float bits so that ascending longs sort highest first
                    int bits = Float.floatToIntBits(-a);
                    bits ^= (bits >> 31) & 0x7fffffff;
                    order[p] = ((long) bits << 32) | p;
                }
                java.util.Arrays.sort(order);
                int groups = (m + GROUP - 1) / GROUP;
                for (int q = 0; q < groups; q++) {
                    int from = (int) ((long) m * q / groups);
                    int to = (int) ((long) m * (q + 1) / groups);
                    gstart[g] = at;
                    gchannel[g] = channelIds.get(c);
                    ghp[g] = new float[(to - from) * h];
                    for (int x = from; x < to; x++) {
                        int p = (int) order[x];
                        gposts[at] = posts[start[c] + p];
                        gpostChannels[at] = postChannels[start[c] + p];
                        positions.put(gposts[at], at);
                        System.arraycopy(hp[c], p * h, ghp[g], (x - from) * h, h);
                        at++;
                    }
                    g++;
                }
            }
            gstart[gs] = at;
            cs = gs;
            start = gstart;
            posts = gposts;
            postChannels = gpostChannels;
            hp = ghp;
            channelIds = new ArrayList<>(gs);
            for (long x : gchannel) channelIds.add(x);
        }
        float[] bounds = new float[cs * h];
        for (int c = 0; c < cs; c++) {
            int m = start[c + 1] - start[c];
            for (int j = 0; j < h; j++) {
                boolean up = net.w2[j] >= 0;
                float b = up ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
                for (int p = 0; p < m; p++) {
                    float v = hp[c][p * h + j];
                    b = up ? Math.max(b, v) : Math.min(b, v);
                }
                bounds[c * h + j] = b;
            }
        }
        long[] ch = new long[cs];
        for (int c = 0; c < cs; c++) ch[c] = channelIds.get(c);
        boolean[] upward = new boolean[h];
        for (int j = 0; j < h; j++) upward[j] = net.w2[j] >= 0;
        if (previous != null && previous.snap == snap && previous.seed == seed && java.util.Arrays.equals(previous.posts, posts)
                && java.util.Arrays.equals(previous.start, start)) {
            // the same posts in the same order under the same noise seed: the same shifts and noise maxima
            return new PostHidden(snap, h, ch, start, posts, hp, bounds, positions, seed, previous.shifts, previous.noiseMax, upward);
        }
        int[] shifts = new int[posts.length];
        for (int i = 0; i < posts.length; i++) shifts[i] = ExplorationNoise.postShift(posts[i], seed);
        return new PostHidden(snap, h, ch, start, posts, hp, bounds, positions, seed, shifts,
                ExplorationNoise.channelMaxima(shifts, start, cs), upward);
    }

    /** Which rows of a previous {@link PostHidden} still hold. */
    @FunctionalInterface
    interface Reuse {
        boolean test(long post, long channel);
    }

    /** The row of {@code post}, or null when it is not in this snapshot. */
    float[] row(long post) {
        int at = positions.get(post);
        if (at < 0) return null;
        int c = channelAt(at);
        float[] out = new float[hidden];
        System.arraycopy(hp[c], (at - start[c]) * hidden, out, 0, hidden);
        return out;
    }

    /** The channel index holding position {@code at}. */
    int channelAt(int at) {
        int lo = 0;
        int hi = channels.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (start[mid] <= at) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }
}
