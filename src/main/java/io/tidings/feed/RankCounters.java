package io.tidings.feed;

import java.util.concurrent.atomic.LongAdder;

/** What every ranking of a candidate index did so far, for the bench and tests: pairs, and readers moved. */
final class RankCounters {
    /** Readers ranked against the whole pool. */
    final LongAdder rankedReaders = new LongAdder();
    /** Readers moved to an incremental version without a ranking. */
    final LongAdder carriedReaders = new LongAdder();
    /** Pairs scored (bound pairs included) and skipped by pruning. */
    final LongAdder scored = new LongAdder();
    final LongAdder skipped = new LongAdder();

    /** Adds what {@code pr} counted since it read {@code scored0} and {@code skipped0}. */
    void pairsSince(PoolRanking pr, long scored0, long skipped0) {
        scored.add(pr.scored - scored0);
        skipped.add(pr.skipped - skipped0);
    }
}
