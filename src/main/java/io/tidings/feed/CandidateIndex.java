package io.tidings.feed;

import io.tidings.model.Network;
import io.tidings.model.TrainedModel;
import io.tidings.model.serve.FastScorer;
import io.tidings.util.LongIntMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;
import java.util.function.LongPredicate;
import java.util.function.Supplier;

/**
 * Every indexed reader's best unseen fresh posts, kept as they arrive: a new post is scored against all readers
 * at once with the fast path ({@code hu} per reader and model version, {@code hp} per post) and enters the
 * bounded top-{@code k} of each reader it beats. Picking then costs O(k) per reader, so planning a mailing is
 * O(readers), not O(readers × pool).
 *
 * <p>Memory per reader, k = 32, hidden 70: 6 bytes a candidate ({@link CandidateSets}), 74 bytes of int8
 * {@code hu} ({@link ReaderRows}), the id, the slot and a few bytes of state: about 300 bytes, 0.3 GB for a
 * million readers. The floor of a set bounds every key left out of it, so a pick from the set is exact unless
 * penalties push its best candidate below the floor: then, or when the set runs dry, {@link #take} asks for a
 * refill (the reader ranked against the whole pool, see {@link PoolRanking}, which skips channels that cannot
 * enter).
 *
 * <p>Exploration: sets are ranked by a key, the score plus Gaussian noise drawn once per (reader, post, noise
 * seed), wider for channels the reader rated little ({@link ExplorationNoise}); the counts come with {@link #fill}.
 *
 * <p>A new model version ({@link #beginBuild}, {@link #fill} page by page, {@link #finishBuild}) moves readers
 * over in place, one unit at a time: each set is always exact for one version, the old one until its reader is
 * re-ranked, and new posts are scored for each reader with its own version. Only two versions live at once, and
 * the old one (its network, channel and post tables; never its reader table) is let go at {@link #finishBuild}.
 * A version with the very same network (an incremental training) re-ranks only readers whose row changed and
 * re-scores only posts whose row changed. Methods take locks and do CPU work: call them on a scheduler that may
 * block, never on an event loop.
 */
public final class CandidateIndex implements AutoCloseable {

    /** One model version to score with. */
    public record ModelVersion(long version, TrainedModel model) {}

    /**
     * A picked candidate; {@code explored}: an exploration pick, taken only thanks to the noise (ranked by score and
     * penalties alone, at least as many others of the set were ahead as were taken).
     */
    public record Pick(long postId, long channelId, float score, boolean explored) {
        public Pick(long postId, long channelId, float score) {
            this(postId, channelId, score, false);
        }
    }

    /** Result of {@link #take}: the picks, and whether the reader must be refilled first for an exact answer. */
    public record Taken(Pick[] picks, boolean refill) {
        static final Taken REFILL = new Taken(new Pick[0], true);
    }

    /** A new post that scored above the instant-push threshold for a reader who wants instant pushes. */
    public record Hit(long reader, long postId, float score) {}

    private static final int MAX_HITS = 100_000;
    private static final int TILE = FastScorer.TILE;

    private final FreshPool pool;
    private final Supplier<ModelVersion> models;
    private final int k;
    private final int threads;
    private final ExplorationNoise noise;
    private final ExecutorService workers;
    private final ThreadLocal<PoolRanking> rankings;
    private final ArrivalLog log = new ArrivalLog(1 << 16);
    /** Guards slots, blocks and generations; never held while scoring. */
    private final ReentrantLock lock = new ReentrantLock();
    private final LongIntMap slots = new LongIntMap(1024);
    private volatile ReaderBlock[] blocks = new ReaderBlock[0];
    private volatile int size;
    /** At most two live versions, by the index a slot's {@code gen} byte holds; replaced, never written. */
    private volatile Generation[] gens = new Generation[2];
    private volatile int current = -1;
    private volatile int target = -1;
    private volatile boolean prune = true;

    /** An index without exploration noise: sets hold the exact top-{@code k} by score. */
    public CandidateIndex(FreshPool pool, Supplier<ModelVersion> models, int k, int threads) {
        this(pool, models, k, threads, 0, 0);
    }

