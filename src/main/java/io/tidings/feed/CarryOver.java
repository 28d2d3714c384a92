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
        int[] readerShift = new int[n];
        for (int i = 0; i < n; i++) readerShift[i] = ExplorationNoise.readerShift(ids[i], g.seed);
        FastScorer.ReaderMatrix m = pr.matrix(false, n);
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
        // each reader's gate, read once (a changed post under the old floor would leave again below, since a post left
        // out before may beat it: it is not offered at all) and raised after each offer; a stale gate only lets more by
        float[] gate = new float[n];
        float[] skippedMax = new float[n];
        for (int i = 0; i < n; i++) {
            ReaderBlock b = slots.block(sl[i]);
            int local = ReaderSlots.local(sl[i]);
            b.lock.lock();
            try {
                gate[i] = Math.max(b.sets.cutoff(local), floor0[i]);
            } finally {
                b.lock.unlock();
            }
            skippedMax[i] = Float.NEGATIVE_INFINITY;
        }
        // the posts in groups of similar ones: a group's bound row scored for every reader first, its posts only for the
        // readers whose bound (with their largest noise over the group) passes their gate
        ChangedGroups cg = new ChangedGroups(g.net, posts, channels, hp, g.seed);
        int groups = cg.groups();
        float noiseWidth = noise.widest();
        pr.flatten(m, n);
        int[] list = new int[n];
        for (int q0 = 0; q0 < groups; q0 += 256) {
            int gc = Math.min(256, groups - q0);
            float[] gb = pr.out2(gc * stride);
            g.scorer.score(m, cg.bounds, q0, q0 + gc, gb);
            pr.scored += (long) gc * n;
            for (int q = q0; q < q0 + gc; q++) {
                int row = (q - q0) * stride;
                int at = q * ExplorationNoise.SIZE;
                int len = 0;
                for (int i = 0; i < n; i++) {
                    float ub = gb[row + i] + noiseWidth * Math.max(0f, ExplorationNoise.bound(cg.noiseMax[at + readerShift[i]])) + 1e-6f;
                    if (ub > gate[i]) list[len++] = i;
                    else if (ub > skippedMax[i]) skippedMax[i] = ub;
                }
                int first = cg.start[q];
                int cnt = cg.start[q + 1] - first;
                pr.skipped += (long) cnt * (n - len);
                if (len == 0) continue;
                FastScorer.ReaderMatrix target = pr.gathered(list, len);
                int ts = target.readers();
                float[] out = pr.out(cnt * ts);
                g.scorer.score(target, cg.rows[q], cnt, out, len);
                pr.scored += (long) cnt * len;
                for (int j = 0; j < len; j++) {
                    int i = list[j];
                    ReaderBlock b = slots.block(sl[i]);
                    int local = ReaderSlots.local(sl[i]);
                    b.lock.lock();
                    try {
                        CandidateSets sets = b.sets;
                        float low = floor0[i];
                        float cut = sets.cutoff(local);
                        float gt = Math.max(cut, low);
                        float left = Float.NEGATIVE_INFINITY; // the largest bound of what is left out (under the old floor: no-op)
                        for (int p = 0; p < cnt; p++) {
                            float sc = out[p * ts + j];
                            float wide = sc + widest;
                            if (wide <= gt) {
                                if (wide > left) left = wide;
                                continue;
                            }
                            long post = cg.posts[first + p];
                            if (!CandidateSets.fits(post)) continue;
                            // the exact key, what draw gives
                            float key = sc + noise.sigma(b.votes(local, cg.channels[first + p])) * ExplorationNoise.unit(readerShift[i], cg.shifts[first + p]);
                            if (key < low) continue;
                            sets.offer(local, post, key, seen[i]);
                            cut = sets.cutoff(local);
                            gt = Math.max(cut, low);
                        }
                        sets.leftOut(local, left);
                        gate[i] = gt;
                    } finally {
                        b.lock.unlock();
                    }
                }
            }
        }
        for (int i = 0; i < n; i++) {
            if (skippedMax[i] == Float.NEGATIVE_INFINITY) continue;
            ReaderBlock b = slots.block(sl[i]);
            b.lock.lock();
            try {
                b.sets.leftOut(ReaderSlots.local(sl[i]), skippedMax[i]);
            } finally {
                b.lock.unlock();
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
