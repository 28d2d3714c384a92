package io.tidings.feed;

import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Set;

/**
 * The posts a reader must not be offered, as the candidate index asks for them: the seen ones, plus (checked on the
 * fly, without listing them) every post their {@link ReaderPreferences#admits} keeps out, and every near-duplicate of a
 * post they received or that entered their set before it. Only {@link #contains} is used, once per post about to enter.
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

    /** Near-duplicate groups the reader received, and those already offered in this fill: at most one post each. */
    private Set<Long> groups;

    @Override
    public boolean contains(Object o) {
        if (!(o instanceof Long post)) return false;
        if (seen.contains(post) || !prefs.admits(reader, post, pool.channelOf(post))) return true;
        if (!prefs.anyRepeats()) return false;
        if (groups == null) {
            groups = new java.util.HashSet<>();
            for (Long s : seen) groups.add(prefs.group(s));
        }
        // called only for a post about to enter the set: the first of its group gets in, the rest stay out
        return !groups.add(prefs.group(post));
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