    /**
     * An index whose sets rank by score plus Gaussian noise of standard deviation {@code noise}, widened by
     * {@code boost} for channels the reader rated little (see {@link ExplorationNoise}).
     */
    public CandidateIndex(FreshPool pool, Supplier<ModelVersion> models, int k, int threads, double noise, double boost) {
        this.noise = new ExplorationNoise(noise, boost);
        if (k < 1 || k > 127) throw new IllegalArgumentException("candidates per reader must be 1..127: " + k);
        this.models = models;
        this.pool = pool;
        this.k = k;
        this.threads = Math.max(1, threads);
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(this.threads, r -> {
            Thread t = new Thread(r, "candidates-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.rankings = ThreadLocal.withInitial(() -> new PoolRanking(this.k, this.noise, 1));
    }

    /** The model version of the serving candidates, or -1 before the first build. */
    public long version() {
        int c = current;
        return c < 0 ? -1 : gens[c].version;
    }

    /** Readers with a slot. */
    public int readers() {
        return size;
    }

    /** Turns channel pruning off (the plain path: every pair scored), for tests that compare the two. */
    void pruning(boolean on) {
        prune = on;
    }

    // ---- building --------------------------------------------------------------------------------

    /**
     * Starts moving readers to {@code model}; sets of readers not moved yet keep serving. A build still running
     * is finished first (its readers not reached are refilled when next asked for).
     */
    public Object beginBuild(ModelVersion model, int expectedReaders) {
        lock.lock();
        try {
            if (target >= 0) finish(target);
            Generation cur = current >= 0 ? gens[current] : null;
            // the same version again (posts were dropped on arrival) is ranked in full
            boolean incremental = cur != null && cur.version != model.version() && cur.sameNetwork(model.model().network());
            Generation g = new Generation(model, incremental ? cur.seed : model.version());
            if (cur != null && cur.hidden() != g.hidden()) {
                dropAll(); // a new hidden size: no row carries over
                cur = null;
                current = -1;
                gens = new Generation[2];
            }
            if (incremental) g.diff(cur, pool.snapshot());
            g.startSeq = log.seq();
            if (cur != null) cur.retire();
            int gi = current >= 0 ? 1 - current : 0;
            Generation[] next = gens.clone();
            next[gi] = g;
            gens = next;
            target = gi;
            return g;
        } finally {
            lock.unlock();
        }
    }

    /** Makes the build the serving version; readers it did not reach are refilled when next asked for. */
    public void finishBuild(Object build) {
        lock.lock();
        try {
            int gi = indexOf((Generation) build);
            if (gi >= 0 && gi == target) finish(gi);
        } finally {
            lock.unlock();
        }
    }

    /** A failed build ends like a finished one: the readers already moved keep their new sets, the others are refilled. */
    public void abortBuild(Object build) {
        finishBuild(build);
    }

    private void finish(int gi) {
        for (ReaderBlock b : blocks) {
            b.lock.lock();
            try {
                for (int s = 0; s < ReaderBlock.SIZE; s++) if (b.gen[s] != gi && b.gen[s] != ReaderBlock.NONE) b.drop(s);
            } finally {
                b.lock.unlock();
            }
        }
        Generation[] next = new Generation[2];
        next[gi] = gens[gi];
        next[gi].parent = null;
        // every reader it reached has its int8 row in the index now: the float reader table can go
        next[gi].retire();
        gens = next;
        current = gi;
        target = -1;
    }

    private void dropAll() {
        for (ReaderBlock b : blocks) {
            b.lock.lock();
            try {
                for (int s = 0; s < ReaderBlock.SIZE; s++) b.drop(s);
            } finally {
                b.lock.unlock();
            }
        }
    }

    private int indexOf(Generation g) {
        Generation[] gs = gens;
        for (int i = 0; i < gs.length; i++) if (gs[i] == g && g != null) return i;
        return -1;
    }

    /** The version readers are ranked with: the build's, else the serving one, else the current model's. */
    private Generation ranking() {
        lock.lock();
        try {
            if (target >= 0) return gens[target];
            if (current >= 0) return gens[current];
            ModelVersion mv = models.get();
            Generation g = new Generation(mv, mv.version());
            Generation[] next = new Generation[2];
            next[0] = g;
            gens = next;
            current = 0;
            return g;
        } finally {
            lock.unlock();
        }
    }

    /** {@link #fill(Object, long[], List, List)} without rating counts: every channel counts as never rated. */
    public void fill(Object target, long[] readers, List<? extends Set<Long>> seen) {
        fill(target, readers, seen, null);
    }

    /**
     * Ranks {@code readers} against the whole pool with the build {@code target} (or, null, the serving version:
     * a refill), replacing their sets. {@code seen.get(i)} are posts never to offer {@code readers[i]};
     * {@code rated.get(i)}, when given, counts {@code readers[i]}'s votes per channel (for the exploration noise).
     * In a build of an incremental version, readers whose row did not change keep their sets with only the
     * changed posts scored again.
     */
    @SuppressWarnings("unchecked")
    public void fill(Object target, long[] readers, List<? extends Set<Long>> seen, List<? extends Map<Long, Integer>> rated) {
        if (readers.length == 0) return;
        Generation g = target == null ? ranking() : (Generation) target;
        int gi = indexOf(g);
        if (gi < 0) return; // superseded
        int[] sl = register(readers, g.hidden());
        FreshPool.Snapshot snap = pool.snapshot();
        long seq0 = log.seq();
        PostHidden ph = g.hidden(snap);
        boolean carry = target != null && g.parent != null;
        int units = (readers.length + PoolRanking.UNIT - 1) / PoolRanking.UNIT;
        // with carry: readers whose row did not change move over; the others are ranked after, in full units
        boolean[] later = carry ? new boolean[readers.length] : null;
        parallel(units, u -> {
            int from = u * PoolRanking.UNIT;
            int n = Math.min(PoolRanking.UNIT, readers.length - from);
            Set<Long>[] s = new Set[n];
            Map<Long, Integer>[] r = new Map[n];
            for (int i = 0; i < n; i++) {
                s[i] = seen.get(from + i);
                r[i] = rated == null ? null : rated.get(from + i);
            }
            boolean[] left = unit(g, gi, ph, Arrays.copyOfRange(readers, from, from + n), Arrays.copyOfRange(sl, from, from + n), s, r,
                    seq0, carry);
            if (left != null) System.arraycopy(left, 0, later, from, n);
        });
        if (!carry) return;
        int left = 0;
        for (boolean x : later) if (x) left++;
        if (left == 0) return;
        int m = left;
        long[] ids = new long[m];
        int[] msl = new int[m];
        List<Set<Long>> mseen = new ArrayList<>(m);
        List<Map<Long, Integer>> mrated = rated == null ? null : new ArrayList<>(m);
        for (int i = 0, j = 0; i < readers.length; i++) {
            if (!later[i]) continue;
            ids[j] = readers[i];
            msl[j++] = sl[i];
            mseen.add(seen.get(i));
            if (mrated != null) mrated.add(rated.get(i));
        }
        int rankUnits = (m + PoolRanking.UNIT - 1) / PoolRanking.UNIT;
        parallel(rankUnits, u -> {
            int from = u * PoolRanking.UNIT;
            int n = Math.min(PoolRanking.UNIT, m - from);
            Set<Long>[] s = new Set[n];
            Map<Long, Integer>[] r = new Map[n];
            for (int i = 0; i < n; i++) {
                s[i] = mseen.get(from + i);
                r[i] = mrated == null ? null : mrated.get(from + i);
            }
            unit(g, gi, ph, Arrays.copyOfRange(ids, from, from + n), Arrays.copyOfRange(msl, from, from + n), s, r, seq0, false);
        });
    }

    private int[] register(long[] readers, int hidden) {
        int[] out = new int[readers.length];
        lock.lock();
        try {
            for (int i = 0; i < readers.length; i++) {
                int s = slots.get(readers[i]);
                if (s < 0) {
                    s = size;
                    if (s >> ReaderBlock.SHIFT >= blocks.length) {
                        ReaderBlock[] grown = Arrays.copyOf(blocks, blocks.length + 1);
                        grown[blocks.length] = new ReaderBlock(k, hidden);
                        blocks = grown;
                    }
                    blocks[s >> ReaderBlock.SHIFT].ids[s & (ReaderBlock.SIZE - 1)] = readers[i];
                    slots.put(readers[i], s);
                    size = s + 1;
                }
                out[i] = s;
            }
        } finally {
            lock.unlock();
        }
        return out;
    }

    /**
     * Ranks one unit of readers and installs their sets and rows; with {@code carry}, moves over only the readers
     * whose row did not change and returns which readers are left to rank (their row changed, or their set fell
     * under half), so that the caller ranks those together in full units: a unit of a few readers costs nearly
     * what a full one does (every channel's bound and every scored channel take whole tiles of readers).
     */
    private boolean[] unit(Generation g, int gi, PostHidden ph, long[] ids, int[] sl, Set<Long>[] seen, Map<Long, Integer>[] rated,
                           long seq0, boolean carry) {
        PoolRanking pr = rankings.get();
        pr.ensureHidden(g.hidden());
        int n = ids.length;
        int h = g.hidden();
        float[][] hu = new float[n][h];
        float[] u = new float[g.readerDim()];
        boolean[] stored = g.hasReaders() ? null : storedRows(g, gi, pr, sl);
        TrainedModel source = stored == null ? null : rowSource(g);
        for (int i = 0; i < n; i++) if (stored == null || !stored[i]) readerHidden(g, source, ids[i], u, hu[i]);
        if (!carry) {
            for (int i = 0; i < n; i++) if (stored == null || !stored[i]) pr.rows.set(i, hu[i]);
            long s0 = pr.scored, k0 = pr.skipped;
            pr.rank(g, ph, ids, n, seen, rated, prune);
            rankedReaders.add(n);
            scored.add(pr.scored - s0);
            skipped.add(pr.skipped - k0);
            install(g, gi, pr, ids, sl, seen, rated, seq0);
            return null;
        }
        boolean[] later = new boolean[n];
        int carries = 0;
        int parent = indexOf(g.parent);
        for (int i = 0; i < n; i++) {
            pr.rows.set(0, hu[i]);
            ReaderBlock b = blocks[sl[i] >> ReaderBlock.SHIFT];
            int local = sl[i] & (ReaderBlock.SIZE - 1);
            b.lock.lock();
            try {
                later[i] = !(parent >= 0 && b.gen[local] == parent && b.rows.hidden == h && b.rows.sameRow(local, pr.rows, 0));
            } finally {
                b.lock.unlock();
            }
            if (!later[i]) carries++;
        }
        if (carries > 0) {
            long[] cid = new long[carries];
            int[] csl = new int[carries];
            Set<Long>[] cseen = new Set[carries];
            int[] at = new int[carries];
            for (int i = 0, j = 0; i < n; i++) {
                if (later[i]) continue;
                cid[j] = ids[i];
                csl[j] = sl[i];
                cseen[j] = seen[i];
                at[j] = i;
                pr.rows.set(j++, hu[i]);
            }
            long s0 = pr.scored, k0 = pr.skipped;
            boolean[] redo = carryOver(g, gi, pr, cid, csl, cseen);
            int r = 0;
            for (int j = 0; j < carries; j++) {
                if (redo[j]) {
                    later[at[j]] = true;
                    r++;
                }
            }
            carriedReaders.add(carries - r);
            scored.add(pr.scored - s0);
            skipped.add(pr.skipped - k0);
        }
        return later;
    }

    /**
     * After its build a version no longer holds its reader table: a reader it ranked is ranked again (a refill) from
     * its own int8 row in the index, the very row the build ranked with. Marks which of {@code sl} were copied into
     * {@code pr.rows} that way.
     */
    private boolean[] storedRows(Generation g, int gi, PoolRanking pr, int[] sl) {
        boolean[] out = new boolean[sl.length];
        for (int i = 0; i < sl.length; i++) {
            ReaderBlock b = blocks[sl[i] >> ReaderBlock.SHIFT];
            int local = sl[i] & (ReaderBlock.SIZE - 1);
            b.lock.lock();
            try {
                if (b.gen[local] == gi && b.rows.hidden == g.hidden()) {
                    pr.rows.copy(b.rows, local, i);
                    out[i] = true;
                }
            } finally {
                b.lock.unlock();
            }
        }
        return out;
    }

    /**
     * Where a version that let its reader table go takes the row of a reader it has none of in the index (new, or left
     * behind by a swap): the model now served ({@code models}) when it is this version or one with the very same network
     * (an increment: its rows are this version's, newer), else none (a model of another network waits for its build).
     */
    private TrainedModel rowSource(Generation g) {
        ModelVersion mv = models.get();
        if (mv == null) return null;
        return mv.version() == g.version || g.sameNetwork(mv.model().network()) ? mv.model() : null;
    }

    /**
     * {@code hu} of a reader the version has no row of in the index: from the version's reader table while it holds one,
     * else from {@code source} ({@link #rowSource}), else a neutral reader (all zeros) until the next build moves them.
     */
    private static void readerHidden(Generation g, TrainedModel source, long reader, float[] u, float[] hu) {
        if (g.hasReaders()) {
            g.readerHidden(reader, u, hu);
        } else if (source != null) {
            g.readerHidden(source, reader, u, hu);
        } else {
            Arrays.fill(u, 0f);
            g.net.readerPart(u, 0, hu, 0);
        }
    }

    /** Installs ranked sets, offering first the posts that arrived since the ranking's snapshot. */
    private void install(Generation g, int gi, PoolRanking pr, long[] ids, int[] sl, Set<Long>[] seen, Map<Long, Integer>[] rated,
                         long seq0) {
        List<FreshPool.Entry> late = log.since(seq0);
        float[] lateHp = hiddenOf(g, late);
        long lateEnd = seq0 + late.size();
        for (int i = 0; i < ids.length; i++) {
            ReaderBlock b = blocks[sl[i] >> ReaderBlock.SHIFT];
            int local = sl[i] & (ReaderBlock.SIZE - 1);
            float[] hu = pr.rows.get(i);
            b.lock.lock();
            try {
                if (rated[i] != null) rated[i].forEach((channel, votes) -> b.rated(local, channel, votes));
                offerLate(g, pr.sets, i, ids[i], hu, late, lateHp, b, local, seen[i]);
                List<FreshPool.Entry> later = log.since(lateEnd);
                if (!later.isEmpty()) offerLate(g, pr.sets, i, ids[i], hu, later, hiddenOf(g, later), b, local, seen[i]);
                if (b.rows.hidden != pr.rows.hidden) b.rows = new ReaderRows(ReaderBlock.SIZE, pr.rows.hidden);
                b.rows.copy(pr.rows, i, local);
                b.sets.copy(pr.sets, i, local);
                b.gen[local] = (byte) gi;
            } finally {
                b.lock.unlock();
            }
        }
    }

    private void offerLate(Generation g, CandidateSets sets, int i, long reader, float[] hu, List<FreshPool.Entry> late, float[] hp,
                           ReaderBlock b, int local, Set<Long> seen) {
        for (int p = 0; p < late.size(); p++) {
            FreshPool.Entry e = late.get(p);
            if (!CandidateSets.fits(e.postId())) continue;
            float sigma = noise.sigma(b.votes(local, e.channelId()));
            float score = pair(g.net, hu, hp, p * g.hidden());
            sets.offer(i, e.postId(), score + ExplorationNoise.draw(sigma, reader, e.postId(), g.seed), seen);
        }
    }

    private static float[] hiddenOf(Generation g, List<FreshPool.Entry> posts) {
        if (posts.isEmpty()) return new float[0];
        long[] ids = new long[posts.size()];
        long[] chs = new long[posts.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = posts.get(i).postId();
            chs[i] = posts.get(i).channelId();
        }
        return g.scorer.postHidden(chs, ids);
    }

    /** One pair by the fast path in plain Java (the same sums as the kernels, up to the last bit of the sigmoid). */
    static float pair(Network net, float[] hu, float[] hp, int off) {
        float z2 = net.b2[0];
        for (int j = 0; j < net.hidden; j++) {
            float z = hu[j] + hp[off + j];
            if (z > 0) z2 = Math.fma(z, net.w2[j], z2);
        }
        return Network.sigmoid(z2);
    }

    /**
     * Moves readers whose row did not change to an incremental version: the posts whose rows changed (and those
     * that arrived since the build began) are taken out of their sets and offered again with their new scores, as
     * new posts are. Every other pair keeps its key (the same rows, network and noise seed), so the set stays the
     * exact top of the ranking, except that a changed post whose key fell below the floor (what was left out before
     * may beat it now) leaves the set instead of staying in it: the set is then the exact top {@code count}, which is
     * what {@link #take} needs, and new posts fill it up again. Returns the readers whose set fell under half of
     * {@code k} that way: they are ranked again against the whole pool.
     */
    private boolean[] carryOver(Generation g, int gi, PoolRanking pr, long[] ids, int[] sl, Set<Long>[] seen) {
        int n = ids.length;
        float[] floor0 = new float[n];
        List<FreshPool.Entry> late = log.since(g.startSeq);
        LongIntMap lateIds = new LongIntMap(Math.max(16, late.size()));
        for (int i = 0; i < late.size(); i++) lateIds.put(late.get(i).postId(), i);
        int h = g.hidden();
        int changed = g.changedPosts.length;
        long[] posts = Arrays.copyOf(g.changedPosts, changed + late.size());
        long[] channels = Arrays.copyOf(g.changedChannels, changed + late.size());
        float[] hp = Arrays.copyOf(g.changedHp, (changed + late.size()) * h);
        float[] lateHp = hiddenOf(g, late);
        for (int i = 0; i < late.size(); i++) {
            posts[changed + i] = late.get(i).postId();
            channels[changed + i] = late.get(i).channelId();
        }
        System.arraycopy(lateHp, 0, hp, changed * h, lateHp.length);
        int[] postShift = new int[posts.length];
        for (int p = 0; p < posts.length; p++) postShift[p] = ExplorationNoise.postShift(posts[p], g.seed);
        int[] readerShift = new int[n];
        for (int i = 0; i < n; i++) readerShift[i] = ExplorationNoise.readerShift(ids[i], g.seed);
        FastScorer.ReaderMatrix m = pr.matrix(false, n);
        pr.rows.dequantize(0, n, m);
        int stride = m.readers();
        for (int i = 0; i < n; i++) {
            ReaderBlock b = blocks[sl[i] >> ReaderBlock.SHIFT];
            int local = sl[i] & (ReaderBlock.SIZE - 1);
            b.lock.lock();
            try {
                CandidateSets sets = b.sets;
                floor0[i] = sets.floor[local];
                for (int j = 0; j < sets.count[local]; j++) {
                    long post = CandidateSets.post(sets.posts[local * k + j]);
                    if (g.changed.get(post) >= 0 || lateIds.get(post) >= 0) sets.removeAt(local, j--);
                }
                b.gen[local] = (byte) gi;
            } finally {
                b.lock.unlock();
            }
        }
        float widest = noise.widest() * ExplorationNoise.MAX + 1e-6f;
        for (int p0 = 0; p0 < posts.length; p0 += 256) {
            int cnt = Math.min(256, posts.length - p0);
            float[] out = pr.out(cnt * stride);
            g.scorer.score(m, Arrays.copyOfRange(hp, p0 * h, (p0 + cnt) * h), cnt, out);
            pr.scored += (long) cnt * n;
            for (int i = 0; i < n; i++) {
                ReaderBlock b = blocks[sl[i] >> ReaderBlock.SHIFT];
                int local = sl[i] & (ReaderBlock.SIZE - 1);
                b.lock.lock();
                try {
                    CandidateSets sets = b.sets;
                    // a changed post under the old floor would leave again below (a post left out before may beat it):
                    // it is not offered at all, so a set emptied by the removals is not filled with such posts first
                    float low = floor0[i];
                    float cut = sets.cutoff(local);
                    float gate = Math.max(cut, low);
                    float left = Float.NEGATIVE_INFINITY; // the largest bound of what is left out (under the old floor: no-op)
                    for (int p = 0; p < cnt; p++) {
                        float wide = out[p * stride + i] + widest;
                        if (wide <= gate) {
                            if (wide > left) left = wide;
                            continue;
                        }
                        long post = posts[p0 + p];
                        if (!CandidateSets.fits(post)) continue;
                        // the exact key, what draw gives
                        float key = out[p * stride + i]
                                + noise.sigma(b.votes(local, channels[p0 + p])) * ExplorationNoise.unit(readerShift[i], postShift[p0 + p]);
                        if (key < low) continue;
                        sets.offer(local, post, key, seen[i]);
                        cut = sets.cutoff(local);
                        gate = Math.max(cut, low);
                    }
                    sets.leftOut(local, left);
                } finally {
                    b.lock.unlock();
                }
            }
        }
        // a changed (or late) post below the old floor leaves: a post left out before may beat it now
        boolean[] redo = new boolean[n];
        for (int i = 0; i < n; i++) {
            if (floor0[i] == Float.NEGATIVE_INFINITY) continue;
            ReaderBlock b = blocks[sl[i] >> ReaderBlock.SHIFT];
            int local = sl[i] & (ReaderBlock.SIZE - 1);
            b.lock.lock();
            try {
                CandidateSets sets = b.sets;
                for (int j = 0; j < sets.count[local]; j++) {
                    long post = CandidateSets.post(sets.posts[local * k + j]);
                    if (CandidateSets.key(sets.keys[local * k + j]) < floor0[i] && (g.changed.get(post) >= 0 || lateIds.get(post) >= 0)) {
                        sets.removeAt(local, j--);
                    }
                }
                redo[i] = sets.count[local] < (k + 1) / 2;
            } finally {
                b.lock.unlock();
            }
        }
        return redo;
    }

    // ---- new posts -------------------------------------------------------------------------------

    /**
     * Offers new posts to every indexed reader, each scored with its reader's model version. Returns the
     * (reader, post) pairs scoring at least {@code instantThreshold} for readers {@code wantsInstant} accepts
     * (at most 100 k per call).
     */
    public List<Hit> addPosts(List<FreshPool.Entry> posts, float instantThreshold, LongPredicate wantsInstant) {
        List<FreshPool.Entry> fit = new ArrayList<>(posts.size());
        for (FreshPool.Entry e : posts) if (CandidateSets.fits(e.postId())) fit.add(e);
        if (fit.isEmpty()) return List.of();
        log.append(fit);
        Generation[] gs = gens;
        ReaderBlock[] bs = blocks;
        int readers = size;
        if (readers == 0 || (gs[0] == null && gs[1] == null)) return List.of();
        List<Hit> hits = new ArrayList<>();
        for (int from = 0; from < fit.size(); from += 64) {
            List<FreshPool.Entry> chunk = fit.subList(from, Math.min(fit.size(), from + 64));
            score(gs, bs, readers, chunk, instantThreshold, wantsInstant, hits);
        }
        return hits;
    }

    private void score(Generation[] gs, ReaderBlock[] bs, int readers, List<FreshPool.Entry> posts, float threshold,
                       LongPredicate wantsInstant, List<Hit> hits) {
        int c = posts.size();
        long[] ids = new long[c];
        long[] channels = new long[c];
        for (int i = 0; i < c; i++) {
            ids[i] = posts.get(i).postId();
            channels[i] = posts.get(i).channelId();
        }
        int h = gs[0] != null ? gs[0].hidden() : gs[1].hidden();
        // each live version scores with its own network; a reader's version picks its scores
        float[][] hp = new float[2][];
        for (int v = 0; v < 2; v++) if (gs[v] != null && gs[v].hidden() == h) hp[v] = gs[v].scorer.postHidden(channels, ids);
        float widest = noise.widest() * ExplorationNoise.MAX + 1e-6f;
        // each post's noise shift under each live version's seed: a pair's exact noise is then one table lookup
        int[][] postShift = new int[2][c];
        for (int v = 0; v < 2; v++) {
            if (hp[v] == null) continue;
            for (int p = 0; p < c; p++) postShift[v][p] = ExplorationNoise.postShift(ids[p], gs[v].seed);
        }
        List<List<Hit>> found = new ArrayList<>();
        for (int t = 0; t < bs.length; t++) found.add(null);
        int blockCount = (readers + ReaderBlock.SIZE - 1) / ReaderBlock.SIZE;
        parallel(blockCount, bi -> {
            ReaderBlock b = bs[bi];
            PoolRanking pr = rankings.get();
            pr.ensureHidden(h);
            int used = Math.min(ReaderBlock.SIZE, readers - bi * ReaderBlock.SIZE);
            List<Hit> mine = new ArrayList<>();
            for (int r0 = 0; r0 < used; r0 += PoolRanking.UNIT) {
                int n = Math.min(PoolRanking.UNIT, used - r0);
                FastScorer.ReaderMatrix m = pr.matrix(false, n);
                int stride = m.readers();
                float[][] out = {hp[0] == null ? null : pr.out(c * stride), hp[1] == null ? null : pr.out2(c * stride)};
                b.lock.lock();
                try {
                    if (b.rows.hidden != h) continue;
                    b.rows.dequantize(r0, n, m);
                    for (int v = 0; v < 2; v++) if (hp[v] != null) gs[v].scorer.score(m, hp[v], c, out[v]);
                    for (int i = 0; i < n; i++) {
                        int local = r0 + i;
                        int v = b.gen[local];
                        if (v < 0 || hp[v] == null) continue;
                        long reader = b.ids[local];
                        int rs = ExplorationNoise.readerShift(reader, gs[v].seed);
                        int[] ps = postShift[v];
                        float[] o = out[v];
                        for (int p = 0; p < c; p++) {
                            float s = o[p * stride + i];
                            if (s >= threshold && mine.size() < MAX_HITS && wantsInstant.test(reader)) {
                                mine.add(new Hit(reader, ids[p], s));
                            }
                            float cut = b.sets.cutoff(local);
                            if (s + widest <= cut) {
                                b.sets.leftOut(local, s + widest);
                                continue;
                            }
                            // the exact key (what draw gives): most pairs past the wide test still stop here
                            float key = s + noise.sigma(b.votes(local, channels[p])) * ExplorationNoise.unit(rs, ps[p]);
                            if (key <= cut) {
                                b.sets.leftOut(local, key);
                                continue;
                            }
                            b.sets.offer(local, ids[p], key, null);
                        }
                    }
                } finally {
                    b.lock.unlock();
                }
            }
            found.set(bi, mine);
        });
        for (List<Hit> f : found) {
            if (f == null) continue;
            for (Hit hit : f) if (hits.size() < MAX_HITS) hits.add(hit);
        }
    }

    /** Runs {@code task(0 .. n)} on the workers and the calling thread; returns when all are done. */
    private void parallel(int n, IntConsumer task) {
        if (n <= 1 || threads == 1) {
            for (int i = 0; i < n; i++) task.accept(i);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        Runnable loop = () -> {
            for (int i; (i = next.getAndIncrement()) < n; ) task.accept(i);
        };
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 1; t < Math.min(threads, n); t++) futures.add(workers.submit(loop));
        try {
            loop.run();
            for (Future<?> f : futures) f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while ranking", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException("ranking failed", e.getCause());
        } finally {
            futures.forEach(f -> f.cancel(false));
        }
    }

    // ---- picking ---------------------------------------------------------------------------------

    private int slotOf(long reader) {
        lock.lock();
        try {
            return slots.get(reader);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the reader's best {@code n} candidates (score times the channel's penalty factor, plus the
     * post's exploration noise) out of their set. With {@code exact}, asks for a refill instead when the
     * reader has no set, or when a post outside the set might beat what is left.
     */
    public Taken take(long reader, int n, ReaderPreferences prefs, boolean exact) {
        int s = slotOf(reader);
        if (s < 0) return Taken.REFILL;
        ReaderBlock b = blocks[s >> ReaderBlock.SHIFT];
        int local = s & (ReaderBlock.SIZE - 1);
        b.lock.lock();
        try {
            CandidateSets sets = b.sets;
            int base = local * k;
            // one pool lookup per candidate: its channel, or -1 when it left the pool
            long[] channels = new long[k];
            for (int j = 0; j < sets.count[local]; j++) {
                long post = CandidateSets.post(sets.posts[base + j]);
                long ch = pool.channelOf(post);
                // gone from the pool, or muted or filtered out since it entered the set
                if (ch < 0 || !prefs.admits(reader, post, ch)) {
                    channels[j] = channels[sets.count[local] - 1];
                    sets.removeAt(local, j--);
                } else {
                    channels[j] = ch;
                }
            }
            int m = sets.count[local];
            boolean outsideExists = sets.floor[local] > Float.NEGATIVE_INFINITY;
            if (exact && outsideExists && m < n) return Taken.REFILL;
            if (m == 0) return new Taken(new Pick[0], false);
            Generation g = b.gen[local] < 0 ? null : gens[b.gen[local]];
            long[] ids = new long[m];
            float[] scores = new float[m];
            float[] key = new float[m];
            float[] plain = new float[m]; // the key without the noise: what ranking by the model alone would use
            float bestAdjusted = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < m; j++) {
                ids[j] = CandidateSets.post(sets.posts[base + j]);
                float k0 = CandidateSets.key(sets.keys[base + j]);
                scores[j] = g == null ? k0 : k0 - ExplorationNoise.draw(noise.sigma(b.votes(local, channels[j])), reader, ids[j], g.seed);
                // a penalty factor is at most 1 and scores are not negative, so the adjusted key never rises
                plain[j] = scores[j] * prefs.channelFactor(reader, channels[j]);
                key[j] = plain[j] + (k0 - scores[j]);
                bestAdjusted = Math.max(bestAdjusted, key[j]);
            }
            if (exact && outsideExists && bestAdjusted < sets.floor[local]) return Taken.REFILL;
            int take = Math.min(n, m);
            Pick[] picks = new Pick[take];
            boolean[] used = new boolean[m];
            for (int i = 0; i < take; i++) {
                int best = -1;
                for (int j = 0; j < m; j++) {
                    if (!used[j] && (best < 0 || key[j] > key[best])) best = j;
                }
                used[best] = true;
                // an exploration pick: without the noise it would not have been among the ones taken
                int above = 0;
                for (int j = 0; j < m; j++) if (plain[j] > plain[best]) above++;
                picks[i] = new Pick(ids[best], channels[best], Math.max(0f, scores[best]), above >= take);
            }
            for (Pick p : picks) sets.remove(local, p.postId());
            return new Taken(picks, false);
        } finally {
            b.lock.unlock();
        }
    }

    /**
     * Empties the reader's set and marks it as needing a refill: their mutes or filters changed, so posts kept out
     * before may be wanted now (and the set may hold posts kept out now).
     */
    public void invalidate(long reader) {
        int s = slotOf(reader);
        if (s < 0) return;
        ReaderBlock b = blocks[s >> ReaderBlock.SHIFT];
        int local = s & (ReaderBlock.SIZE - 1);
        b.lock.lock();
        try {
            b.sets.reset(local, Float.POSITIVE_INFINITY);
        } finally {
            b.lock.unlock();
        }
    }

    /** Forgets one candidate (it was delivered some other way). */
    public void forget(long reader, long post) {
        int s = slotOf(reader);
        if (s < 0 || !CandidateSets.fits(post)) return;
        ReaderBlock b = blocks[s >> ReaderBlock.SHIFT];
        b.lock.lock();
        try {
            b.sets.remove(s & (ReaderBlock.SIZE - 1), post);
        } finally {
            b.lock.unlock();
        }
    }

    /** The reader's candidates as (post, score) pairs, best key (score plus noise) first: for tests and diagnostics. */
    public Pick[] peek(long reader) {
        int s = slotOf(reader);
        if (s < 0) return new Pick[0];
        ReaderBlock b = blocks[s >> ReaderBlock.SHIFT];
        int local = s & (ReaderBlock.SIZE - 1);
        b.lock.lock();
        try {
            CandidateSets sets = b.sets;
            int base = local * k;
            Generation g = b.gen[local] < 0 ? null : gens[b.gen[local]];
            Integer[] order = new Integer[sets.count[local]];
            for (int j = 0; j < order.length; j++) order[j] = j;
            Arrays.sort(order, (x, y) -> Short.compare(sets.keys[base + y], sets.keys[base + x]));
            Pick[] out = new Pick[order.length];
            for (int j = 0; j < out.length; j++) {
                long post = CandidateSets.post(sets.posts[base + order[j]]);
                long channel = pool.channelOf(post);
                float k0 = CandidateSets.key(sets.keys[base + order[j]]);
                float score = g == null ? k0 : k0 - ExplorationNoise.draw(noise.sigma(b.votes(local, channel)), reader, post, g.seed);
                out[j] = new Pick(post, channel, score);
            }
            return out;
        } finally {
            b.lock.unlock();
        }
    }

    /** A candidate as the ranker holds it: model score, exploration noise, the reader's penalty factor, ranking key. */
    public record Inspected(long postId, long channelId, float score, float noise, float penaltyFactor, float key) {}

    /**
     * The reader's candidates, best ranking key first, with what makes up the key: {@code score · penaltyFactor + noise}
     * (the order {@link #take} picks in). For the operator's console.
     */
    public Inspected[] inspect(long reader, ReaderPreferences prefs) {
        int s = slotOf(reader);
        if (s < 0) return new Inspected[0];
        ReaderBlock b = blocks[s >> ReaderBlock.SHIFT];
        int local = s & (ReaderBlock.SIZE - 1);
        List<Inspected> out = new ArrayList<>();
        b.lock.lock();
        try {
            CandidateSets sets = b.sets;
            int base = local * k;
            Generation g = b.gen[local] < 0 ? null : gens[b.gen[local]];
            for (int j = 0; j < sets.count[local]; j++) {
                long post = CandidateSets.post(sets.posts[base + j]);
                long channel = pool.channelOf(post);
                float k0 = CandidateSets.key(sets.keys[base + j]);
                float noiseOf = g == null ? 0 : ExplorationNoise.draw(noise.sigma(b.votes(local, channel)), reader, post, g.seed);
                float score = k0 - noiseOf;
                float factor = channel < 0 ? 1 : prefs.channelFactor(reader, channel);
                out.add(new Inspected(post, channel, score, noiseOf, factor, score * factor + noiseOf));
            }
        } finally {
            b.lock.unlock();
        }
        out.sort((x, y) -> Float.compare(y.key(), x.key()));
        return out.toArray(new Inspected[0]);
    }

    /** Pairs scored and skipped by channel pruning on this thread so far (tests read them). */
    long[] pairCounts() {
        PoolRanking pr = rankings.get();
        return new long[] {pr.scored, pr.skipped};
    }

    /** Pairs scored and skipped by channel pruning by every ranking so far, for the bench. */
    public long[] rankedPairs() {
        return new long[] {scored.sum(), skipped.sum()};
    }

    /** Readers ranked against the whole pool, and readers moved to an incremental version without, by every build so far. */
    public long[] readerMoves() {
        return new long[] {rankedReaders.sum(), carriedReaders.sum()};
    }

    private final java.util.concurrent.atomic.LongAdder rankedReaders = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder carriedReaders = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder scored = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder skipped = new java.util.concurrent.atomic.LongAdder();

    @Override
    public void close() {
        workers.shutdownNow();
    }

    /** The exploration noise of (reader, post) under one noise seed: {@code sigma} times a standard normal draw. */
    static float noise(float sigma, long reader, long post, long version) {
        return ExplorationNoise.draw(sigma, reader, post, version);
    }
}
