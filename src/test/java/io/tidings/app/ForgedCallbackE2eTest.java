package io.tidings.app;

import static io.tidings.app.E2e.T;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.store.VoteRepository;
import io.tidings.render.CallbackData;
import io.tidings.testkit.botapi.RecordedCall;
import io.tidings.testkit.botapi.SentMessage;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Button data and updates from outside are untrusted: forgeries change nothing and the bot keeps serving. */
class ForgedCallbackE2eTest {

    private static final long ANN = 6001;
    private static final long BOB = 6002;
    private static final String INVALID = "This button is no longer valid.";
    private E2e e2e;
    private VoteRepository votes;

    @BeforeEach
    void setUp() {
        e2e = new E2e().channel("alphanews", 5);
        e2e.start(List.of("alphanews"));
        e2e.ingest();
        votes = new VoteRepository(e2e.db);
    }

    @AfterEach
    void tearDown() {
        if (e2e != null) e2e.close();
    }

    @Test
    void forgedButtonsAreAnsweredPolitelyAndStoreNothing() {
        e2e.telegram.pushMessage(ANN, "/start", "en");
        e2e.telegram.pushMessage(BOB, "/start", "en");
        SentMessage annPost = e2e.awaitPost(ANN, 1);
        SentMessage bobPost = e2e.awaitPost(BOB, 1);
        long annPostId = e2e.postOf(annPost);
        String real = annPost.button("👍").callbackData();
        String signature = real.substring(real.indexOf('.'));
        long otherPost = annPostId == 1 ? 2 : 1;

        List<String> forged = List.of(
                "l" + Long.toString(otherPost, 36) + signature,           // tampered post id, original signature
                "d" + Long.toString(annPostId, 36) + signature,           // tampered action
                "garbage",
                "l.",
                "x1." + "A".repeat(16),
                "l" + Long.toString(annPostId, 36) + "." + "A".repeat(200)); // longer than Telegram allows
        for (String data : forged) e2e.telegram.pushCallbackQuery(ANN, annPost.messageId(), data);
        // Bob presses Ann's button: the signature binds it to Ann
        e2e.telegram.pushCallbackQuery(BOB, bobPost.messageId(), real);

        int expectedAnswers = forged.size() + 1;
        E2e.await("every forged press answered", () -> e2e.telegram.calls("answerCallbackQuery").size() >= expectedAnswers);
        assertThat(e2e.telegram.calls("answerCallbackQuery")).hasSize(expectedAnswers)
                .allSatisfy(c -> {
                    assertThat(c.ok()).isTrue();
                    assertThat(c.param("text")).isEqualTo(INVALID);
                });
        e2e.awaitUpdatesHandled();
        e2e.awaitOutboxEmpty();
        assertThat(votes.count().block(T)).isZero();
        assertThat(e2e.telegram.calls("editMessageReplyMarkup")).isEmpty();
        assertThat(e2e.posts(ANN)).hasSize(1);
        assertThat(e2e.posts(BOB)).hasSize(1);

        // the real button still works afterwards
        e2e.telegram.pushCallbackQuery(ANN, annPost.messageId(), real);
        e2e.awaitPost(ANN, 2);
        assertThat(votes.find(ANN, annPostId).block(T)).isTrue();
        assertThat(votes.count().block(T)).isEqualTo(1);
    }

    @Test
    void aCorrectlySignedButtonForAPostThatDoesNotExistStoresNothing() {
        e2e.telegram.pushMessage(ANN, "/start", "en");
        SentMessage post = e2e.awaitPost(ANN, 1);
        var key = new CallbackData(e2e.app().config().callbackKey());

        e2e.telegram.pushCallbackQuery(ANN, post.messageId(), key.encode(ANN, CallbackData.Action.LIKE, 999_999));
        // and a reader who never sent /start
        e2e.telegram.pushCallbackQuery(7777, 1, key.encode(7777, CallbackData.Action.LIKE, e2e.postOf(post)));

        E2e.await("both answered", () -> e2e.telegram.calls("answerCallbackQuery").size() >= 2);
        assertThat(e2e.telegram.calls("answerCallbackQuery")).allSatisfy(c -> {
            assertThat(c.ok()).isTrue();
            assertThat(c.param("text")).isEqualTo("That post is no longer available.");
        });
        e2e.awaitUpdatesHandled();
        e2e.awaitOutboxEmpty();
        assertThat(votes.count().block(T)).isZero();
        assertThat(e2e.count("SELECT count(*) FROM readers WHERE id = $1", 7777L)).isZero();
        assertThat(e2e.telegram.sentTo(7777)).isEmpty();
    }

    @Test
    void malformedUpdatesAreSkippedAndTheBotKeepsWorking() {
        List<String> junk = List.of(
                "not json at all",
                "[1, 2, 3]",
                "{\"callback_query\": 5}",
                "{\"callback_query\": {\"id\": \"q1\"}}",
                "{\"callback_query\": {\"id\": \"q2\", \"from\": {\"id\": \"six\"}, \"data\": \"l1.x\"}}",
                "{\"message\": {\"text\": \"/start\"}}",
                "{\"message\": {\"message_id\": 1, \"date\": 0, \"text\": \"/start\", \"from\": {\"id\": 6003}}}",
                "{\"message\": {\"message_id\": 1, \"date\": 0, \"text\": \"/start\", \"chat\": {\"id\": 6003, \"type\": \"weird\"},"
                        + " \"from\": {\"id\": 6003, \"is_bot\": false, \"first_name\": \"X\"}}}",
                "{\"message\": {\"message_id\": 1, \"date\": 0, \"text\": \"/start\", \"chat\": {\"id\": -100, \"type\": \"group\"},"
                        + " \"from\": {\"id\": 6004, \"is_bot\": false, \"first_name\": \"Y\"}}}",
                "{\"edited_message\": {\"message_id\": 1}}",
                "{\"message\": {\"message_id\": 1, \"date\": 0, \"text\": \"" + "x".repeat(10_000) + "\"}}");
        junk.forEach(e2e.telegram::pushUpdate);

        e2e.telegram.pushMessage(ANN, "/start", "en");
        SentMessage post = e2e.awaitPost(ANN, 1);
        e2e.telegram.pushCallbackQuery(ANN, post.messageId(), post.button("👍").callbackData());
        e2e.awaitPost(ANN, 2);

        E2e.await("updates confirmed", () -> e2e.telegram.pendingUpdates() == 0);
        assertThat(votes.count().block(T)).isEqualTo(1);
        assertThat(e2e.count("SELECT count(*) FROM readers")).as("only Ann registered").isEqualTo(1);
        // the group gets one polite "private chats only"; nobody else but Ann hears from the bot
        assertThat(e2e.telegram.calls("sendMessage")).extracting(RecordedCall::chatId).containsOnly(ANN, -100L);
        assertThat(e2e.telegram.sentTo(-100)).singleElement()
                .satisfies(m -> assertThat(m.text()).startsWith("I work in private chats only"));
    }
}
