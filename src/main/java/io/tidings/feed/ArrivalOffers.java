package io.tidings.feed;

import io.tidings.model.serve.FastScorer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * New posts into every indexed reader's set as they arrive: each chunk of posts scored against all readers at once,
 * block by block on the ranking threads, each reader with its own model version, and offered to the sets they
 * enter; the instant-push hits are collected on the way.
 */
final class ArrivalOffers {
    private static final int MAX_HITS = 100_000;

    private final ReaderSlots slots;
    private final IndexVersions versions;
    private final ArrivalLog log;
    private final ExplorationNoise noise;
    private final ThreadLocal<PoolRanking> rankings;
    private final RankWorkers workers;

    ArrivalOffers(ReaderSlots slots, IndexVersions versions, ArrivalLog log, ExplorationNoise noise, ThreadLocal<PoolRanking> rankings,
                  RankWorkers workers) {
        this.slots = slots;
        this.versions = versions;
        this.log = log;
        this.noise = noise;
        this.rankings = rankings;
        this.workers = workers;
    }

    /**
     * Offers new posts to every indexed reader, each scored with its reader's model version. Returns the
     * (reader, post) pairs scoring at least {@code instantThreshold} for readers {@code wantsInstant} accepts
     * (at most 100 k per call).
     */
    List<CandidateIndex.Hit> addPosts(List<FreshPool.Entry> posts, float instantThreshold, LongPredicate wantsInstant) {
        List<FreshPool.Entry> fit = new ArrayList<>(posts.size());
        for (FreshPool.Entry e : posts) if (CandidateSets.fits(e.postId())) fit.add(e);
        if (fit.isEmpty()) return List.of();
        log.append(fit);
        Generation[] gs = versions.all();
        ReaderBlock[] bs = slots.blocks();
        int readers = slots.size();
        if (readers == 0 || (gs[0] == null && gs[1] == null)) return List.of();
        List<CandidateIndex.Hit> hits = new ArrayList<>();
        for (int from = 0; from < fit.size(); from += 64) {
            List<FreshPool.Entry> chunk = fit.subList(from, Math.min(fit.size(), from + 64));
            score(gs, bs, readers, chunk, instantThreshold, wantsInstant, hits);
        }
        return hits;
    }

    private void score(Generation[] gs, ReaderBlock[] bs, int readers, List<FreshPool.Entry> posts, float threshold,
                       LongPredicate wantsInstant, List<CandidateIndex.Hit> hits) {
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
        List<List<CandidateIndex.Hit>> found = new ArrayList<>();
        for (int t = 0; t < bs.length; t++) found.add(null);
        int blockCount = (readers + ReaderBlock.SIZE - 1) / ReaderBlock.SIZE;
        workers.parallel(blockCount, bi -> {
            ReaderBlock b = bs[bi];
            PoolRanking pr = rankings.get();
            pr.ensureHidden(h);
            int used = Math.min(ReaderBlock.SIZE, readers - bi * ReaderBlock.SIZE);
            List<CandidateIndex.Hit> mine = new ArrayList<>();
            for (int r0 = 0; r0 < used; r0 += PoolRanking.UNIT) {
                int n = Math.min(PoolRanking.UNIT, used - r0);
                FastScorer.ReaderMatrix m = pr.matrix(n);
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
                                mine.add(new CandidateIndex.Hit(reader, ids[p], s));
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
        for (List<CandidateIndex.Hit> f : found) {
            if (f == null) continue;
            for (CandidateIndex.Hit hit : f) if (hits.size() < MAX_HITS) hits.add(hit);
        }
    }
}
