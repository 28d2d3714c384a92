package io.tidings.app;

import static io.tidings.app.E2e.T;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.store.ChannelRepository;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Reading channels through the local t.me server: each post stored and announced once, faults contained. */
class IngestE2eTest {

    private E2e e2e;
    private ChannelRepository channels;

    @BeforeEach
    void setUp() {
        e2e = new E2e();
        channels = new ChannelRepository(e2e.db);
    }

    @AfterEach
    void tearDown() {
        if (e2e != null) e2e.close();
    }

    private long stored(String channel) {
        return e2e.count("SELECT count(*) FROM posts p JOIN channels c ON c.id = p.channel_id WHERE c.username = $1", channel);
    }

    private String status(String channel) {
        return channels.findByUsername(channel).block(T).status().sql();
    }

    @Test
    void pollingTwiceStoresEachPostOnceAndNewPostsArePickedUpIncrementally() {
        e2e.channel("alphanews", 25).channel("betanews", 5); // alphanews spans two pages
        e2e.start(List.of("alphanews", "betanews"));

        assertThat(e2e.ingest()).as("announced by the first poll").isEqualTo(30);
        assertThat(e2e.app().pool().size()).isEqualTo(30);
        assertThat(e2e.ingest()).as("announced by the second poll").isZero();
        assertThat(e2e.count("SELECT count(*) FROM posts")).isEqualTo(30);
        assertThat(e2e.app().pool().size()).isEqualTo(30);

        e2e.addPost("alphanews", 26);
        e2e.addPost("alphanews", 27);
        e2e.addPost("betanews", 6);
        int pagesBefore = e2e.channels.requests("alphanews");
        assertThat(e2e.ingest()).isEqualTo(3);
        assertThat(e2e.channels.requests("alphanews") - pagesBefore).as("only the newest page is read").isEqualTo(1);
        assertThat(stored("alphanews")).isEqualTo(27);
        assertThat(stored("betanews")).isEqualTo(6);
        assertThat(e2e.app().pool().size()).isEqualTo(33);
        assertThat(e2e.count("SELECT count(DISTINCT (channel_id, message_id)) FROM posts")).isEqualTo(33);
        assertThat(e2e.count("SELECT last_message_id FROM channels WHERE username = $1", "alphanews")).isEqualTo(27);
    }

    @Test
    void aChannelWithoutPublicPreviewIsMarkedUnavailableAndNotPolledAgain() {
        e2e.channel("alphanews", 4).channel("hiddennews", 4);
        e2e.channels.setNoPreview("hiddennews");
        e2e.start(List.of("alphanews", "hiddennews"), Map.of("TME_GONE_CHECKS", "1", "TME_GONE_MINUTES", "0"));

        assertThat(e2e.ingest()).isEqualTo(4);
        assertThat(status("hiddennews")).isEqualTo("unavailable");
        assertThat(status("alphanews")).isEqualTo("active");
        int requests = e2e.channels.requests("hiddennews");
        assertThat(requests).isPositive();

        e2e.addPost("alphanews", 5);
        assertThat(e2e.ingest()).isEqualTo(1);
        assertThat(e2e.channels.requests("hiddennews")).isEqualTo(requests);
        assertThat(stored("hiddennews")).isZero();
    }

    @Test
    void aFailingChannelDoesNotStopTheOthersAndIsReadOnceItRecovers() {
        e2e.channel("alphanews", 4).channel("brokennews", 4).channel("gammanews", 4);
        e2e.channels.failChannel("brokennews", 500);
        // one retry, not three: the retries back off 1, 2 and 4 s, and one retry already shows that a 500 is retried
        // before the channel is given up for this poll (passingServerErrorsAreRetriedWithinOnePoll has all three)
        e2e.start(List.of("alphanews", "brokennews", "gammanews"), Map.of("TME_RETRIES", "1"));

        assertThat(e2e.ingest()).isEqualTo(8);
        assertThat(stored("alphanews")).isEqualTo(4);
        assertThat(stored("gammanews")).isEqualTo(4);
        assertThat(stored("brokennews")).isZero();
        assertThat(status("brokennews")).as("a 500 is not a missing preview").isEqualTo("active");
        assertThat(e2e.channels.requests("brokennews")).as("retried before giving up").isGreaterThan(1);

        e2e.channels.failChannel("brokennews", 0);
        assertThat(e2e.ingest()).isEqualTo(4);
        assertThat(stored("brokennews")).isEqualTo(4);
        assertThat(e2e.app().pool().size()).isEqualTo(12);
    }

    @Test
    void passingServerErrorsAreRetriedWithinOnePoll() {
        e2e.channel("alphanews", 4).channel("betanews", 4).channel("gammanews", 4);
        e2e.start(List.of("alphanews", "betanews", "gammanews"));
        e2e.channels.failNext(500, 2); // at most two failures for one channel: each channel gets three tries

        assertThat(e2e.ingest()).isEqualTo(12);
        assertThat(e2e.count("SELECT count(*) FROM posts")).isEqualTo(12);
        assertThat(e2e.count("SELECT count(*) FROM channels WHERE status = 'active'")).isEqualTo(3);
        assertThat(e2e.channels.totalRequests()).isEqualTo(3 + 2);
    }

    @Test
    void postsOfChannelsWhereTheBotIsAdminArriveAsUpdatesAndTakeTheSamePath() {
        e2e.start(List.of());
        String chat = "{\"id\":-100777,\"type\":\"channel\",\"title\":\"Admin news\",\"username\":\"adminnews\"}";
        e2e.telegram.pushUpdate("{\"channel_post\":{\"message_id\":41,\"date\":" + java.time.Instant.now().getEpochSecond()
                + ",\"chat\":" + chat + ",\"text\":\"fresh from the admin feed\"}}");
        E2e.await("the channel post stored", () -> stored("adminnews") == 1);
        E2e.await("the channel post in the fresh pool", () -> e2e.app().pool().size() == 1);
        e2e.telegram.pushUpdate("{\"edited_channel_post\":{\"message_id\":41,\"date\":" + java.time.Instant.now().getEpochSecond()
                + ",\"edit_date\":" + java.time.Instant.now().getEpochSecond() + ",\"chat\":" + chat + ",\"text\":\"corrected\"}}");
        E2e.await("the edit stored", () -> e2e.count("SELECT count(*) FROM posts WHERE text = 'corrected'") == 1);
        assertThat(stored("adminnews")).isEqualTo(1);
        assertThat(status("adminnews")).isEqualTo("active");
    }
}
