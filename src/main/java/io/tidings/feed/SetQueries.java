package io.tidings.feed;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What is asked of one reader's set: take the best candidates out (or learn that a refill must come first), empty it,
 * forget one candidate, look at it (tests, diagnostics, the operator's console).
 */
final class SetQueries {
    private final FreshPool pool;
    private final ReaderSlots slots;
    private final IndexVersions versions;
    private final ExplorationNoise noise;
    private final int k;

    SetQueries(FreshPool pool, ReaderSlots slots, IndexVersions versions, ExplorationNoise noise, int k) {
        this.pool = pool;
        this.slots = slots;
        this.versions = versions;
        this.noise = noise;
        this.k = k;
    }

    /**
     * Takes the reader's best {@code n} candidates (score times the channel's penalty factor, plus the
     * post's exploration noise) out of their set. With {@code exact}, asks for a refill instead when the
     * reader has no set, or when a post outside the set might beat what is left.
     */
    CandidateIndex.Taken take(long reader, int n, ReaderPreferences prefs, boolean exact) {
        int s = slots.slotOf(reader);
        if (s < 0) return CandidateIndex.Taken.REFILL;
        ReaderBlock b = slots.block(s);
        int local = ReaderSlots.local(s);
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
            if (exact && outsideExists && m < n) return CandidateIndex.Taken.REFILL;
            if (m == 0) return new CandidateIndex.Taken(new CandidateIndex.Pick[0], false);
            Generation g = versions.of(b.gen[local]);
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
            if (exact && outsideExists && bestAdjusted < sets.floor[local]) return CandidateIndex.Taken.REFILL;
            int take = Math.min(n, m);
            CandidateIndex.Pick[] picks = new CandidateIndex.Pick[take];
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
                picks[i] = new CandidateIndex.Pick(ids[best], channels[best], Math.max(0f, scores[best]), above >= take);
            }
            for (CandidateIndex.Pick p : picks) sets.remove(local, p.postId());
            return new CandidateIndex.Taken(picks, false);
        } finally {
            b.lock.unlock();
        }
    }

    /**
     * Empties the reader's set and marks it as needing a refill: their mutes or filters changed, so posts kept out
     * before may be wanted now (and the set may hold posts kept out now).
     */
    void invalidate(long reader) {
        int s = slots.slotOf(reader);
        if (s < 0) return;
        ReaderBlock b = slots.block(s);
        int local = ReaderSlots.local(s);
        b.lock.lock();
        try {
            b.sets.reset(local, Float.POSITIVE_INFINITY);
        } finally {
            b.lock.unlock();
        }
    }

    /** Forgets one candidate (it was delivered some other way). */
    void forget(long reader, long post) {
        int s = slots.slotOf(reader);
        if (s < 0 || !CandidateSets.fits(post)) return;
        ReaderBlock b = slots.block(s);
        b.lock.lock();
        try {
            b.sets.remove(ReaderSlots.local(s), post);
        } finally {
            b.lock.unlock();
        }
    }

    /** The reader's candidates as (post, score) pairs, best key (score plus noise) first: for tests and diagnostics. */
    CandidateIndex.Pick[] peek(long reader) {
        int s = slots.slotOf(reader);
        if (s < 0) return new CandidateIndex.Pick[0];
        ReaderBlock b = slots.block(s);
        int local = ReaderSlots.local(s);
        b.lock.lock();
        try {
            CandidateSets sets = b.sets;
            int base = local * k;
            Generation g = versions.of(b.gen[local]);
            Integer[] order = new Integer[sets.count[local]];
            for (int j = 0; j < order.length; j++) order[j] = j;
            Arrays.sort(order, (x, y) -> Short.compare(sets.keys[base + y], sets.keys[base + x]));
            CandidateIndex.Pick[] out = new CandidateIndex.Pick[order.length];
            for (int j = 0; j < out.length; j++) {
                long post = CandidateSets.post(sets.posts[base + order[j]]);
                long channel = pool.channelOf(post);
                float k0 = CandidateSets.key(sets.keys[base + order[j]]);
                float score = g == null ? k0 : k0 - ExplorationNoise.draw(noise.sigma(b.votes(local, channel)), reader, post, g.seed);
                out[j] = new CandidateIndex.Pick(post, channel, score);
            }
            return out;
        } finally {
            b.lock.unlock();
        }
    }

    /**
     * The reader's candidates, best ranking key first, with what makes up the key: {@code score · penaltyFactor + noise}
     * (the order {@link CandidateIndex#take} picks in). For the operator's console.
     */
    CandidateIndex.Inspected[] inspect(long reader, ReaderPreferences prefs) {
        int s = slots.slotOf(reader);
        if (s < 0) return new CandidateIndex.Inspected[0];
        ReaderBlock b = slots.block(s);
        int local = ReaderSlots.local(s);
        List<CandidateIndex.Inspected> out = new ArrayList<>();
        b.lock.lock();
        try {
            CandidateSets sets = b.sets;
            int base = local * k;
            Generation g = versions.of(b.gen[local]);
            for (int j = 0; j < sets.count[local]; j++) {
                long post = CandidateSets.post(sets.posts[base + j]);
                long channel = pool.channelOf(post);
                float k0 = CandidateSets.key(sets.keys[base + j]);
                float noiseOf = g == null ? 0 : ExplorationNoise.draw(noise.sigma(b.votes(local, channel)), reader, post, g.seed);
                float score = k0 - noiseOf;
                float factor = channel < 0 ? 1 : prefs.channelFactor(reader, channel);
                out.add(new CandidateIndex.Inspected(post, channel, score, noiseOf, factor, score * factor + noiseOf));
            }
        } finally {
            b.lock.unlock();
        }
        out.sort((x, y) -> Float.compare(y.key(), x.key()));
        return out.toArray(new CandidateIndex.Inspected[0]);
    }
}
