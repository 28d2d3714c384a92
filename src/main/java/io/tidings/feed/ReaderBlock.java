package io.tidings.feed;

import io.tidings.util.LongIntMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The candidate state of {@link #SIZE} reader slots under one lock: ids, the model version each set belongs to,
 * the compact {@code hu} rows and the top-k sets, and the readers' votes per channel (for the exploration noise).
 * Blocks are appended as readers come and never copied, so many threads work on different blocks at once.
 */
final class ReaderBlock {
    static final int SIZE = 4096;
    static final int SHIFT = 12;
    /** {@link #gen} of a slot without a set (registered, not yet ranked, or left behind by a swap). */
    static final byte NONE = -1;

    final ReentrantLock lock = new ReentrantLock();
    final long[] ids = new long[SIZE];
    final byte[] gen = new byte[SIZE];
    final CandidateSets sets;
    ReaderRows rows;
    private final LongIntMap rated = new LongIntMap(16);
    private boolean anyRated;

    ReaderBlock(int k, int hidden) {
        sets = new CandidateSets(SIZE, k);
        rows = new ReaderRows(SIZE, hidden);
        java.util.Arrays.fill(gen, NONE);
        for (int s = 0; s < SIZE; s++) sets.reset(s, Float.POSITIVE_INFINITY);
    }

    /** The reader's votes in {@code channel}, or -1 for none. */
    int votes(int local, long channel) {
        if (!anyRated || channel < 0 || channel >= 1L << 32) return -1;
        return rated.get(((long) local << 32) | channel);
    }

    void rated(int local, long channel, int votes) {
        if (channel < 0 || channel >= 1L << 32 || votes < 0) return;
        rated.put(((long) local << 32) | channel, votes);
        anyRated = true;
    }

    /** Empties slot {@code local}: no set until the reader is ranked again. */
    void drop(int local) {
        sets.reset(local, Float.POSITIVE_INFINITY);
        gen[local] = NONE;
    }
}
