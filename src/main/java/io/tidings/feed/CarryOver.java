package io.tidings.feed;

import io.tidings.model.serve.FastScorer;
import io.tidings.util.LongIntMap;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The carry-over of an incremental version (the very same network, some rows moved): readers whose own row did not
 * move keep their sets, with only the posts whose rows moved (and those that arrived since the build began) scored
 * again, as new posts are.
 */
final class CarryOver {
    private final ReaderSlots slots;
    private final ArrivalLog log;
    private final ExplorationNoise noise;
    private final int k;

    CarryOver(ReaderSlots slots, ArrivalLog log, ExplorationNoise noise, int k) {
        this.slots = slots;
        this.log = log;
        this.noise = noise;
        this.k = k;
    }

    /**
     * Moves readers whose row did not change to an incremental version: the posts whose rows changed (and those
     * that arrived since the build began) are taken out of their sets and offered again with their new scores, as
     * new posts are. Every other pair keeps its key (the same rows, network and noise seed), so the set stays the
     * exact top of the ranking, except that a changed post whose key fell below the floor (what was left out before
     * may beat it now) leaves the set instead of staying in it: the set is then the exact top {@code count}, which is
     * what {@link CandidateIndex#take} needs, and new posts fill it up again. Returns the readers whose set fell under half of
     * {@code k} that way: they are ranked again against the whole pool.
     */
    boolean[] move(Generation g, int gi, PoolRanking pr, long[] ids, int[] sl, Set<Long>[] seen) {
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
        float[] lateHp = g.hiddenOf(late);
        for (int i = 0; i < late.size(); i++) {
            posts[changed + i] = late.get(i).postId();
            channels[changed + i] = late.get(i).channelId();
        }
        System.arraycopy(lateHp, 0, hp, changed * h, lateHp.length);
        int[] postShift = new int[posts.length];
        for (int p = 0; p < posts.length; p++) postShift[p] = ExplorationNoise.postShift(posts[p], g.seed);
        int[] readerShift = new int[n];
        for (int i = 0; i < n; i++) readerShift[i] = ExplorationNoise.readerShift(ids[i], g.seed);
        FastScorer.ReaderMatrix m = pr.matrix(n);
        pr.rows.dequantize(0, n, m);
        int stride = m.readers();
        for (int i = 0; i < n; i++) {
            ReaderBlock b = slots.block(sl[i]);
            int local = ReaderSlots.local(sl[i]);
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
                ReaderBlock b = slots.block(sl[i]);
                int local = ReaderSlots.local(sl[i]);
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
            ReaderBlock b = slots.block(sl[i]);
            int local = ReaderSlots.local(sl[i]);
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
}
