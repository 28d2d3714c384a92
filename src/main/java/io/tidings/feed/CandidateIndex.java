package io.tidings.feed;

import io.tidings.model.Network;
import io.tidings.model.TrainedModel;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;
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
 *
 * <p>The parts: {@link ReaderSlots} (a slot per reader, in blocks), {@link IndexVersions} (the live versions, builds),
 * {@link SetFill} (ranking readers into sets, {@link CarryOver} for an incremental version), {@link ArrivalOffers}
 * (new posts), {@link SetQueries} (take, peek, inspect), {@link RankWorkers} and {@link RankCounters}.
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

    private final ExplorationNoise noise;
    private final RankWorkers workers;
    private final ThreadLocal<PoolRanking> rankings;
    private final RankCounters counters = new RankCounters();
    private final ReaderSlots slots;
    private final IndexVersions versions;
    private final SetFill fills;
    private final ArrivalOffers arrivals;
    private final SetQueries queries;
    private volatile LongConsumer built = v -> { };

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
        this.workers = new RankWorkers(threads);
        this.rankings = ThreadLocal.withInitial(() -> new PoolRanking(k, this.noise, 1));
        ArrivalLog log = new ArrivalLog(1 << 16);
        this.slots = new ReaderSlots(k);
        this.versions = new IndexVersions(slots, pool, log, models);
        this.fills = new SetFill(pool, slots, versions, log, this.noise, rankings, workers, counters,
                new CarryOver(slots, log, this.noise, k));
        this.arrivals = new ArrivalOffers(slots, versions, log, this.noise, rankings, workers);
        this.queries = new SetQueries(pool, slots, versions, this.noise, k);
    }

    /** The model version of the serving candidates, or -1 before the first build. */
    public long version() {
        return versions.version();
    }

    /** Readers with a slot. */
    public int readers() {
        return slots.size();
    }

    /** Turns channel pruning off (the plain path: every pair scored), for tests that compare the two. */
    void pruning(boolean on) {
        fills.pruning(on);
    }

    // ---- building --------------------------------------------------------------------------------

    /**
     * Starts moving readers to {@code model}; sets of readers not moved yet keep serving. A build still running
     * is finished first (its readers not reached are refilled when next asked for).
     */
    public Object beginBuild(ModelVersion model, int expectedReaders) {
        return versions.begin(model);
    }

    /**
     * Makes the build the serving version; readers it did not reach are refilled when next asked for. Then tells the
     * {@link #onBuilt} listener its model version (not when another build replaced it meanwhile).
     */
    public void finishBuild(Object build) {
        Generation g = (Generation) build;
        if (versions.finish(g)) built.accept(g.version);
    }

    /**
     * A failed build ends like a finished one: the readers already moved keep their new sets, the others are refilled
     * (from the model's reader table: the {@link #onBuilt} listener is not told).
     */
    public void abortBuild(Object build) {
        versions.finish((Generation) build);
    }

    /**
     * Calls {@code listener} with the model version of every build finished from now on: then every reader the build
     * ranked has their {@code hu} row in the index, and refills rank from it. Called on the thread that finishes the build
     * (a ranking thread): the listener must not block.
     */
    public void onBuilt(LongConsumer listener) {
        built = java.util.Objects.requireNonNull(listener, "listener");
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
    public void fill(Object target, long[] readers, List<? extends Set<Long>> seen, List<? extends Map<Long, Integer>> rated) {
        fills.fill(target, readers, seen, rated);
    }

    // ---- new posts -------------------------------------------------------------------------------

    /**
     * Offers new posts to every indexed reader, each scored with its reader's model version. Returns the
     * (reader, post) pairs scoring at least {@code instantThreshold} for readers {@code wantsInstant} accepts
     * (at most 100 k per call).
     */
    public List<Hit> addPosts(List<FreshPool.Entry> posts, float instantThreshold, LongPredicate wantsInstant) {
        return arrivals.addPosts(posts, instantThreshold, wantsInstant);
    }

    // ---- picking ---------------------------------------------------------------------------------

    /**
     * Takes the reader's best {@code n} candidates (score times the channel's penalty factor, plus the
     * post's exploration noise) out of their set. With {@code exact}, asks for a refill instead when the
     * reader has no set, or when a post outside the set might beat what is left.
     */
    public Taken take(long reader, int n, ReaderPreferences prefs, boolean exact) {
        return queries.take(reader, n, prefs, exact);
    }

    /**
     * Empties the reader's set and marks it as needing a refill: their mutes or filters changed, so posts kept out
     * before may be wanted now (and the set may hold posts kept out now).
     */
    public void invalidate(long reader) {
        queries.invalidate(reader);
    }

    /** Forgets one candidate (it was delivered some other way). */
    public void forget(long reader, long post) {
        queries.forget(reader, post);
    }

    /** The reader's candidates as (post, score) pairs, best key (score plus noise) first: for tests and diagnostics. */
    public Pick[] peek(long reader) {
        return queries.peek(reader);
    }

    /** A candidate as the ranker holds it: model score, exploration noise, the reader's penalty factor, ranking key. */
    public record Inspected(long postId, long channelId, float score, float noise, float penaltyFactor, float key) {}

    /**
     * The reader's candidates, best ranking key first, with what makes up the key: {@code score · penaltyFactor + noise}
     * (the order {@link #take} picks in). For the operator's console.
     */
    public Inspected[] inspect(long reader, ReaderPreferences prefs) {
        return queries.inspect(reader, prefs);
    }

    /** Pairs scored and skipped by channel pruning on this thread so far (tests read them). */
    long[] pairCounts() {
        PoolRanking pr = rankings.get();
        return new long[] {pr.scored, pr.skipped};
    }

    /** Pairs scored and skipped by channel pruning by every ranking so far, for the bench. */
    public long[] rankedPairs() {
        return new long[] {counters.scored.sum(), counters.skipped.sum()};
    }

    /** Readers ranked against the whole pool, and readers moved to an incremental version without, by every build so far. */
    public long[] readerMoves() {
        return new long[] {counters.rankedReaders.sum(), counters.carriedReaders.sum()};
    }

    @Override
    public void close() {
        workers.close();
    }

    /** The exploration noise of (reader, post) under one noise seed: {@code sigma} times a standard normal draw. */
    static float noise(float sigma, long reader, long post, long version) {
        return ExplorationNoise.draw(sigma, reader, post, version);
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
}
