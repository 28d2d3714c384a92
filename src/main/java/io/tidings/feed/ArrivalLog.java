package io.tidings.feed;

import java.util.ArrayList;
import java.util.List;

/**
 * The latest new posts with sequence numbers, so a re-rank that worked on an older pool snapshot can offer the
 * posts that arrived meanwhile before it installs its sets. Bounded: the oldest fall off (a re-rank of one unit
 * takes milliseconds; 65,536 posts arrive in hours).
 */
final class ArrivalLog {
    private final FreshPool.Entry[] ring;
    private long next;

    ArrivalLog(int capacity) {
        ring = new FreshPool.Entry[capacity];
    }

    /** Appends posts; returns the sequence number of the first. */
    synchronized long append(List<FreshPool.Entry> posts) {
        long first = next;
        for (FreshPool.Entry e : posts) ring[(int) (next++ % ring.length)] = e;
        return first;
    }

    /** The sequence number the next post will get. */
    synchronized long seq() {
        return next;
    }

    /** Posts appended from sequence number {@code seq} on (as many as are still kept). */
    synchronized List<FreshPool.Entry> since(long seq) {
        long from = Math.max(seq, next - ring.length);
        if (from >= next) return List.of();
        List<FreshPool.Entry> out = new ArrayList<>((int) (next - from));
        for (long q = from; q < next; q++) out.add(ring[(int) (q % ring.length)]);
        return out;
    }
}
