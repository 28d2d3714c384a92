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
 * evicted by age, bounded by count. Ranking reads immutable {@link Snapshot}s, so the pool is never
 * re-queried from the database per reader.
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

    private final ConcurrentHashMap<Long, Entry> entries = new ConcurrentHashMap<>();
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
            if (entries.size() > maxSize) evictOldest(entries.size() - maxSize);
            snapshot.set(null);
        }
        return entries.containsKey(e.postId());
    }

    public void remove(long postId) {
        if (entries.remove(postId) != null) snapshot.set(null);
    }

    /** Drops posts older than the freshness window; returns how many left. */
    public int evictExpired() {
        Instant limit = oldestAllowed();
        int before = entries.size();
        entries.values().removeIf(e -> e.publishedAt().isBefore(limit));
        int removed = before - entries.size();
        if (removed > 0) snapshot.set(null);
        return removed;
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

    private void evictOldest(int n) {
        entries.values().stream().sorted(Comparator.comparing(Entry::publishedAt)).limit(n)
                .forEach(e -> entries.remove(e.postId()));
    }
}
