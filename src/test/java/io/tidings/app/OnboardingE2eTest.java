package io.tidings.app;

import static io.tidings.app.E2e.T;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.testkit.botapi.SentMessage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Onboarding picks end to end through the real pengrad client: /start greets and sends the first post at once, and
 * beside it offers the catalogue's channels as buttons (a reply, so it may arrive before the post, which goes through
 * the outbox); a pick steers the next posts to the picked channel; a reader
 * who ignores the offer still gets posts of every channel.
 */
class OnboardingE2eTest {

    private static final long ANN = 8201;
    private static final long IVAN = 8202;
    private E2e e2e;

    @BeforeEach
    void setUp() {
        e2e = new E2e().channel("alphanews", 8).channel("betanews", 8).channel("gammanews", 8);
        e2e.start(List.of("alphanews", "betanews", "gammanews"), Map.of("READER_COMMAND_BURST", "100"));
        e2e.ingest();
    }

    @AfterEach
    void tearDown() {
        if (e2e != null) e2e.close();
    }

    private static String channelOf(SentMessage post) {
        return E2e.permalink(post).split("/")[3];
    }

    private static SentMessage offer(Chat chat) {
        E2e.await("the channel offer", () -> chat.replies().stream().anyMatch(m -> m.button("@gammanews") != null));
        return chat.replies().stream().filter(m -> m.button("@gammanews") != null).findFirst().orElseThrow();
    }

    @Test
    void aPickSteersTheNextPostsToThePickedChannel() {
        Chat ann = new Chat(e2e, ANN, "en");
        ann.say("/start");
        SentMessage first = e2e.awaitPost(ANN, 1);
        SentMessage offer = offer(ann);
        assertThat(first.button("👍")).as("the first post came at once, whatever the offer").isNotNull();
        assertThat(offer.text()).startsWith("Optional: pick a few channels").hasSizeLessThanOrEqualTo(4096);
        assertThat(offer.buttons()).hasSize(3).allMatch(b -> b.callbackData().getBytes().length <= 64);

        assertThat(ann.press(offer.messageId(), ann.button(offer, "@gammanews"))).startsWith("Picked");
        E2e.await("pick marked", () -> ann.labels(offer).stream().anyMatch(l -> l.startsWith("✅") && l.endsWith("@gammanews")));
        assertThat(e2e.count("SELECT count(*) FROM reader_picks WHERE reader_id = $1", ANN)).isEqualTo(1);

        int before = e2e.posts(ANN).size();
        e2e.app().feed().mailing(3).block(T);
        e2e.awaitOutboxEmpty();
        List<SentMessage> next = e2e.posts(ANN).subList(before, e2e.posts(ANN).size());
        assertThat(next).hasSize(3).allMatch(p -> channelOf(p).equals("gammanews"), "from the picked channel");

        // pressed again, the pick is undone
        assertThat(ann.press(offer.messageId(), ann.button(offer, "@gammanews"))).startsWith("Unpicked");
        assertThat(e2e.count("SELECT count(*) FROM reader_picks WHERE reader_id = $1", ANN)).isZero();
    }

    @Test
    void aReaderWhoIgnoresTheOfferLosesNothingInRussianToo() {
        Chat ivan = new Chat(e2e, IVAN, "ru");
        ivan.say("/start");
        SentMessage first = e2e.awaitPost(IVAN, 1);
        SentMessage offer = offer(ivan);
        assertThat(offer.text()).startsWith("По желанию: выберите несколько каналов");
        assertThat(first.button("👍")).isNotNull();
        e2e.app().feed().mailing(3).block(T);
        e2e.awaitOutboxEmpty();
        assertThat(e2e.posts(IVAN)).as("the mailing as without the offer").hasSize(4);
        assertThat(e2e.count("SELECT count(*) FROM reader_picks WHERE reader_id = $1", IVAN)).isZero();
    }
}
