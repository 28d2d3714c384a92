package io.tidings.feed;

import io.tidings.model.TrainedModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Ranks readers against the whole pool into their sets, unit by unit on the ranking threads ({@link PoolRanking}), and
 * installs the sets with their {@code hu} rows; in a build of an incremental version, readers whose row did not move
 * are carried over instead ({@link CarryOver}) and the others ranked together after, in full units.
 */
final class SetFill {
    private final FreshPool pool;
    private final ReaderSlots slots;
    private final IndexVersions versions;
    private final ArrivalLog log;
    private final ExplorationNoise noise;
    private final ThreadLocal<PoolRanking> rankings;
    private final RankWorkers workers;
    private final RankCounters counters;
    private final CarryOver carryOver;
    private volatile boolean prune = true;

    SetFill(FreshPool pool, ReaderSlots slots, IndexVersions versions, ArrivalLog log, ExplorationNoise noise,
            ThreadLocal<PoolRanking> rankings, RankWorkers workers, RankCounters counters, CarryOver carryOver) {
        this.pool = pool;
        this.slots = slots;
        this.versions = versions;
        this.log = log;
        this.noise = noise;
        this.rankings = rankings;
        this.workers = workers;
        this.counters = counters;
        this.carryOver = carryOver;
    }

    /** Turns channel pruning off (the plain path: every pair scored), for tests that compare the two. */
    void pruning(boolean on) {
        prune = on;
    }

    /**
     * Ranks {@code readers} against the whole pool with the build {@code target} (or, null, the serving version:
     * a refill), replacing their sets. {@code seen.get(i)} are posts never to offer {@code readers[i]};
     * {@code rated.get(i)}, when given, counts {@code readers[i]}'s votes per channel (for the exploration noise).
     * In a build of an incremental version, readers whose row did not change keep their sets with only the
     * changed posts scored again.
     */
    @SuppressWarnings("unchecked")
    void fill(Object target, long[] readers, List<? extends Set<Long>> seen, List<? extends Map<Long, Integer>> rated) {
        if (readers.length == 0) return;
        Generation g = target == null ? versions.ranking() : (Generation) target;
        int gi = versions.indexOf(g);
        if (gi < 0) return; // superseded
        int[] sl = slots.register(readers, g.hidden());
        FreshPool.Snapshot snap = pool.snapshot();
        long seq0 = log.seq();
        PostHidden ph = g.hidden(snap);
        boolean carry = target != null && g.parent != null;
        int units = (readers.length + PoolRanking.UNIT - 1) / PoolRanking.UNIT;
        // with carry: readers whose row did not change move over; the others are ranked after, in full units
        boolean[] later = carry ? new boolean[readers.length] : null;
        workers.parallel(units, u -> {
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
        workers.parallel(rankUnits, u -> {
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
        TrainedModel source = stored == null ? null : versions.rowSource(g);
        for (int i = 0; i < n; i++) if (stored == null || !stored[i]) readerHidden(g, source, ids[i], u, hu[i]);
        if (!carry) {
            for (int i = 0; i < n; i++) if (stored == null || !stored[i]) pr.rows.set(i, hu[i]);
            long s0 = pr.scored, k0 = pr.skipped;
            pr.rank(g, ph, ids, n, seen, rated, prune);
            counters.rankedReaders.add(n);
            counters.pairsSince(pr, s0, k0);
            install(g, gi, pr, ids, sl, seen, rated, seq0);
            return null;
        }
        boolean[] later = new boolean[n];
        int carries = 0;
        int parent = versions.indexOf(g.parent);
        for (int i = 0; i < n; i++) {
            pr.rows.set(0, hu[i]);
            ReaderBlock b = slots.block(sl[i]);
            int local = ReaderSlots.local(sl[i]);
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
            boolean[] redo = carryOver.move(g, gi, pr, cid, csl, cseen);
            int r = 0;
            for (int j = 0; j < carries; j++) {
                if (redo[j]) {
                    later[at[j]] = true;
                    r++;
                }
            }
            counters.carriedReaders.add(carries - r);
            counters.pairsSince(pr, s0, k0);
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
            ReaderBlock b = slots.block(sl[i]);
            int local = ReaderSlots.local(sl[i]);
            b.lock.lock();
            try {
                if (b.rows.hidden == g.hidden() && (b.gen[local] == gi || versions.rowsOf(b.gen[local], g))) {
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
     * {@code hu} of a reader the version has no row of in the index: from the version's reader table while it holds one,
     * else from {@code source} ({@link IndexVersions#rowSource}), else a neutral reader (all zeros) until the next build moves them.
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
        float[] lateHp = g.hiddenOf(late);
        long lateEnd = seq0 + late.size();
        for (int i = 0; i < ids.length; i++) {
            ReaderBlock b = slots.block(sl[i]);
            int local = ReaderSlots.local(sl[i]);
            float[] hu = pr.rows.get(i);
            b.lock.lock();
            try {
                if (rated[i] != null) rated[i].forEach((channel, votes) -> b.rated(local, channel, votes));
                offerLate(g, pr.sets, i, ids[i], hu, late, lateHp, b, local, seen[i]);
                List<FreshPool.Entry> later = log.since(lateEnd);
                if (!later.isEmpty()) offerLate(g, pr.sets, i, ids[i], hu, later, g.hiddenOf(later), b, local, seen[i]);
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
            float score = CandidateIndex.pair(g.net, hu, hp, p * g.hidden());
            sets.offer(i, e.postId(), score + ExplorationNoise.draw(sigma, reader, e.postId(), g.seed), seen);
        }
    }
}
