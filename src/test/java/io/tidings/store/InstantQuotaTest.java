package io.tidings.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/** The daily instant-push cap holds exactly when many pushes for one reader race (they do, as posts arrive together). */
class InstantQuotaTest {

    private static final Duration T = Duration.ofSeconds(30);
    private Database db;
    private DeliveryRepository deliveries;
    private long[] posts;

    @BeforeEach
    void setUp() {
        db = TestDatabase.reset();
        deliveries = new DeliveryRepository(db);
        long channel = new ChannelRepository(db).ensure("fast").block(T).id();
        posts = new long[40];
        for (int i = 0; i < posts.length; i++) {
            posts[i] = new PostRepository(db).insertIfAbsent(new PostRepository.NewPost(channel, i + 1, Instant.now(), PostKind.TEXT,
                    "p" + i, "p" + i, List.of(), 1, null)).block(T).id();
        }
        db.sql().update("INSERT INTO readers (id, first_name, language) VALUES (1, 'a', 'en'), (2, 'b', 'en')").block(T);
    }

    @Test
    void fortyConcurrentPushesForOneReaderQueueExactlyTheCap() {
        // each insert into the outbox takes a little while, as under load: a count-then-insert lets them all through
        db.sql().update("CREATE OR REPLACE FUNCTION test_slow_insert() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(0.2); "
                + "RETURN NEW; END $$ LANGUAGE plpgsql").block(T);
        db.sql().update("CREATE OR REPLACE TRIGGER test_slow_insert BEFORE INSERT ON deliveries FOR EACH ROW "
                + "EXECUTE FUNCTION test_slow_insert()").block(T);
        try {
            race();
        } finally {
            db.sql().update("DROP TRIGGER IF EXISTS test_slow_insert ON deliveries").block(T);
            db.sql().update("DROP FUNCTION IF EXISTS test_slow_insert()").block(T);
        }
    }

    private void race() {
        for (int round = 0; round < 3; round++) {
            db.sql().update("DELETE FROM deliveries").block(T);
            db.sql().update("DELETE FROM instant_quota").block(T);
            long queued = Flux.range(0, posts.length)
                    .flatMap(i -> deliveries.enqueueInstant(1, posts[i], 0.95f, 3), posts.length)
                    .count().block(T);
            assertThat(queued).as("round %d", round).isEqualTo(3);
            assertThat(count(1)).isEqualTo(3);
        }
    }

    @Test
    void aPostAlreadyQueuedTakesNoSlotAndTheWindowRenewsAfterADay() {
        deliveries.enqueue(2, posts[0], "mailing", 0.5f).block(T);
        assertThat(deliveries.enqueueInstant(2, posts[0], 0.9f, 2).blockOptional(T)).isEmpty();
        assertThat(deliveries.enqueueInstant(2, posts[1], 0.9f, 2).blockOptional(T)).isPresent();
        assertThat(deliveries.enqueueInstant(2, posts[2], 0.9f, 2).blockOptional(T)).isPresent();
        assertThat(deliveries.enqueueInstant(2, posts[3], 0.9f, 2).blockOptional(T)).as("cap reached").isEmpty();
        db.sql().update("UPDATE instant_quota SET window_start = now() - interval '25 hours' WHERE reader_id = 2").block(T);
        assertThat(deliveries.enqueueInstant(2, posts[3], 0.9f, 2).blockOptional(T)).as("a new window").isPresent();
        assertThat(deliveries.enqueueInstant(2, posts[4], 0.9f, 0).blockOptional(T)).as("cap 0: none").isEmpty();
    }

    private long count(long reader) {
        return db.sql().one("SELECT count(*) AS n FROM deliveries WHERE reader_id = $1 AND reason = 'instant'",
                r -> r.get("n", Long.class), reader).block(T);
    }
}
