package io.tidings.feed;

import io.tidings.store.Post;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongPredicate;

/**
 * What planning needs to know about a fresh post's text, worked out once when the post arrives (never per reader):
 * its stemmed terms for word filters, whether it is marked as advertising, and its near-duplicate group. Posts that left the fresh pool are
 * dropped by {@link #prune}.
 */
public final class PostFacts {

    /** One post's facts: terms in order, the same sorted and distinct, the ad mark. */
    public record Facts(int[] terms, int[] sortedTerms, boolean ad) {}

    private static final Facts EMPTY = new Facts(new int[0], new int[0], false);
    private final Map<Long, Facts> byPost = new ConcurrentHashMap<>();
    private final Map<Long, Boolean> ads = new ConcurrentHashMap<>();
    private final NearDuplicates duplicates = new NearDuplicates();
    private final boolean grouping;

    public PostFacts() {
        this(true);
    }

    /** {@code grouping} false: no near-duplicate groups (every post is its own group); for {@code bench ingest --no-dedup}. */
    public PostFacts(boolean grouping) {
        this.grouping = grouping;
    }

    /**
     * Records a post's facts (again for a post already known: its text may have been edited) and its near-duplicate
     * group, which it returns: the post's own id, or the first fresh post of the same story (a near-identical text, or
     * the post it forwards, text or not).
     */
    public long add(Post post) {
        java.util.stream.IntStream.Builder names = java.util.stream.IntStream.builder();
        int[] terms = Terms.of(post.text(), names);
        long group = post.id();
        if (grouping) synchronized (duplicates) {
            group = duplicates.add(post.id(), terms, names.build().toArray(), NearDuplicates.linkKey(post.permalink()),
                    NearDuplicates.linkKey(post.forwardedFromUrl()));
        }
        int[] sorted = Terms.sorted(terms);
        boolean ad = Terms.isAd(post.text(), post.html(), sorted);
        byPost.put(post.id(), new Facts(terms, sorted, ad));
        if (ad) ads.put(post.id(), Boolean.TRUE);
        else ads.remove(post.id());
        return group;
    }

    /** A group stored earlier, set before the post is {@linkplain #add added} at start-up, so a restart keeps it. */
    public void restoreGroup(long post, long group) {
        synchronized (duplicates) {
            duplicates.restore(post, group);
        }
    }

    /** The post's facts; a post never added counts as having no text. */
    public Facts of(long post) {
        return byPost.getOrDefault(post, EMPTY);
    }

    /** The post's near-duplicate group: the id of the first fresh post that told the same story, else its own id. */
    public long group(long post) {
        return duplicates.group(post);
    }

    /** Whether the post repeats an earlier fresh post. */
    public boolean isRepeat(long post) {
        return duplicates.group(post) != post;
    }

    /** Whether any fresh post repeats another (when none does, nothing needs checking). */
    public boolean anyRepeats() {
        return duplicates.any();
    }

    public boolean isAd(long post) {
        return !ads.isEmpty() && ads.containsKey(post);
    }

    /** Forgets posts {@code keep} rejects (those gone from the fresh pool). */
    public void prune(LongPredicate keep) {
        byPost.keySet().removeIf(id -> !keep.test(id));
        ads.keySet().removeIf(id -> !keep.test(id));
        synchronized (duplicates) {
            duplicates.prune(keep);
        }
    }

    public int size() {
        return byPost.size();
    }
}
