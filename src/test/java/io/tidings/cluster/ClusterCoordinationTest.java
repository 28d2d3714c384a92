package io.tidings.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.TestDatabase;
import io.tidings.ingest.ChannelPageFetcher;
import io.tidings.ingest.IngestService;
import io.tidings.store.ChannelRepository;
import io.tidings.store.Database;
import io.tidings.store.PostRepository;
import io.tidings.testkit.channels.LocalChannelServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.resources.ConnectionProvider;

/** Replicas coordinating through PostgreSQL: send shares, channel leases, the trainer lock, model announcements. */
class ClusterCoordinationTest {

    private static final Duration T = Duration.ofSeconds(30);
    private static final Duration BEAT = Duration.ofMillis(200);
    private Database db;
    private final List<Cluster> clusters = new ArrayList<>();

    @BeforeEach
    void setUp() {
        db = TestDatabase.reset();
        db.sql().update("TRUNCATE updates, replicas, channel_leases").block(T);
    }

    @AfterEach
    void tearDown() {
        clusters.forEach(Cluster::close);
    }

    private Cluster replica(String id, double budget, java.util.function.DoubleConsumer rate, Duration pollInterval) {
        Cluster c = Cluster.join(db, new ClusterConfig(id, budget, BEAT, BEAT.multipliedBy(4), pollInterval, Duration.ofHours(1)), rate, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        clusters.add(c);
        return c;
    }

    static void await(BooleanSupplier condition) {
        io.tidings.Await.until("condition", condition, T);
    }

    @Test
    void theSendBudgetIsSplitAcrossLiveReplicasAndRebalancedOnJoinAndLeave() {
        var rateA = new java.util.concurrent.atomic.AtomicReference<Double>();
        var rateB = new java.util.concurrent.atomic.AtomicReference<Double>();
        Cluster a = replica("a", 30, rateA::set, Duration.ofMinutes(5)).start();
        assertThat(rateA.get()).isEqualTo(30.0);
        Cluster b = replica("b", 30, rateB::set, Duration.ofMinutes(5)).start();
        assertThat(rateB.get()).isEqualTo(15.0); // b saw a at once
        await(() -> rateA.get() == 15.0);       // a sees b at its next heartbeat
        b.close();
        b.leave().block(T);                      // graceful: a takes the whole budget at its next heartbeat
        await(() -> rateA.get() == 30.0);
        Cluster c = replica("c", 30, x -> {}, Duration.ofMinutes(5)).start();
        await(() -> rateA.get() == 15.0);
        c.close();                               // a crash: no leave, a waits out the TTL
        await(() -> rateA.get() == 30.0);
        assertThat(a.liveReplicas()).isEqualTo(1);
    }

    @Test
    void eachChannelIsPolledByOneReplicaAtATimeAndLeasesMoveWhenTheyRunOut() {
        try (LocalChannelServer tme = LocalChannelServer.start()) {
            List<String> names = IntStream.range(0, 12).mapToObj(i -> "chan" + i).toList();
            for (String n : names) {
                tme.addChannel(n, "Channel " + n, "");
                tme.addPost(n, "hello from " + n, null, Instant.now(), 10);
            }
            ConnectionProvider pool = ChannelPageFetcher.newConnectionPool("tme-test", 16);
            try {
                List<IngestService> replicas = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    IngestService ingest = new IngestService(new ChannelPageFetcher(ChannelPageFetcher.newHttpClient(pool), tme.baseUrl()),
                            new ChannelRepository(db), new PostRepository(db), p -> {}, 1);
                    ingest.pollOnly(replica("r" + i, 30, x -> {}, Duration.ofMinutes(10)).dueChannels());
                    replicas.add(ingest);
                }
                replicas.get(0).follow(names).block(T);
                Flux<Long> allAtOnce = Flux.fromIterable(replicas).flatMap(r -> r.pollAll().subscribeOn(Schedulers.parallel()), 3);

                long stored = allAtOnce.reduce(0L, Long::sum).block(T);
                assertThat(stored).isEqualTo(12);
                assertThat(names).allSatisfy(n -> assertThat(tme.requests(n)).as(n).isEqualTo(1));
                List<String> owners = db.sql().query("SELECT DISTINCT owner FROM channel_leases", r -> r.get("owner", String.class))
                        .collectList().block(T);
                assertThat(owners).isNotEmpty();

                // within the lease nobody polls again
                allAtOnce.blockLast(T);
                assertThat(names).allSatisfy(n -> assertThat(tme.requests(n)).as(n).isEqualTo(1));

                // the leases run out (as after the poll interval, or when their holder died): each is polled once more
                db.sql().update("UPDATE channel_leases SET lease_until = now() - interval '1 second'").block(T);
                allAtOnce.blockLast(T);
                assertThat(names).allSatisfy(n -> assertThat(tme.requests(n)).as(n).isEqualTo(2));
            } finally {
                pool.disposeLater().block(T);
            }
        }
    }

