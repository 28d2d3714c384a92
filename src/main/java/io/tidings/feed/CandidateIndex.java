package io.tidings.feed;

import io.tidings.model.serve.FastScorer;
import io.tidings.util.LongIntMap;
import io.tidings.model.TrainedModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongPredicate;

/**
 * Every indexed reader's best unseen fresh posts, kept as they arrive: a new post is scored against all
 * readers at once with the fast path ({@code hu} precomputed per reader and model version, {@code hp} per
 * post) and enters the bounded top-{@code k} of each reader it beats. Picking then costs O(k) per reader,
 * so planning a mailing is O(readers), not O(readers × pool).
 *
 * <p>Memory is a few primitive arrays: per reader {@code k} post ids and scores, a count, a floor and a
 * minimum, plus the reader's {@code hu} row (100 k readers, k = 32, hidden 70: about 70 MB). The floor is
 * the best score ever left out of a reader's set; every post outside the set scores at most the floor, so
 * a pick from the set is exact unless penalties push its best candidate below the floor: then, or when
 * the set runs dry, {@link #take} asks for a refill (the reader ranked against the whole pool).
 *
 * <p>Exploration: sets are ranked by a key, the score plus Gaussian noise of standard deviation
 * {@code noise} drawn once per (reader, post, model version) from a hash, so the set holds exactly the
 * posts a ranker adding fresh noise to the whole pool would pick first. Without it a reader's set fills
 * with the few posts of their one best-scoring channel and they see one channel a round: a new reader's
 * scores differ little across channels, and that is when exploring matters most.
 * The noise is wider where the model knows least: for a channel the reader rated {@code n} times its standard
 * deviation is {@code noise · (1 + boost / √(1 + n))}, so channels a reader never rated get tried, and ones
 * rated often are ranked on their score (the counts come with {@link #fill}, one map entry per rated pair).
 *
 * <p>A new model version is built beside the serving one ({@link #beginBuild}, {@link #fill},
 * {@link #finishBuild}); posts arriving meanwhile reach both; the swap is atomic. Methods take a lock and
 * do CPU work: call them on a scheduler that may block, never on an event loop.
 */
public final class CandidateIndex implements AutoCloseable {

    /** One model version to score with. */
    public record ModelVersion(long version, TrainedModel model) {}

    /** A picked candidate. */
    public record Pick(long postId, long channelId, float score) {}

    /** Result of {@link #take}: the picks, and whether the reader must be refilled first for an exact answer. */
    public record Taken(Pick[] picks, boolean refill) {
        static final Taken REFILL = new Taken(new Pick[0], true);
    }

    /** A new post that scored above the instant-push threshold for a reader who wants instant pushes. */
    public record Hit(long reader, long postId, float score) {}

    private static final int POST_CHUNK = 256;
    private static final int MERGE_CHUNK = 8192;
    private static final int MAX_HITS = 100_000;
    /** Standard normal draws, indexed by a hash: deterministic noise at the cost of a table lookup. */
    private static final float[] GAUSSIAN = gaussians(4096, 0x7d1e5L);
    /** 1 / √(1 + n) for a channel rated n times (the last entry stands for more). */
    private static final float[] UNRATED = new float[64];

    static {
        for (int n = 0; n < UNRATED.length; n++) UNRATED[n] = (float) (1 / Math.sqrt(1 + n));
    }

    private final FreshPool pool;
    private final java.util.function.Supplier<ModelVersion> models;
    private final int k;
    private final int threads;
    private final float noise;
    private final float boost;
    private final ExecutorService workers;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile Table table;
    private Table building; // guarded by lock
    private final List<FreshPool.Entry> pending = new ArrayList<>(); // guarded by lock: arrived during a build

    /** An index without exploration noise: sets hold the exact top-{@code k} by score. */
    public CandidateIndex(FreshPool pool, java.util.function.Supplier<ModelVersion> models, int k, int threads) {
        this(pool, models, k, threads, 0, 0);
    }

