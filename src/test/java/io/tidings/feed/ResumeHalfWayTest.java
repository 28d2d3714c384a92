package io.tidings.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidings.Await;
import io.tidings.TestDatabase;
import io.tidings.model.ModelConfig;
import io.tidings.model.TrainedModel;
import io.tidings.store.BroadcastRepository;
import io.tidings.store.ChannelRepository;
import io.tidings.store.Database;
import io.tidings.store.DatabaseConfig;
import io.tidings.store.DeliveryRepository;
import io.tidings.store.PostKind;
import io.tidings.store.PostRepository;
import io.tidings.store.ReaderRepository;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;

/**
 * Broadcasts and scheduled mailings stopped half-way, by an error or by a replica that dies in the middle of a page
 * (its subscription gone and its database session killed), are finished by another replica with its own connection
 * pool: every reader gets the broadcast, or their mailing, exactly once. The fault is a real database one: a trigger
 * on the outbox that fails, or hangs, at reader 701 (pages of 100 readers: seven pages are done before it).
 */
class ResumeHalfWayTest {

    private static final Duration T = Duration.ofSeconds(60);
    private static final int READERS = 1200;
    private static final int PAGE = 100;
    private static final LocalTime MAILING = LocalTime.of(3, 7);

    private Database shared;
    private Database replicaA;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void setUp() {
        shared = TestDatabase.reset();
        long channel = new ChannelRepository(shared).ensure("news").block(T).id();
        for (int i = 1; i <= 5; i++) {
            new PostRepository(shared).insertIfAbsent(new PostRepository.NewPost(channel, i, Instant.now(), PostKind.TEXT,
                    "Post " + i, "Post " + i, List.of(), 100, null)).block(T);
        }
        shared.sql().update("INSERT INTO readers (id, first_name, language) SELECT g, 'r' || g, 'en' FROM generate_series(1, $1) g",
                READERS).block(T);
        shared.sql().update("CREATE TABLE IF NOT EXISTS test_faults (kind TEXT)").block(T);
        shared.sql().update("CREATE OR REPLACE FUNCTION test_fault() RETURNS trigger AS $$ BEGIN "
                + "IF NEW.reader_id = 701 AND EXISTS (SELECT 1 FROM test_faults WHERE kind = 'error') THEN "
                + "RAISE EXCEPTION 'injected fault at reader 701'; END IF; "
                + "IF NEW.reader_id = 701 AND EXISTS (SELECT 1 FROM test_faults WHERE kind = 'hang') THEN PERFORM pg_sleep(120); END IF; "
                + "RETURN NEW; END $$ LANGUAGE plpgsql").block(T);
        shared.sql().update("CREATE OR REPLACE TRIGGER test_fault BEFORE INSERT ON deliveries FOR EACH ROW EXECUTE FUNCTION test_fault()")
                .block(T);
        // the replica that fails: a pool of its own, as another process would have
        replicaA = Database.start(DatabaseConfig.custom().url(TestDatabase.url()).poolMaxSize(4).build());
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closing) c.close();
        shared.sql().update("DROP TRIGGER IF EXISTS test_fault ON deliveries").block(T);
        shared.sql().update("DROP FUNCTION IF EXISTS test_fault()").block(T);
        shared.sql().update("DROP TABLE IF EXISTS test_faults").block(T);
        if (replicaA != null) replicaA.close();
    }

    @Test
    void aBroadcastWhoseReplicaDiedMidPageIsFinishedByAnotherOnceTheLeaseRunsOut() {
        long post = firstPost();
        long id = new BroadcastRepository(shared).schedule(post, Instant.now(), 1).block(T);
        fault("hang");
        BroadcastLoop a = new BroadcastLoop(new BroadcastRepository(replicaA), "a", Duration.ofSeconds(2), PAGE, () -> { });
        Disposable crashing = a.runDue().subscribe(n -> { }, e -> { });
        crash(crashing);

        assertThat(progress(id)).as("seven pages recorded before the crash").isEqualTo("queuing 700 700");
        BroadcastLoop b = new BroadcastLoop(new BroadcastRepository(shared), "b", Duration.ofSeconds(2), PAGE, () -> { });
        assertThat(b.runDue().block(T)).as("the lease has not run out yet").isZero();
        long[] resumed = {0};
        Await.until("another replica resumes the broadcast", () -> (resumed[0] += b.runDue().block(T)) > 0, T);

        assertThat(resumed[0]).isEqualTo(READERS - 700);
        assertThat(progress(id)).isEqualTo("queued " + READERS + " " + READERS);
        assertExactlyOnce("broadcast", post);
    }

    @Test
    void aBroadcastScheduledForNowIsQueuedWithoutWaitingForTheNextTick() {
        long first = firstPost();
        long second = shared.sql().one("SELECT id FROM posts ORDER BY id OFFSET 1 LIMIT 1", r -> r.get("id", Long.class)).block(T);
        BroadcastLoop loop = new BroadcastLoop(new BroadcastRepository(shared), "a", Duration.ofMinutes(10), PAGE, () -> { });
        // one look at start, the next an hour away
        Disposable running = loop.start(Duration.ofHours(1), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        closing.add(running::dispose);
        long a = loop.schedule(first, Instant.now(), 1).block(T);
        Await.until("the first broadcast queued (the look at start is behind us)", () -> progress(a).startsWith("queued"), T);

        long later = loop.schedule(second, Instant.now().plus(Duration.ofHours(2)), 1).block(T);
        long now = loop.schedule(second, Instant.now(), 1).block(T);

        Await.until("the broadcast due now queued long before the next tick",
                () -> ("queued " + READERS + " " + READERS).equals(progress(now)), T);
        assertThat(progress(later)).as("the later one waits for its time").startsWith("scheduled");
        assertExactlyOnce("broadcast", second);
    }

    @Test
    void aBroadcastThatFailedHalfWayIsResumedAtOnceAfterTheLastPageDone() {
        long post = firstPost();
        long id = new BroadcastRepository(shared).schedule(post, Instant.now(), 1).block(T);
        fault("error");
        BroadcastLoop a = new BroadcastLoop(new BroadcastRepository(replicaA), "a", Duration.ofMinutes(10), PAGE, () -> { });
        assertThatThrownBy(() -> a.runDue().block(T)).hasMessageContaining("injected fault");
        assertThat(progress(id)).isEqualTo("queuing 700 700");
        clearFaults();

        // the failed replica gave its lease back: the next look, on any replica, goes on after reader 700
        BroadcastLoop b = new BroadcastLoop(new BroadcastRepository(shared), "b", Duration.ofMinutes(10), PAGE, () -> { });
        assertThat(b.runDue().block(T)).isEqualTo(READERS - 700);
        assertThat(progress(id)).isEqualTo("queued " + READERS + " " + READERS);
        assertThat(b.runDue().block(T)).as("a finished broadcast is not run again").isZero();
        assertExactlyOnce("broadcast", null);
    }

    @Test
    void aMailingMinuteThatFailedHalfWayIsFinishedByAnotherReplicasNextTick() {
        Instant minute = Instant.now().truncatedTo(ChronoUnit.DAYS).plus(3, ChronoUnit.HOURS).plus(7, ChronoUnit.MINUTES);
        fault("error");
        FeedService a = feed(replicaA);
        assertThatThrownBy(() -> a.mailingAt(minute, "a").block(T)).hasMessageContaining("stopped half-way");
        assertThat(mailingProgress(minute)).isEqualTo("700 700 open");
        clearFaults();

        // another replica's tick for a later minute (nobody is due then) resumes the unfinished one
        FeedService b = feed(shared);
        assertThat(b.mailingAt(minute.plus(1, ChronoUnit.MINUTES), "b").block(T)).isEqualTo(READERS - 700);
        assertThat(mailingProgress(minute)).isEqualTo(READERS + " " + READERS + " done");
        assertExactlyOnce("mailing", null);
    }

    @Test
    void aMailingMinuteWhoseReplicaDiedMidPageIsFinishedByAnother() {
        Instant minute = Instant.now().truncatedTo(ChronoUnit.DAYS).plus(3, ChronoUnit.HOURS).plus(7, ChronoUnit.MINUTES);
        fault("hang");
        FeedService a = feed(replicaA);
        Disposable crashing = a.mailingAt(minute, "a").subscribe(n -> { }, e -> { });
        crash(crashing);
        assertThat(mailingProgress(minute)).isEqualTo("700 700 open");

        FeedService b = feed(shared);
        long[] resumed = {0};
        Await.until("another replica resumes the mailing once the lease runs out",
                () -> (resumed[0] += b.mailingAt(minute.plus(1, ChronoUnit.MINUTES), "b").block(T)) > 0, T);
        assertThat(resumed[0]).isEqualTo(READERS - 700);
        assertThat(mailingProgress(minute)).isEqualTo(READERS + " " + READERS + " done");
        assertExactlyOnce("mailing", null);
    }

    /** The replica dies in the middle of a page: its work is dropped and its database session killed mid-statement. */
    private void crash(Disposable work) {
        Await.until("replica a is stuck in the page of reader 701", () -> sleepers() > 0, T);
        work.dispose();
        shared.sql().update("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event = 'PgSleep'").block(T);
        replicaA.close();
        replicaA = null;
        clearFaults();
    }

    private FeedService feed(Database db) {
        FeedConfig config = new FeedConfig(32, 0.0, 1.0, List.of(MAILING), 1, Duration.ofDays(30), false, 0.9f, 3, PAGE,
                Duration.ofSeconds(5), Duration.ofMillis(1005));
        FreshPool pool = new FreshPool(Duration.ofDays(3), 1000, Clock.systemUTC());
        shared.sql().query("SELECT id, channel_id FROM posts", r -> new FreshPool.Entry(r.get("id", Long.class),
                r.get("channel_id", Long.class), Instant.now())).doOnNext(pool::add).blockLast(T);
        CandidateIndex.ModelVersion version = new CandidateIndex.ModelVersion(1, TrainedModel.untrained(ModelConfig.defaults(), 1));
        CandidateIndex index = new CandidateIndex(pool, () -> version, 8, 1);
        closing.add(index);
        return new FeedService(pool, index, () -> version, new DeliveryRepository(db), new ReaderRepository(db),
                Schedulers.parallel(), () -> { }, config, ReaderPreferences.NONE);
    }

    private void assertExactlyOnce(String reason, Long post) {
        Map<Long, Long> perReader = shared.sql().query("SELECT reader_id, count(*) AS n FROM deliveries WHERE reason = $1"
                                + (post == null ? "" : " AND post_id = " + post) + " GROUP BY reader_id",
                        r -> Map.entry(r.get("reader_id", Long.class), r.get("n", Long.class)), reason)
                .collectList().block(T).stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertThat(perReader).as("readers with a %s", reason).hasSize(READERS);
        assertThat(perReader.values()).as("deliveries per reader").containsOnly(1L);
    }

    private long firstPost() {
        return shared.sql().one("SELECT min(id) AS id FROM posts", r -> r.get("id", Long.class)).block(T);
    }

    private void fault(String kind) {
        shared.sql().update("INSERT INTO test_faults VALUES ($1)", kind).block(T);
    }

    private void clearFaults() {
        shared.sql().update("DELETE FROM test_faults").block(T);
    }

    private long sleepers() {
        return shared.sql().one("SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event = 'PgSleep'", r -> r.get("n", Long.class))
                .block(T);
    }

    private String progress(long id) {
        return shared.sql().one("SELECT state || ' ' || after_reader || ' ' || queued AS p FROM broadcasts WHERE id = $1",
                r -> r.get("p", String.class), id).block(T);
    }

    private String mailingProgress(Instant minute) {
        return shared.sql().one("SELECT after_reader || ' ' || coalesce(queued, 0) || ' ' || CASE WHEN done_at IS NULL THEN 'open' "
                        + "ELSE 'done' END AS p FROM mailing_runs WHERE minute = $1",
                r -> r.get("p", String.class), minute.atOffset(java.time.ZoneOffset.UTC)).block(T);
    }
}
