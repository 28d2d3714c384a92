package io.tidings.feed;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.TestDatabase;
import io.tidings.model.ModelConfig;
import io.tidings.model.TrainedModel;
import io.tidings.store.ChannelRepository;
import io.tidings.store.Database;
import io.tidings.store.DeliveryRepository;
import io.tidings.store.Post;
import io.tidings.store.PostKind;
import io.tidings.store.PostRepository;
import io.tidings.store.ReaderRepository;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;

/**
 * A mailing includes every post that arrived before it started, even when the background loop that scores arrivals
 * has not run yet (here it never runs): the mailing scores what is waiting first. Found as a flake: an end-to-end test
 * that ingested a post and mailed at once, under load, mailed before the arrival was scored.
 */
class MailingAfterArrivalTest {

    private static final Duration T = Duration.ofSeconds(60);
    private static final int READERS = 3;

    private Database db;
    private CandidateIndex index;
    private long channel;

    @BeforeEach
    void setUp() {
        db = TestDatabase.reset();
        channel = new ChannelRepository(db).ensure("news").block(T).id();
        db.sql().update("INSERT INTO readers (id, first_name, language) SELECT g, 'r' || g, 'en' FROM generate_series(1, $1) g",
                READERS).block(T);
    }

    @AfterEach
    void tearDown() {
        if (index != null) index.close();
    }

    private Post store(int message) {
        return new PostRepository(db).insertIfAbsent(new PostRepository.NewPost(channel, message, Instant.now(), PostKind.TEXT,
                "Post " + message, "Post " + message, List.of(), 100, null)).block(T);
    }

    /** A feed whose loops never run; with {@code instantPush}, every arriving post is pushed to every reader at once. */
    private FeedService feed(boolean instantPush) {
        FreshPool pool = new FreshPool(Duration.ofDays(3), 1000, Clock.systemUTC());
        CandidateIndex.ModelVersion version = new CandidateIndex.ModelVersion(1, TrainedModel.untrained(ModelConfig.defaults(), 1));
        index = new CandidateIndex(pool, () -> version, 8, 1);
        FeedConfig config = new FeedConfig(32, 0.0, 1.0, List.of(LocalTime.of(3, 7)), 1, Duration.ofDays(30), instantPush,
                instantPush ? 0f : 0.9f, 3, 100, Duration.ofSeconds(5), Duration.ofMillis(1005));
        return new FeedService(pool, index, () -> version, new DeliveryRepository(db), new ReaderRepository(db),
                Schedulers.boundedElastic(), () -> { }, config, ReaderPreferences.NONE);
    }

    @Test
    void aPostThatArrivedBeforeAMailingIsInItThoughNoLoopScoredItYet() {
        FeedService feed = feed(false);
        feed.postArrived(store(1));
        feed.postArrived(store(2));
        assertThat(feed.mailing(1).block(T)).as("one post each; every reader's set is made").isEqualTo(READERS);

        Post late = store(3);
        feed.postArrived(late); // feed.start() was never called: no loop will score it
        assertThat(feed.mailing(10).block(T)).as("the other early post and the late one, to each").isEqualTo(2L * READERS);
        assertThat(db.sql().one("SELECT count(DISTINCT reader_id) AS n FROM deliveries WHERE post_id = $1",
                r -> r.get("n", Long.class), late.id()).block(T)).isEqualTo(READERS);
    }

    @Test
    void aMailingGoesOutWhenPushingTheWaitingPostsFails() {
        FeedService feed = feed(true);
        feed.postArrived(store(1));
        assertThat(feed.mailing(1).block(T)).isEqualTo(READERS);
        // the database refuses every instant push (as a trigger, a full disk or a constraint would)
        db.sql().update("CREATE OR REPLACE FUNCTION test_no_instant() RETURNS trigger AS $$ BEGIN "
                + "IF NEW.reason = 'instant' THEN RAISE EXCEPTION 'injected: instant pushes refused'; END IF; RETURN NEW; END $$ "
                + "LANGUAGE plpgsql").block(T);
        db.sql().update("CREATE OR REPLACE TRIGGER test_no_instant BEFORE INSERT ON deliveries FOR EACH ROW "
                + "EXECUTE FUNCTION test_no_instant()").block(T);
        try {
            Post second = store(2);
            feed.postArrived(second);
            Post late = store(3);
            feed.postArrived(late);
            assertThat(feed.mailing(10).block(T)).as("the mailing still goes out, with the posts now in the sets")
                    .isEqualTo(2L * READERS);
            assertThat(db.sql().one("SELECT count(*) AS n FROM deliveries WHERE reason = 'instant'", r -> r.get("n", Long.class))
                    .block(T)).isZero();
        } finally {
            db.sql().update("DROP TRIGGER IF EXISTS test_no_instant ON deliveries").block(T);
            db.sql().update("DROP FUNCTION IF EXISTS test_no_instant()").block(T);
        }
    }
}
