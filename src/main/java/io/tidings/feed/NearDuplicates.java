package io.tidings.feed;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * Groups fresh posts that tell the same story: reposts with an added signature, emoji, link or hashtag, a cut, a
 * forward. Each post's stemmed words (links and mentions dropped, see {@link Terms}) become word 3-shingles and a
 * MinHash signature of {@value #HASHES} values; locality-sensitive hashing over its first {@value #BANDS} bands of two
 * values finds the earlier posts that may match, and the full signatures decide: estimated Jaccard similarity at least
 * {@value #JACCARD}, or one post's shingles nearly all inside the other's (a cut or an addition). Done once per post when
 * it arrives, never per reader. Memory: the signature (256 bytes) and {@value #BANDS} index entries per fresh post.
 * {@link #add} and {@link #prune} are not thread-safe (callers synchronise); {@link #group} may be called from any thread.
 */
final class NearDuplicates {

    static final int HASHES = 64;
    static final int BANDS = 8;
    static final double JACCARD = 0.5;
    static final double CONTAINMENT = 0.8;
    /** Shorter texts ("Photo of the day") say too little to call two posts the same story. */
    static final int MIN_SHINGLES = 6;
    private static final int SHINGLE = 3;
    private static final long[] SEEDS = new long[HASHES];

    static {
        java.util.SplittableRandom r = new java.util.SplittableRandom(0x5eed_d0b1eL);
        for (int i = 0; i < HASHES; i++) SEEDS[i] = r.nextLong() | 1;
    }

    /** A post's signature, its number of distinct shingles, and its numbers (sorted distinct terms, see {@link Terms#isNumber}). */
    record Signature(int[] minHash, int shingles, int[] numbers, int[] names) {}

    /** A text's signature with its names (see {@link Terms#of(String, java.util.function.IntConsumer)}). */
    static Signature signature(String text) {
        java.util.stream.IntStream.Builder names = java.util.stream.IntStream.builder();
        int[] terms = Terms.of(text, names);
        return signature(terms, names.build().toArray());
    }

    private final Map<Long, Signature> signatures = new HashMap<>();
    /** Read without the caller's lock (planning asks from its threads). */
    private final Map<Long, Long> groups = new java.util.concurrent.ConcurrentHashMap<>();
    /** Band value → the latest post with it (any member of a group leads to the group). */
    private final Map<Long, Long> bands = new HashMap<>();
    /** "channel/id" of each fresh post and of each origin a fresh post forwards → that post. */
    private final Map<String, Long> links = new HashMap<>();

    /** The signature of a text's terms, or null when the text is too short to compare. */
    static Signature signature(int[] terms) {
        return signature(terms, new int[0]);
    }

    /** The signature of a text's terms and the terms of its names, or null when the text is too short to compare. */
    static Signature signature(int[] terms, int[] names) {
        if (terms.length < SHINGLE) return null;
        int n = terms.length - SHINGLE + 1;
        long[] shingles = new long[n];
        for (int i = 0; i < n; i++) {
            long h = 0x9E3779B97F4A7C15L;
            for (int j = 0; j < SHINGLE; j++) h = (h ^ terms[i + j]) * 0xBF58476D1CE4E5B9L;
            shingles[i] = h;
        }
        Arrays.sort(shingles);
        int distinct = 0;
        for (int i = 0; i < n; i++) if (distinct == 0 || shingles[i] != shingles[distinct - 1]) shingles[distinct++] = shingles[i];
        if (distinct < MIN_SHINGLES) return null;
        int[] sig = new int[HASHES];
        Arrays.fill(sig, Integer.MAX_VALUE);
        for (int i = 0; i < distinct; i++) {
            long s = shingles[i];
            // multiply-shift: the high bits of (shingle hash × odd seed) are one of 64 universal hashes; one multiply
            // per value and a loop C2 can unroll (this runs for every new post)
            for (int k = 0; k < HASHES; k++) {
                int v = (int) ((s * SEEDS[k]) >>> 33);
                if (v < sig[k]) sig[k] = v;
            }
        }
        int numbers = 0;
        for (int t : terms) if (Terms.isNumber(t)) numbers++;
        int[] nums = new int[numbers];
        numbers = 0;
        for (int t : terms) if (Terms.isNumber(t)) nums[numbers++] = t;
        return new Signature(sig, distinct, Terms.sorted(nums), Terms.sorted(names));
    }

    /** Estimated Jaccard similarity of two signatures. */
    static double jaccard(Signature a, Signature b) {
        int same = 0;
        for (int k = 0; k < HASHES; k++) if (a.minHash()[k] == b.minHash()[k]) same++;
        return same / (double) HASHES;
    }

    /** Whether two signatures are of the same story. */
    static boolean same(Signature a, Signature b) {
        // the same template with other facts (a rate, a score, a date): each has a number the other lacks
        if (ownNumber(a.numbers(), b.numbers()) && ownNumber(b.numbers(), a.numbers())) return false;
        // …or other people, teams, places: each names someone the other does not
        if (ownNumber(a.names(), b.names()) && ownNumber(b.names(), a.names())) return false;
        double j = jaccard(a, b);
        if (j >= JACCARD) return true;
        // |A ∩ B| from the Jaccard estimate; a cut or an added paragraph keeps the smaller one almost inside the larger
        double common = j / (1 + j) * (a.shingles() + b.shingles());
        int smaller = Math.min(a.shingles(), b.shingles());
        return smaller >= 2 * MIN_SHINGLES && common / smaller >= CONTAINMENT;
    }

    /** Whether {@code a} holds a number that {@code b} does not (both sorted). */
    private static boolean ownNumber(int[] a, int[] b) {
        for (int x : a) if (java.util.Arrays.binarySearch(b, x) < 0) return true;
        return false;
    }

    /**
     * Adds a post and returns its group: the group of an earlier post telling the same story, or the post's own id.
     * A post seen before keeps its group.
     */
    long add(long post, int[] terms) {
        return add(post, terms, new int[0], null, null);
    }

    /**
     * {@link #add(long, int[])} for a post with its own link and the link of the post it forwards (either may be null,
     * see {@link #linkKey}): a forward of a fresh post, or of the same origin as an earlier forward, joins that post's
     * group whatever its text (a forwarded photo has none).
     */
    long add(long post, int[] terms, int[] names, String self, String origin) {
        Long known = groups.get(post);
        if (self != null) links.put(self, post);
        long group = known != null ? known : post;
        if (group == post && origin != null) {
            Long first = links.putIfAbsent(origin, post);
            if (first != null && first != post) group = group(first);
        }
        Signature sig = signature(terms, names);
        if (sig == null) {
            if (group != post) groups.put(post, group);
            return group;
        }
        double best = -1;
        boolean decided = group != post; // a group restored, known before, or of the forwarded post stays
        long[] keys = new long[BANDS];
        for (int b = 0; b < BANDS; b++) {
            keys[b] = ((long) b << 58) ^ ((long) sig.minHash()[2 * b] << 29) ^ sig.minHash()[2 * b + 1];
            if (decided) continue;
            Long other = bands.get(keys[b]);
            if (other == null || other == post) continue;
            Signature o = signatures.get(other);
            if (o == null || !same(sig, o)) continue;
            double j = jaccard(sig, o);
            if (j > best) {
                best = j;
                group = groups.getOrDefault(other, other);
            }
        }
        signatures.put(post, sig);
        for (long k : keys) bands.put(k, post);
        if (group != post) groups.put(post, group);
        return group;
    }

    /** The group of a post: its own id unless it repeats an earlier one. */
    long group(long post) {
        return groups.getOrDefault(post, post);
    }

    boolean any() {
        return !groups.isEmpty();
    }

    void prune(LongPredicate keep) {
        signatures.keySet().removeIf(id -> !keep.test(id));
        groups.keySet().removeIf(id -> !keep.test(id));
        bands.values().removeIf(id -> !keep.test(id));
        links.values().removeIf(id -> !keep.test(id));
    }

    /** Sets a post's group as stored earlier (before the post is added at start-up), so a restart keeps it. */
    void restore(long post, long group) {
        if (group != post) groups.put(post, group);
    }

    /** "channel/id" (channel in lower case) of a t.me post link, or null for anything else. */
    static String linkKey(String url) {
        if (url == null) return null;
        int at = url.indexOf("t.me/");
        if (at < 0) return null;
        int start = at + 5;
        if (url.startsWith("s/", start)) start += 2;
        int slash = url.indexOf('/', start);
        if (slash <= start) return null;
        int end = slash + 1;
        while (end < url.length() && Character.isDigit(url.charAt(end))) end++;
        if (end == slash + 1) return null;
        return url.substring(start, slash).toLowerCase(java.util.Locale.ROOT) + "/" + url.substring(slash + 1, end);
    }
}
