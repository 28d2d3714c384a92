package io.tidings.app;

import static io.tidings.app.E2e.T;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.store.ReaderSettingsRepository;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Instant push through the real pengrad client: a new post above a reader's threshold goes out at once, a few times a day at most. */
class InstantPushE2eTest {

    private static final long EAGER = 8101;
    private static final long OPTED_OUT = 8102;
    private E2e e2e;

    @BeforeEach
    void setUp() {
        e2e = new E2e().channel("alphanews", 4);
        // every score is above 0: each new post is worth a push, so the daily cap is what decides
        e2e.start(List.of("alphanews"), Map.of("INSTANT_PUSH", "true", "INSTANT_PUSH_THRESHOLD", "0",
                "INSTANT_PUSH_PER_DAY", "2"));
        assertThat(e2e.ingest()).isEqualTo(4);
    }

    @AfterEach
    void tearDown() {
        if (e2e != null) e2e.close();
    }

    @Test
    void aNewPostAboveTheThresholdReachesTheReaderAtOnceAtMostThePerDayCap() {
        for (long r : List.of(EAGER, OPTED_OUT)) {
            e2e.telegram.pushMessage(r, "/start", "en");
            e2e.awaitPost(r, 1);
        }
        e2e.awaitOutboxEmpty();
        new ReaderSettingsRepository(e2e.db).setInstantPush(OPTED_OUT, false).block(T);
        e2e.app().preferences().reload().block(T);

        e2e.addPost("alphanews", 5);
        assertThat(e2e.ingest()).isEqualTo(1);
        // no mailing, no vote: the new post is pushed because it arrived
        assertThat(E2e.permalink(e2e.awaitPost(EAGER, 2))).isEqualTo("https://t.me/alphanews/5");

        e2e.addPost("alphanews", 6);
        e2e.addPost("alphanews", 7);
        assertThat(e2e.ingest()).isEqualTo(2);
        e2e.awaitPost(EAGER, 3);
        e2e.awaitOutboxEmpty();
        // a positive sentinel: two more ticks of the arrival loop began, so the posts above were all scored
        e2e.awaitTicks("new-posts", 2);
        e2e.awaitOutboxEmpty();

        assertThat(e2e.deliveries(EAGER)).filteredOn(d -> d.reason().equals("instant")).hasSize(2)
                .allSatisfy(d -> assertThat(d.state()).isEqualTo("sent"));
        assertThat(e2e.posts(EAGER)).hasSize(3);
        assertThat(e2e.deliveries(OPTED_OUT)).noneMatch(d -> d.reason().equals("instant"));
        assertThat(e2e.posts(OPTED_OUT)).hasSize(1);
    }
}
