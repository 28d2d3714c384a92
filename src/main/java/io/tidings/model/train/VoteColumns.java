package io.tidings.model.train;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;

/**
 * Votes in primitive columns, about 25 bytes a vote: ten million votes take 250 MB instead of the ~1 GB that
 * boxed rows and {@link Vote} objects take. The trainer reads them through {@link #asList()}, a view that makes
 * each {@link Vote} when asked for it (short-lived, so the garbage collector barely notices).
 * Not thread-safe while being filled.
 */
public final class VoteColumns {

    private long[] readers;
    private long[] channels;
    private long[] posts;
    private boolean[] likes;
    private int size;
    private long maxSeq;

    public VoteColumns() {
        this(1024);
    }

    public VoteColumns(int expected) {
        int cap = Math.max(16, expected);
        readers = new long[cap];
        channels = new long[cap];
        posts = new long[cap];
        likes = new boolean[cap];
    }

    /** Appends one vote; {@code seq} is the vote's change counter (the largest is kept). */
    public void add(long reader, long channel, long post, boolean like, long seq) {
        if (size == readers.length) {
            int cap = Math.max(16, (int) Math.min(Integer.MAX_VALUE - 8, size + (long) (size >> 1)));
            if (cap == size) throw new IllegalStateException("too many votes for one training: " + size);
            readers = Arrays.copyOf(readers, cap);
            channels = Arrays.copyOf(channels, cap);
            posts = Arrays.copyOf(posts, cap);
            likes = Arrays.copyOf(likes, cap);
        }
        readers[size] = reader;
        channels[size] = channel;
        posts[size] = post;
        likes[size] = like;
        size++;
        maxSeq = Math.max(maxSeq, seq);
    }

    public int size() {
        return size;
    }

    /** The largest {@code seq} added (0 when empty): the votes a model trained on these has seen. */
    public long maxSeq() {
        return maxSeq;
    }

    /** A read-only view; each {@code get} makes a new {@link Vote}. */
    public List<Vote> asList() {
        return new AbstractList<>() {
            @Override
            public Vote get(int i) {
                if (i < 0 || i >= size) throw new IndexOutOfBoundsException(i);
                return new Vote(readers[i], channels[i], posts[i], likes[i]);
            }

            @Override
            public int size() {
                return size;
            }
        };
    }
}