    @Test
    void aReplicaLeavingGivesBackTheChannelsItHasNotPolledYet() {
        Cluster a = replica("a", 30, x -> {}, Duration.ofMinutes(10));
        ChannelRepository channels = new ChannelRepository(db);
        channels.ensure("one").block(T);
        long two = channels.ensure("two").block(T).id();
        assertThat(a.dueChannels().get().collectList().block(T)).hasSize(2);
        channels.polled(two, "Two", 5).block(T);               // "two" was polled, "one" was not
        a.leave().block(T);
        Cluster b = replica("b", 30, x -> {}, Duration.ofMinutes(10));
        assertThat(b.dueChannels().get().map(c -> c.username()).collectList().block(T)).containsExactly("one");
    }

    @Test
    void aReplicaKeepsTheChannelsItRenewsAndLosesThemWhenItStopsRenewing() throws InterruptedException {
        Cluster a = replica("a", 30, x -> {}, Duration.ofMillis(1500));
        Cluster b = replica("b", 30, x -> {}, Duration.ofMillis(1500));
        ChannelRepository channels = new ChannelRepository(db);
        channels.ensure("alpha").block(T);
        channels.ensure("bravo").block(T);
        assertThat(a.ownedChannels().get().collectList().block(T)).hasSize(2);
        assertThat(b.ownedChannels().get().collectList().block(T)).isEmpty();
        // a renews (its timetable refresh) before the leases run out: it keeps both, b still gets none
        assertThat(a.ownedChannels().get().map(c -> c.username()).collectList().block(T))
                .containsExactlyInAnyOrder("alpha", "bravo");
        assertThat(b.ownedChannels().get().collectList().block(T)).isEmpty();
        // a stops renewing (dead): once the leases run out, b takes both over
        Thread.sleep(1600);
        assertThat(b.ownedChannels().get().map(c -> c.username()).collectList().block(T))
                .containsExactlyInAnyOrder("alpha", "bravo");
        assertThat(a.ownedChannels().get().collectList().block(T)).isEmpty();
    }

    @Test
    void oneTrainerAtATimeAndAnotherTakesOverWhenItStops() {
        AtomicInteger[] runs = {new AtomicInteger(), new AtomicInteger(), new AtomicInteger()};
        List<Cluster> replicas = new ArrayList<>();
        List<reactor.core.Disposable> trainers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int k = i;
            Cluster c = replica("t" + i, 30, x -> {}, Duration.ofMinutes(5));
            replicas.add(c);
            trainers.add(c.runTrainer(() -> Mono.fromSupplier(() -> runs[k].incrementAndGet() > 0), Duration.ofMillis(50)));
        }
        await(() -> replicas.stream().filter(Cluster::isTrainer).count() == 1 && total(runs) >= 5);
        int first = IntStream.range(0, 3).filter(i -> replicas.get(i).isTrainer()).findFirst().orElseThrow();
        assertThat(IntStream.range(0, 3).filter(i -> i != first).map(i -> runs[i].get())).containsOnly(0);