    /**
     * An index whose sets rank by score plus Gaussian noise of standard deviation {@code noise}, widened by
     * {@code boost} for channels the reader rated little (see the class comment).
     */
    public CandidateIndex(FreshPool pool, java.util.function.Supplier<ModelVersion> models, int k, int threads, double noise,
                          double boost) {
        if (!(noise >= 0) || noise > 1) throw new IllegalArgumentException("noise must be in 0..1: " + noise);
        if (!(boost >= 0) || boost > 100) throw new IllegalArgumentException("exploration boost must be in 0..100: " + boost);
        this.noise = (float) noise;
        this.boost = (float) boost;
        this.models = models;
        if (k < 1 || k > 127) throw new IllegalArgumentException("candidates per reader must be 1..127: " + k);
        this.pool = pool;
        this.k = k;
        this.threads = Math.max(1, threads);
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(this.threads, r -> {
            Thread t = new Thread(r, "candidates-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** The model version of the serving candidates, or -1 before the first build. */
    public long version() {
        Table t = table;
        return t == null ? -1 : t.version;
    }

    /** Readers with a candidate set. */
    public int readers() {
        Table t = table;
        return t == null ? 0 : t.size;
    }

    // ---- building --------------------------------------------------------------------------------

    /** Starts a table for {@code model}; the serving one keeps serving until {@link #finishBuild}. */
    public Object beginBuild(ModelVersion model, int expectedReaders) {
        Table t = new Table(model, k, Math.max(64, expectedReaders), noise, boost);
        lock.lock();
        try {
            building = t;
            pending.clear();
        } finally {
            lock.unlock();
        }
        return t;
    }

    /** {@link #fill(Object, long[], List, List)} without rating counts: every channel counts as never rated. */
    public void fill(Object target, long[] readers, List<? extends Set<Long>> seen) {
        fill(target, readers, seen, null);
    }

    /**
     * Ranks {@code readers} against the whole pool into {@code target} (a build, or null for the serving
     * table: a refill), replacing their sets. {@code seen.get(i)} are posts never to offer {@code readers[i]};
     * {@code rated.get(i)}, when given, counts {@code readers[i]}'s votes per channel (for the exploration noise).
     */
    public void fill(Object target, long[] readers, List<? extends Set<Long>> seen, List<? extends java.util.Map<Long, Integer>> rated) {
        if (readers.length == 0) return;
        Table t = target == null ? serving() : (Table) target;
        FreshPool.Snapshot snap = pool.snapshot();
        PoolHidden ph = t.poolHidden(snap);
        FastScorer.ReaderMatrix m = t.scorer.readers(readers);
        int[] slots = new int[readers.length];
        lock.lock();
        try {
            for (int i = 0; i < readers.length; i++) {
                slots[i] = t.register(readers[i], m.get(i));
                t.reset(slots[i]);
                int slot = slots[i];
                if (rated != null) rated.get(i).forEach((channel, n) -> t.rated(slot, channel, n));
            }
        } finally {
            lock.unlock();
        }
        int h = t.scorer.hidden();
        int n = snap.size();
        float[] out = new float[Math.min(POST_CHUNK, Math.max(1, n)) * m.readers()];
        for (int from = 0; from < n; from += POST_CHUNK) {
            int c = Math.min(POST_CHUNK, n - from);
            float[] hp = Arrays.copyOfRange(ph.hp, from * h, (from + c) * h);
            t.scorer.score(m, hp, c, out, workers, threads);
            lock.lock();
            try {
                for (int i = 0; i < readers.length; i++) {
                    Set<Long> s = seen.get(i);
                    for (int p = 0; p < c; p++) {
                        t.offer(slots[i], snap.postIds()[from + p], snap.channelIds()[from + p], out[p * m.readers() + i], s);
                    }
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** The serving table, created for the current model when there is none yet (readers are then refilled one by one). */
    private Table serving() {
        Table t = table;
        if (t != null) return t;
        Table fresh = new Table(models.get(), k, 1024, noise, boost);
        lock.lock();
        try {
            if (table == null) table = fresh;
            return table;
        } finally {
            lock.unlock();
        }
    }

    /** Scores the posts that arrived during the build with its model, then makes it the serving table. */
    public void finishBuild(Object target) {
        Table t = (Table) target;
        while (true) {
            List<FreshPool.Entry> late;
            lock.lock();
            try {
                if (building != t) return; // aborted or superseded
                if (pending.isEmpty()) {
                    table = t;
                    building = null;
                    return;
                }
                late = new ArrayList<>(pending);
                pending.clear();
            } finally {
                lock.unlock();
            }
            score(t, late, Float.POSITIVE_INFINITY, r -> false, null);
        }
    }

    public void abortBuild(Object target) {
        lock.lock();
        try {
            if (building == target) {
                building = null;
                pending.clear();
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- new posts -------------------------------------------------------------------------------

    /**
     * Offers new posts to every indexed reader. Returns the (reader, post) pairs scoring at least
     * {@code instantThreshold} for readers {@code wantsInstant} accepts (at most 100 k per call).
     */
    public List<Hit> addPosts(List<FreshPool.Entry> posts, float instantThreshold, LongPredicate wantsInstant) {
        Table t;
        lock.lock();
        try {
            t = table;
            if (building != null) pending.addAll(posts);
        } finally {
            lock.unlock();
        }
        if (t == null || posts.isEmpty()) return List.of();
        List<Hit> hits = new ArrayList<>();
        score(t, posts, instantThreshold, wantsInstant, hits);
        return hits;
    }

    private void score(Table t, List<FreshPool.Entry> posts, float threshold, LongPredicate wantsInstant, List<Hit> hits) {
        int size;
        FastScorer.ReaderMatrix m;
        lock.lock();
        try {
            size = t.size;
            m = t.hu;
        } finally {
            lock.unlock();
        }
        if (size == 0) return;
        for (int from = 0; from < posts.size(); from += POST_CHUNK) {
            List<FreshPool.Entry> chunk = posts.subList(from, Math.min(posts.size(), from + POST_CHUNK));
            int c = chunk.size();
            long[] ids = new long[c];
            long[] channels = new long[c];
            for (int i = 0; i < c; i++) {
                ids[i] = chunk.get(i).postId();
                channels[i] = chunk.get(i).channelId();
            }
            float[] hp = t.scorer.postHidden(channels, ids);
            float[] out = new float[c * m.readers()];
            t.scorer.score(m, hp, c, out, workers, threads);
            int readers = m.readers();
            for (int r0 = 0; r0 < size; r0 += MERGE_CHUNK) {
                int r1 = Math.min(size, r0 + MERGE_CHUNK);
                lock.lock();
                try {
                    for (int r = r0; r < r1; r++) {
                        for (int p = 0; p < c; p++) {
                            float s = out[p * readers + r];
                            t.offer(r, ids[p], channels[p], s, null);
                            if (s >= threshold && hits != null && hits.size() < MAX_HITS && wantsInstant.test(t.ids[r])) {
                                hits.add(new Hit(t.ids[r], ids[p], s));
                            }
                        }
                    }
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    // ---- picking ---------------------------------------------------------------------------------

    /**
     * Takes the reader's best {@code n} candidates (score times the channel's penalty factor, plus the
     * post's exploration noise) out of their set. With {@code exact}, asks for a refill instead when the
     * reader has no set, or when a post outside the set might beat what is left.
     */
    public Taken take(long reader, int n, ReaderPreferences prefs, boolean exact) {
        lock.lock();
        try {
            Table t = table;
            if (t == null) return Taken.REFILL;
            int s = t.slotOf(reader);
            if (s < 0) return Taken.REFILL;
            int base = s * k;
            for (int j = 0; j < t.count[s]; j++) {
                long post = t.posts[base + j];
                // gone from the pool, or muted or filtered out since it entered the set
                if (!pool.contains(post) || !prefs.admits(reader, post, pool.channelOf(post))) t.removeAt(s, j--);
            }
            int m = t.count[s];
            boolean outsideExists = t.floor[s] > Float.NEGATIVE_INFINITY;
            if (exact && outsideExists && m < n) return Taken.REFILL;
            if (m == 0) return new Taken(new Pick[0], false);
            long[] channels = new long[m];
            float[] key = new float[m];
            float bestAdjusted = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < m; j++) {
                channels[j] = pool.channelOf(t.posts[base + j]);
                // a penalty factor is at most 1 and scores are not negative, so the adjusted key never rises
                float score = t.scores[base + j];
                key[j] = score * prefs.channelFactor(reader, channels[j]) + (t.keys[base + j] - score);
                bestAdjusted = Math.max(bestAdjusted, key[j]);
            }
            if (exact && outsideExists && bestAdjusted < t.floor[s]) return Taken.REFILL;
            int take = Math.min(n, m);
            Pick[] picks = new Pick[take];
            long[] ids = new long[m];
            System.arraycopy(t.posts, base, ids, 0, m);
            float[] scores = Arrays.copyOfRange(t.scores, base, base + m);
            boolean[] used = new boolean[m];
            for (int i = 0; i < take; i++) {
                int best = -1;
                for (int j = 0; j < m; j++) {
                    if (!used[j] && (best < 0 || key[j] > key[best])) best = j;
                }
                used[best] = true;
                picks[i] = new Pick(ids[best], channels[best], scores[best]);
            }
            for (Pick p : picks) t.remove(s, p.postId());
            return new Taken(picks, false);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Empties the reader's set and marks it as needing a refill: their mutes or filters changed, so posts kept out
     * before may be wanted now (and the set may hold posts kept out now).
     */
    public void invalidate(long reader) {
        lock.lock();
        try {
            Table t = table;
            int s = t == null ? -1 : t.slotOf(reader);
            if (s >= 0) {
                t.reset(s);
                t.floor[s] = Float.POSITIVE_INFINITY;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Forgets one candidate (it was delivered some other way). */
    public void forget(long reader, long post) {
        lock.lock();
        try {
            Table t = table;
            int s = t == null ? -1 : t.slotOf(reader);
            if (s >= 0) t.remove(s, post);
        } finally {
            lock.unlock();
        }
    }

    /** The reader's candidates as (post, score) pairs, best key (score plus noise) first: for tests and diagnostics. */
    public Pick[] peek(long reader) {
        lock.lock();
        try {
            Table t = table;
            int s = t == null ? -1 : t.slotOf(reader);
            if (s < 0) return new Pick[0];
            int base = s * k;
            Integer[] order = new Integer[t.count[s]];
            for (int j = 0; j < order.length; j++) order[j] = j;
            Arrays.sort(order, (a, b) -> Float.compare(t.keys[base + b], t.keys[base + a]));
            Pick[] out = new Pick[order.length];
            for (int j = 0; j < out.length; j++) {
                long post = t.posts[base + order[j]];
                out[j] = new Pick(post, pool.channelOf(post), t.scores[base + order[j]]);
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }

    private static float[] gaussians(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            double u = 1.0 - r.nextDouble();
            out[i] = (float) (Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble()));
        }
        return out;
    }

    /** The exploration noise of (reader, post) under one model version: {@code sigma} times a standard normal draw. */
    static float noise(float sigma, long reader, long post, long version) {
        if (sigma == 0) return 0;
        long h = reader * 0x9E3779B97F4A7C15L + post * 0xC2B2AE3D27D4EB4FL + version * 0x165667B19E3779F9L;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        return sigma * GAUSSIAN[(int) (h & (GAUSSIAN.length - 1))];
    }

    /** {@code hp} rows of one pool snapshot for one model version; rows of posts seen before are reused. */
    private record PoolHidden(FreshPool.Snapshot snap, float[] hp, LongIntMap rowOf) {}

    /** The candidate sets of one model version, in primitive arrays indexed by reader slot. */
    private static final class Table {
        final long version;
        final FastScorer scorer;
        final int k;
        final int hidden;
        final float noise;
        final float boost;
        final LongIntMap slots;
        final LongIntMap rated = new LongIntMap(1024); // (slot, channel) → the reader's votes in the channel
        long[] ids;
        int size;
        FastScorer.ReaderMatrix hu;
        long[] posts;
        float[] scores;
        float[] keys; // score plus exploration noise: the order of the set
        byte[] count;
        float[] floor;
        float[] min;
        volatile PoolHidden poolHidden;

        Table(ModelVersion model, int k, int capacity, float noise, float boost) {
            this.version = model.version();
            this.noise = noise;
            this.boost = boost;
            this.scorer = new FastScorer(model.model());
            this.k = k;
            this.hidden = scorer.hidden();
            this.slots = new LongIntMap(capacity);
            allocate(capacity);
        }

        private void allocate(int capacity) {
            ids = ids == null ? new long[capacity] : Arrays.copyOf(ids, capacity);
            posts = posts == null ? new long[capacity * k] : Arrays.copyOf(posts, capacity * k);
            scores = scores == null ? new float[capacity * k] : Arrays.copyOf(scores, capacity * k);
            keys = keys == null ? new float[capacity * k] : Arrays.copyOf(keys, capacity * k);
            count = count == null ? new byte[capacity] : Arrays.copyOf(count, capacity);
            int old = floor == null ? 0 : floor.length;
            floor = floor == null ? new float[capacity] : Arrays.copyOf(floor, capacity);
            min = min == null ? new float[capacity] : Arrays.copyOf(min, capacity);
            Arrays.fill(floor, old, capacity, Float.NEGATIVE_INFINITY);
            Arrays.fill(min, old, capacity, Float.NEGATIVE_INFINITY);
            FastScorer.ReaderMatrix grown = new FastScorer.ReaderMatrix(capacity, hidden);
            for (int r = 0; r < size; r++) grown.set(r, hu.get(r));
            hu = grown;
        }

        int slotOf(long reader) {
            return slots.get(reader);
        }

        /** The reader's slot, created (with its {@code hu} row) when new. */
        int register(long reader, float[] huRow) {
            int s = slots.get(reader);
            if (s >= 0) return s;
            if (size == ids.length) allocate(size + Math.max(64, size / 4));
            s = size++;
            ids[s] = reader;
            hu.set(s, huRow);
            slots.put(reader, s);
            return s;
        }

        void reset(int s) {
            count[s] = 0;
            floor[s] = Float.NEGATIVE_INFINITY;
            min[s] = Float.NEGATIVE_INFINITY;
        }

        void rated(int s, long channel, int votes) {
            if (boost > 0 && channel >= 0 && channel < 1L << 32) rated.put(pairKey(s, channel), votes);
        }

        /** The noise's standard deviation for slot {@code s} and {@code channel}: wider for channels rated less. */
        float sigma(int s, long channel) {
            if (boost == 0 || noise == 0) return noise;
            int n = channel >= 0 && channel < 1L << 32 ? rated.get(pairKey(s, channel)) : -1;
            return noise * (1 + boost * UNRATED[Math.max(0, Math.min(n, UNRATED.length - 1))]);
        }

        private static long pairKey(int s, long channel) {
            return ((long) s << 32) | channel;
        }

        /** Offers a post to reader slot {@code s}; {@code min} and {@code floor} are keys, not scores. */
        void offer(int s, long post, long channel, float score, Set<Long> seen) {
            int base = s * k;
            int n = count[s];
            float key = score + CandidateIndex.noise(sigma(s, channel), ids[s], post, version);
            if (n == k && key <= min[s]) {
                if (key > floor[s]) floor[s] = key;
                return;
            }
            for (int j = 0; j < n; j++) {
                if (posts[base + j] == post) return;
            }
            if (seen != null && seen.contains(post)) return;
            if (n < k) {
                posts[base + n] = post;
                scores[base + n] = score;
                keys[base + n] = key;
                count[s] = (byte) (n + 1);
                if (n + 1 == k) min[s] = minOf(base);
                return;
            }
            int worst = base;
            for (int j = base + 1; j < base + k; j++) {
                if (keys[j] < keys[worst]) worst = j;
            }
            if (keys[worst] > floor[s]) floor[s] = keys[worst];
            posts[worst] = post;
            scores[worst] = score;
            keys[worst] = key;
            min[s] = minOf(base);
        }

        private float minOf(int base) {
            float m = Float.POSITIVE_INFINITY;
            for (int j = base; j < base + k; j++) m = Math.min(m, keys[j]);
            return m;
        }

        void remove(int s, long post) {
            for (int j = 0; j < count[s]; j++) {
                if (posts[s * k + j] == post) {
                    removeAt(s, j);
                    return;
                }
            }
        }

        void removeAt(int s, int j) {
            int base = s * k;
            int last = count[s] - 1;
            posts[base + j] = posts[base + last];
            scores[base + j] = scores[base + last];
            keys[base + j] = keys[base + last];
            count[s] = (byte) last;
            min[s] = Float.NEGATIVE_INFINITY; // no longer full
        }

        PoolHidden poolHidden(FreshPool.Snapshot snap) {
            PoolHidden old = poolHidden;
            if (old != null && old.snap() == snap) return old;
            int n = snap.size();
            float[] hp = new float[n * hidden];
            LongIntMap rowOf = new LongIntMap(n);
            int missing = 0;
            int[] missingAt = new int[n];
            for (int i = 0; i < n; i++) {
                long post = snap.postIds()[i];
                rowOf.put(post, i);
                int row = old == null ? -1 : old.rowOf().get(post);
                if (row >= 0) System.arraycopy(old.hp(), row * hidden, hp, i * hidden, hidden);
                else missingAt[missing++] = i;
            }
            if (missing > 0) {
                long[] ps = new long[missing];
                long[] cs = new long[missing];
                for (int j = 0; j < missing; j++) {
                    ps[j] = snap.postIds()[missingAt[j]];
                    cs[j] = snap.channelIds()[missingAt[j]];
                }
                float[] computed = scorer.postHidden(cs, ps);
                for (int j = 0; j < missing; j++) {
                    System.arraycopy(computed, j * hidden, hp, missingAt[j] * hidden, hidden);
                }
            }
            PoolHidden built = new PoolHidden(snap, hp, rowOf);
            poolHidden = built;
            return built;
        }
    }
}
