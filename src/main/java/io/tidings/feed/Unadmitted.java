package io.tidings.feed;

import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Set;

/**
 * The posts a reader must not be offered, as the candidate index asks for them: the seen ones, plus (checked on the
 * fly, without listing them) every post their {@link ReaderPreferences#admits} keeps out. Only {@link #contains} is used.
 */
final class Unadmitted extends AbstractSet<Long> {

    private final Set<Long> seen;
    private final long reader;
    private final ReaderPreferences prefs;
    private final FreshPool pool;

    Unadmitted(Set<Long> seen, long reader, ReaderPreferences prefs, FreshPool pool) {
        this.seen = seen;
        this.reader = reader;
        this.prefs = prefs;
        this.pool = pool;
    }

    @Override
    public boolean contains(Object o) {
        if (!(o instanceof Long post)) return false;
        return seen.contains(post) || !prefs.admits(reader, post, pool.channelOf(post));
    }

    @Override
    public Iterator<Long> iterator() {
        return seen.iterator();
    }

    @Override
    public int size() {
        return seen.size();
    }
}
