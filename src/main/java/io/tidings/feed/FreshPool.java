package io.tidings.feed;

import io.tidings.store.Post;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The posts of the last days, in memory: filled from ingest announcements (and once at start-up),
 * evicted by age on a timer ({@link #start}), bounded by count. Posts are also kept ordered by age (a skip list), so
 * adding one and evicting the oldest each cost O(log n), never a sort of the pool. Ranking reads immutable
 * {@link Snapshot}s, so the pool is never re-queried from the database per reader.
 */
public final class FreshPool {

    /** A candidate post: just what ranking needs. */
    public record Entry(long postId, long channelId, Instant publishedAt) {}

    /** An immutable view of the pool as parallel arrays (index i is one post). */
    public record Snapshot(long[] postIds, long[] channelIds) {
        public int size() {
            return postIds.length;
        }

        static final Snapshot EMPTY = new Snapshot(new long[0], new long[0]);
    }

    private static final Comparator<Entry> BY_AGE = Comparator.comparing(Entry::publishedAt).thenComparingLong(Entry::postId);

    private final ConcurrentHashMap<Long, Entry> entries = new ConcurrentHashMap<>();
    /** The same entries, oldest first. */
    private final java.util.concurrent.ConcurrentSkipListSet<Entry> byAge = new java.util.concurrent.ConcurrentSkipListSet<>(BY_AGE);
    private final AtomicReference<Snapshot> snapshot = new AtomicReference<>(Snapshot.EMPTY);
    private final Duration maxAge;
    private final int maxSize;
    private final Clock clock;

    public FreshPool(Duration maxAge, int maxSize, Clock clock) {
        this.maxAge = maxAge;
        this.maxSize = maxSize;
        this.clock = clock;
    }

    /** Adds a post unless it is too old; returns whether it is now in the pool. */
    public boolean add(Post post) {
        return add(new Entry(post.id(), post.channelId(), post.publishedAt()));
    }

    public boolean add(Entry e) {
        if (e.publishedAt().isBefore(oldestAllowed())) return false;
        if (entries.putIfAbsent(e.postId(), e) == null) {
            byAge.add(e);
            while (entries.size() > maxSize && evictOldest()) {
                // one at a time, O(log n) each
            }
            snapshot.set(null);
        }
        return entries.containsKey(e.postId());
    }

    public void remove(long postId) {
        Entry e = entries.remove(postId);
        if (e != null) {
            byAge.remove(e);
            snapshot.set(null);
        }
    }

    /** Drops posts older than the freshness window; returns how many left. */
    public int evictExpired() {
        Instant limit = oldestAllowed();
        int removed = 0;
        for (Entry oldest = first(); oldest != null && oldest.publishedAt().isBefore(limit); oldest = first()) {
            if (byAge.remove(oldest) && entries.remove(oldest.postId(), oldest)) removed++;
        }
        if (removed > 0) snapshot.set(null);
        return removed;
    }

    /**
     * Evicts expired posts every {@code every}, so they leave the candidate sets on time whether or not posts arrive; the
     * loop counts on {@code meters}.
     */
    public reactor.core.Disposable start(java.time.Duration every, io.micrometer.core.instrument.MeterRegistry meters) {
        return io.tidings.util.Loop.named("fresh-pool-eviction").every(every).timeout(java.time.Duration.ofMinutes(1))
                .meters(meters).start(() -> reactor.core.publisher.Mono.fromRunnable(this::evictExpired));
    }

    private Entry first() {
        try {
            return byAge.first();
        } catch (java.util.NoSuchElementException empty) {
            return null;
        }
    }

    public boolean contains(long postId) {
        return entries.containsKey(postId);
    }

    /** The channel of a post in the pool, or -1. */
    public long channelOf(long postId) {
        Entry e = entries.get(postId);
        return e == null ? -1 : e.channelId();
    }

    public int size() {
        return entries.size();
    }

    public Instant oldestAllowed() {
        return clock.instant().minus(maxAge);
    }

    /** The current candidates; rebuilt only after the pool changed. */
    public Snapshot snapshot() {
        Snapshot s = snapshot.get();
        if (s != null) return s;
        Entry[] all = entries.values().toArray(Entry[]::new);
        long[] posts = new long[all.length];
        long[] channels = new long[all.length];
        for (int i = 0; i < all.length; i++) {
            posts[i] = all[i].postId();
            channels[i] = all[i].channelId();
        }
        Snapshot built = new Snapshot(posts, channels);
        snapshot.compareAndSet(null, built);
        return built;
    }

    private boolean evictOldest() {
        Entry oldest = byAge.pollFirst();
        if (oldest == null) return false;
        entries.remove(oldest.postId(), oldest);
        return true;
    }
}
