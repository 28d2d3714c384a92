package io.tidings.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidings.Await;
import io.tidings.model.EmbeddingTable;
import io.tidings.model.TrainedModel;
import io.tidings.model.serve.ModelRegistry;
import io.tidings.model.serve.ScoringModel;
import java.lang.ref.WeakReference;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ROLE=serve as {@code Wiring} connects it: the registry serves what the index builds from ({@code models.current()}),
 * and the index tells it when a build is done ({@link CandidateIndex#onBuilt}), so the registry lets the version's float
 * reader table go. The sets, refills, rebuilds and inspections stay those of ROLE=all (which keeps the table).
 */
class ServingWithoutReaderTableTest {
    private static final int K = 8;
    private static final double NOISE = 0.03;
    private static TrainedModel modelA;
    private static TrainedModel modelB;
    private static long[] readerIds;
    private static Map<Long, Long> channelOfPost;

    private final List<AutoCloseable> open = new ArrayList<>();
    private FreshPool pool;

    @BeforeAll
    static void train() {
        modelA = TrainedPair.A;
        modelB = TrainedPair.B;
        readerIds = TrainedPair.READERS;
        channelOfPost = TrainedPair.CHANNEL_OF_POST;
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) c.close();
    }

    @Test
    void aServingPodKeepsNoReaderTableOnceAVersionIsBuiltAndRanksAsAPodThatKeepsIt() {
        pool = new FreshPool(Duration.ofDays(3), 100_000, Clock.systemUTC());
        channelOfPost.entrySet().stream().sorted(Map.Entry.comparingByKey()).limit(400)
                .forEach(e -> pool.add(new FreshPool.Entry(e.getKey(), e.getValue(), Instant.now())));

        // ROLE=all: the registry keeps the whole model
        ModelRegistry allRegistry = registry(new ScoringModel(1, modelA));
        CandidateIndex all = index(allRegistry);
        build(all, allRegistry);
        assertThat(keepsRows(allRegistry)).isTrue();

        // ROLE=serve: the registry serves a copy of model A whose reader table no one else holds
        ModelRegistry registry = registry(new ScoringModel(1, copy(modelA)));
        WeakReference<EmbeddingTable> tableA = readerTable(registry);
        CandidateIndex serve = index(registry);
        serve.onBuilt(registry::dropReaderRows);
        build(serve, registry);
        try (ModelRegistry.Lease lease = registry.current()) {
            assertThat(lease.model().version()).isEqualTo(1);
            assertThat(lease.model().model().keepsReaderRows()).as("rows dropped once the build is done").isFalse();
        }
        Await.collected("the reader table", tableA, Duration.ofSeconds(30));

        Map<Long, List<CandidateIndex.Inspected>> expected = inspectAll(all);
        assertThat(inspectAll(serve)).as("the same sets, scores and keys as ROLE=all").isEqualTo(expected);

        // refills rank from the int8 rows in the index
        refillAll(all);
        refillAll(serve);
        assertThat(inspectAll(serve)).isEqualTo(inspectAll(all)).isEqualTo(expected);

        // the same version ranked again (arrivals were dropped): from the rows the last build stored, not the prior
        build(serve, registry);
        assertThat(inspectAll(serve)).isEqualTo(expected);

        // a reader the model has no row of is ranked as a new reader, as ROLE=all ranks them (the prior is kept)
        long stranger = 9_999_999L;
        all.fill(null, new long[] {stranger}, List.of(Set.of()));
        serve.fill(null, new long[] {stranger}, List.of(Set.of()));
        assertThat(serve.inspect(stranger, ReaderPreferences.NONE)).isNotEmpty()
                .containsExactly(all.inspect(stranger, ReaderPreferences.NONE));

        // per-reader scoring through the registry refuses: the reader's row is in the index only
        assertThatThrownBy(() -> registry.scorePosts(readerIds[0], new long[] {1}, new long[] {1}))
                .isInstanceOf(IllegalStateException.class);

        // the next version (another network) is built from its whole table, which then goes too
        allRegistry.swap(new ScoringModel(2, modelB));
        registry.swap(new ScoringModel(2, copy(modelB)));
        WeakReference<EmbeddingTable> tableB = readerTable(registry);
        build(all, allRegistry);
        build(serve, registry);
        assertThat(serve.version()).isEqualTo(2);
        assertThat(keepsRows(registry)).isFalse();
        Await.collected("the reader table", tableB, Duration.ofSeconds(30));
        Map<Long, List<CandidateIndex.Inspected>> withB = inspectAll(all);
        assertThat(withB).isNotEqualTo(expected);
        assertThat(inspectAll(serve)).isEqualTo(withB);
    }

    @Test
    void anAbortedBuildKeepsTheReaderTable() {
        pool = new FreshPool(Duration.ofDays(3), 100_000, Clock.systemUTC());
        channelOfPost.entrySet().stream().limit(100)
                .forEach(e -> pool.add(new FreshPool.Entry(e.getKey(), e.getValue(), Instant.now())));
        ModelRegistry registry = registry(new ScoringModel(1, modelA));
        CandidateIndex serve = index(registry);
        serve.onBuilt(registry::dropReaderRows);
        Object b = serve.beginBuild(served(registry).get(), readerIds.length);
        serve.fill(b, Arrays.copyOf(readerIds, 10), none(10));
        serve.abortBuild(b); // most readers were not reached: they still need the table
        assertThat(keepsRows(registry)).isTrue();
    }

    private ModelRegistry registry(ScoringModel initial) {
        ModelRegistry r = new ModelRegistry(initial);
        open.add(r);
        return r;
    }

    private CandidateIndex index(ModelRegistry registry) {
        CandidateIndex idx = new CandidateIndex(pool, served(registry), K, 2, NOISE, 1);
        open.add(idx);
        return idx;
    }

    /** Wiring's model supplier: the registry's current version. */
    private static Supplier<CandidateIndex.ModelVersion> served(ModelRegistry registry) {
        return () -> {
            try (ModelRegistry.Lease lease = registry.current()) {
                return new CandidateIndex.ModelVersion(lease.model().version(), lease.model().model());
            }
        };
    }

    /** A build as CandidateRefresh runs one: begin with the served version, fill every reader, finish. */
    private static void build(CandidateIndex idx, ModelRegistry registry) {
        Object b = idx.beginBuild(served(registry).get(), readerIds.length);
        idx.fill(b, readerIds, none(readerIds.length));
        idx.finishBuild(b);
    }

    private static void refillAll(CandidateIndex idx) {
        for (long r : readerIds) idx.invalidate(r);
        idx.fill(null, readerIds, none(readerIds.length));
    }

    private static List<Set<Long>> none(int n) {
        List<Set<Long>> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(Set.of());
        return out;
    }

    private static Map<Long, List<CandidateIndex.Inspected>> inspectAll(CandidateIndex idx) {
        Map<Long, List<CandidateIndex.Inspected>> out = new HashMap<>();
        for (long r : readerIds) {
            CandidateIndex.Inspected[] got = idx.inspect(r, ReaderPreferences.NONE);
            assertThat(got).as("reader %d", r).hasSize(K);
            out.put(r, List.of(got));
        }
        return out;
    }

    /** A model whose reader table is its own (the network, channel and post tables shared). */
    private static TrainedModel copy(TrainedModel m) {
        return new TrainedModel(m.config(), m.network(), m.readers().copy(), m.channels(), m.posts());
    }

    private static boolean keepsRows(ModelRegistry registry) {
        try (ModelRegistry.Lease lease = registry.current()) {
            return lease.model().model().keepsReaderRows();
        }
    }


    private static WeakReference<EmbeddingTable> readerTable(ModelRegistry registry) {
        try (ModelRegistry.Lease lease = registry.current()) {
            return new WeakReference<>(lease.model().model().readers());
        }
    }
}
