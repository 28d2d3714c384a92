package io.tidings.feed;

import java.util.Set;

/**
 * Bounded top-{@code k} sets of many readers in primitive arrays, indexed by a local slot: per slot {@code k} post
 * ids (unsigned 32-bit: PostgreSQL's bigserial ids stay far below 2³² posts) and keys (score plus exploration
 * noise, 16-bit fixed point with a step of 1/16384, about 6e-5, a five-hundredth of the default noise), a count,
 * the smallest key once full, and a floor: an upper bound of every key left out of the set. Six bytes a
 * candidate; the score is not stored (it is the key minus the noise, which is drawn again). Not thread-safe.
 */
final class CandidateSets {
    /** One key step: keys are stored as {@code round(key · 16384)}, clamped to a short. */
    static final float STEP = 1f / 16384;

    final int k;
    final int[] posts;
    final short[] keys;
    final byte[] count;
    final short[] min;
    final float[] floor;

    CandidateSets(int slots, int k) {
        this.k = k;
        posts = new int[slots * k];
        keys = new short[slots * k];
        count = new byte[slots];
        min = new short[slots];
        floor = new float[slots];
        for (int s = 0; s < slots; s++) reset(s, Float.NEGATIVE_INFINITY);
    }

    /** Whether a post id fits the 32-bit form. */
    static boolean fits(long post) {
        return post >= 0 && post < 1L << 32;
    }

    static long post(int stored) {
        return Integer.toUnsignedLong(stored);
    }

    static short quantize(float key) {
        float q = Math.round(key * 16384f);
        return (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, q));
    }

    static float key(short stored) {
        return stored * STEP;
    }

    /** Empties slot {@code s}; {@code floor} +∞ means "nothing is known: refill before an exact answer". */
    void reset(int s, float floor) {
        count[s] = 0;
        min[s] = Short.MIN_VALUE;
        this.floor[s] = floor;
    }

    boolean full(int s) {
        return count[s] == k;
    }

    /** The key a new post must beat to enter slot {@code s}: −∞ while the set is not full. */
    float threshold(int s) {
        return count[s] == k ? key(min[s]) : Float.NEGATIVE_INFINITY;
    }

    /**
     * A key at or below this can never enter slot {@code s}, not even on a tie of the stored key (the order is key,
     * then the smaller post id): −∞ while the set is not full. Pruning compares bounds with it.
     */
    float cutoff(int s) {
        return count[s] == k ? (min[s] - 1) * STEP : Float.NEGATIVE_INFINITY;
    }

    /** Raises the floor of slot {@code s} to {@code bound}: something left out may have a key up to it. */
    void leftOut(int s, float bound) {
        if (bound > floor[s]) floor[s] = bound;
    }

    /**
     * Offers a post with {@code key} to slot {@code s}, unless it is there already or {@code seen}. The set keeps the
     * best by stored key, a tie going to the smaller post id, so the set does not depend on the order of offers.
     */
    void offer(int s, long post, float key, Set<Long> seen) {
        int base = s * k;
        int n = count[s];
        short q = quantize(key);
        if (n == k && q < min[s]) {
            leftOut(s, key);
            return;
        }
        int p = (int) post;
        for (int j = base; j < base + n; j++) {
            if (posts[j] == p) return;
        }
        if (seen != null && seen.contains(post)) return;
        if (n < k) {
            posts[base + n] = p;
            keys[base + n] = q;
            count[s] = (byte) (n + 1);
            if (n + 1 == k) min[s] = minOf(base);
            return;
        }
        // the worst (smallest key, then the larger post id) and, in the same pass, the smallest key of the others
        int worst = base;
        short wk = keys[base];
        int wp = posts[base];
        short others = Short.MAX_VALUE;
        for (int j = base + 1; j < base + k; j++) {
            short kj = keys[j];
            if (kj < wk || kj == wk && Integer.compareUnsigned(posts[j], wp) > 0) {
                if (wk < others) others = wk;
                worst = j;
                wk = kj;
                wp = posts[j];
            } else if (kj < others) {
                others = kj;
            }
        }
        if (q == wk && Integer.compareUnsigned(p, wp) > 0) {
            leftOut(s, key);
            return;
        }
        leftOut(s, key(wk));
        posts[worst] = p;
        keys[worst] = q;
        min[s] = (short) Math.min(q, others);
    }

    private short minOf(int base) {
        short m = Short.MAX_VALUE;
        for (int j = base; j < base + k; j++) if (keys[j] < m) m = keys[j];
        return m;
    }

    /** Removes {@code post} from slot {@code s} when there; returns whether it was. */
    boolean remove(int s, long post) {
        int p = (int) post;
        for (int j = 0; j < count[s]; j++) {
            if (posts[s * k + j] == p) {
                removeAt(s, j);
                return true;
            }
        }
        return false;
    }

    void removeAt(int s, int j) {
        int base = s * k;
        int last = count[s] - 1;
        posts[base + j] = posts[base + last];
        keys[base + j] = keys[base + last];
        count[s] = (byte) last;
        min[s] = Short.MIN_VALUE; // no longer full
    }

    /** Copies slot {@code from} of {@code src} into slot {@code to} of this. */
    void copy(CandidateSets src, int from, int to) {
        System.arraycopy(src.posts, from * k, posts, to * k, k);
        System.arraycopy(src.keys, from * k, keys, to * k, k);
        count[to] = src.count[from];
        min[to] = src.min[from];
        floor[to] = src.floor[from];
    }
}