        trainers.get(first).dispose(); // its connection closes: PostgreSQL lets go of the lock
        int before = runs[first].get();
        await(() -> IntStream.range(0, 3).filter(i -> i != first).anyMatch(i -> runs[i].get() > 0));
        await(() -> IntStream.range(0, 3).filter(i -> i != first && replicas.get(i).isTrainer()).count() == 1);
        assertThat(runs[first].get()).isLessThanOrEqualTo(before + 1);
        int second = IntStream.range(0, 3).filter(i -> i != first && replicas.get(i).isTrainer()).findFirst().orElseThrow();
        int third = 3 - first - second;
        assertThat(runs[third].get()).isZero();
    }

    private static int total(AtomicInteger[] runs) {
        int n = 0;
        for (AtomicInteger r : runs) n += r.get();
        return n;
    }

    @Test
    void aStoredModelVersionIsAnnouncedAndListeningResumesAfterTheConnectionDrops() {
        AtomicLong loaded = new AtomicLong();
        AtomicInteger reloads = new AtomicInteger();
        Cluster c = replica("m", 30, x -> {}, Duration.ofMinutes(5)); // the timer check is an hour away: only NOTIFY can tell
        c.watchModels(loaded::get, () -> newest().doOnNext(v -> {
            reloads.incrementAndGet();
            loaded.set(v);
        }));
        await(() -> listeners() == 1);
        long v1 = storeModel();
        await(() -> loaded.get() == v1);

        int old = listener();
        db.sql().one("SELECT pg_terminate_backend($1) AS ok", r -> r.get("ok", Boolean.class), old).block(T);
        await(() -> listeners() == 1 && listener() != old);
        long v2 = storeModel();
        await(() -> loaded.get() == v2);
        assertThat(reloads.get()).isEqualTo(2);
    }

    private long listeners() {
        return db.sql().one("SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE 'LISTEN %' AND state = 'idle'",
                r -> r.get("n", Long.class)).block(T);
    }

    private int listener() {
        return db.sql().one("SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN %' AND state = 'idle' LIMIT 1",
                r -> r.get("pid", Integer.class)).blockOptional(T).orElse(-1);
    }

    private Mono<Long> newest() {
        return db.sql().one("SELECT max(id) AS id FROM model_versions", r -> r.get("id", Long.class));
    }

    private long storeModel() {
        return new io.tidings.store.ModelRepository(db).save("full", 0, 0, new byte[] {1}, new byte[] {2}, "test").block(T);
    }

    @Test
    void heartbeatsUseAConnectionOfTheirOwnAndGoOnWhileThePoolIsExhausted() {
        AtomicInteger beats = new AtomicInteger();
        List<Duration> holds = new java.util.concurrent.CopyOnWriteArrayList<>();
        Cluster a = Cluster.join(db, new ClusterConfig("a", 30, BEAT, BEAT.multipliedBy(4), Duration.ofMinutes(5),
                Duration.ofHours(1)), r -> beats.incrementAndGet(), holds::add, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        clusters.add(a);
        a.start();
        int max = db.pool().getMetrics().orElseThrow().getMaxAllocatedSize();
        List<io.r2dbc.spi.Connection> taken = new ArrayList<>();
        for (int i = 0; i < max; i++) taken.add(Mono.from(db.pool().create()).block(T)); // every pooled connection busy
        try {
            assertThat(db.pool().getMetrics().orElseThrow().acquiredSize()).isEqualTo(max);
            int before = beats.get();
            await(() -> beats.get() >= before + 5); // a second of beats (200 ms) with no pooled connection free
            assertThat(holds).as("never counted as gone, never stopped sending").isEmpty();
        } finally {
            taken.forEach(c -> Mono.from(c.close()).block(T));
        }
    }

    @Test
    void aReplicaThatCannotBeatStopsSendingUntilItBeatsAgain() {
        AtomicInteger failing = new AtomicInteger(1);
        io.r2dbc.spi.ConnectionFactory direct = ((io.r2dbc.spi.Wrapped<io.r2dbc.spi.ConnectionFactory>) (Object) db.pool()).unwrap();
        io.r2dbc.spi.ConnectionFactory cut = new io.r2dbc.spi.ConnectionFactory() {
            @Override
            public org.reactivestreams.Publisher<? extends io.r2dbc.spi.Connection> create() {
                return failing.get() == 1 ? Mono.error(new IllegalStateException("database unreachable")) : direct.create();
            }

            @Override
            public io.r2dbc.spi.ConnectionFactoryMetadata getMetadata() {
                return direct.getMetadata();
            }
        };
        List<Double> rates = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Duration> holds = new java.util.concurrent.CopyOnWriteArrayList<>();
        ClusterConfig config = new ClusterConfig("lonely", 30, BEAT, BEAT.multipliedBy(4), Duration.ofMinutes(5), Duration.ofHours(1));
        ReplicaRegistry registry = new ReplicaRegistry(db.sql(), cut, config, rates::add, holds::add);
        reactor.core.Disposable running = registry.start(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        try {
            await(() -> holds.size() >= 2); // held again and again while the beats fail
            assertThat(holds).allSatisfy(d -> assertThat(d).isEqualTo(BEAT));
            assertThat(rates).isEmpty();
            failing.set(0);
            await(() -> !rates.isEmpty());
            int held = holds.size();
            await(() -> rates.size() >= 3);
            assertThat(holds.size()).as("no hold once it beats again").isLessThanOrEqualTo(held + 1);
            assertThat(rates).containsOnly(30.0);
        } finally {
            running.dispose();
        }
    }

    @Test
    void theReaperLeavesAnUpdateClaimedByALateReplicaUntilTheClaimRunsOut() {
        db.sql().update("INSERT INTO updates (update_id, body, claimed_by, claimed_until) VALUES "
                + "(1, '{}', 'late', now() + interval '1 minute'), (2, '{}', 'late', now() - interval '1 second')").block(T);
        // 'late' has no fresh heartbeat (as when its beats are delayed), but its claim on update 1 still runs
        OutboxReaper reaper = new OutboxReaper(db.sql(), new io.tidings.store.DeliveryRepository(db), "self", BEAT.multipliedBy(4));
        reaper.reap().block(T);
        List<String> owners = db.sql().query("SELECT coalesce(claimed_by, '-') AS o FROM updates ORDER BY update_id",
                r -> r.get("o", String.class)).collectList().block(T);
        assertThat(owners).containsExactly("late", "-");
    }
}
