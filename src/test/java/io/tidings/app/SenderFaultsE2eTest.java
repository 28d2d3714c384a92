package io.tidings.app;

import static io.tidings.app.E2e.T;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.testkit.botapi.Fault;
import io.tidings.testkit.botapi.RecordedCall;
import io.tidings.testkit.botapi.SentMessage;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Telegram's faults on the send path: 429 waits, 403 stops, 5xx is unknown and never repeated; nothing duplicated. */
class SenderFaultsE2eTest {

    private static final long ANN = 8001;
    private static final long BOB = 8002;
    private static final long CAT = 8003;
    private E2e e2e;

    @BeforeEach
    void setUp() {
        e2e = new E2e().channel("alphanews", 10).channel("betanews", 10);
        e2e.start(List.of("alphanews", "betanews"));
        e2e.ingest();
    }

    @AfterEach
    void tearDown() {
        if (e2e != null) e2e.close();
    }

    private void started(long... readers) {
        for (long r : readers) e2e.telegram.pushMessage(r, "/start", "en");
        for (long r : readers) e2e.awaitPost(r, 1);
        e2e.awaitOutboxEmpty();
    }

    private List<RecordedCall> sendsTo(long chat) {
        return e2e.telegram.calls("sendMessage").stream().filter(c -> c.chatId() != null && c.chatId() == chat).toList();
    }

    private void assertNoDuplicates(long chat) {
        List<SentMessage> posts = e2e.posts(chat);
        assertThat(posts.stream().map(E2e::permalink).distinct().count()).as("distinct posts to %d", chat).isEqualTo(posts.size());
    }

    @Test
    void tooManyRequestsIsWaitedOutAndTheDeliveryIsSentOnce() {
        started(ANN, BOB);
        e2e.telegram.clearCalls();
        e2e.telegram.faults().next("sendMessage", Fault.tooManyRequests(1), 1);

        assertThat(e2e.app().feed().mailing(1).block(T)).isEqualTo(2);
        e2e.awaitPost(ANN, 2);
        e2e.awaitPost(BOB, 2);
        e2e.awaitOutboxEmpty(); // nothing queued, claimed or being sent: every send is over and recorded

        List<RecordedCall> sends = e2e.telegram.calls("sendMessage");
        assertThat(sends).extracting(RecordedCall::status).containsExactlyInAnyOrder(429, 200, 200);
        RecordedCall limited = sends.stream().filter(c -> c.status() == 429).findFirst().orElseThrow();
        List<RecordedCall> sameChat = sendsTo(limited.chatId());
        assertThat(sameChat).extracting(RecordedCall::status).containsExactly(429, 200);
        assertThat(sameChat.get(1).nanoTime() - sameChat.get(0).nanoTime())
                .as("the retry waited retry_after").isGreaterThanOrEqualTo(Duration.ofMillis(950).toNanos());
        assertThat(sameChat.get(1).param("text")).isEqualTo(sameChat.get(0).param("text"));
        assertThat(e2e.app().sender().rateLimitedCount()).isEqualTo(1);
        for (long r : List.of(ANN, BOB)) {
            assertThat(e2e.posts(r)).hasSize(2);
            assertNoDuplicates(r);
            assertThat(e2e.deliveries(r)).hasSize(2).allSatisfy(d -> assertThat(d.state()).isEqualTo("sent"));
        }
    }

    @Test
    void aReaderWhoBlockedTheBotIsMarkedUnreachableAndNotMessagedAgain() {
        started(ANN, BOB, CAT);
        e2e.telegram.clearCalls();
        e2e.telegram.faults().forChat(BOB, Fault.blocked());

        assertThat(e2e.app().feed().mailing(3).block(T)).isEqualTo(9);
        e2e.awaitPost(ANN, 4);
        e2e.awaitPost(CAT, 4);
        e2e.awaitOutboxEmpty(); // nothing queued, claimed or being sent: every send is over and recorded

        assertThat(sendsTo(BOB)).as("one attempt, then Bob is left alone").singleElement()
                .satisfies(c -> assertThat(c.status()).isEqualTo(403));
        assertThat(e2e.app().database().sql().one("SELECT status FROM readers WHERE id = $1", r -> r.get(0, String.class), BOB)
                .block(T)).isEqualTo("unreachable");
        assertThat(e2e.deliveries(BOB)).hasSize(4)
                .filteredOn(d -> d.reason().equals("mailing")).allSatisfy(d -> assertThat(d.state()).isEqualTo("failed"));
        for (long r : List.of(ANN, CAT)) {
            assertThat(e2e.posts(r)).hasSize(4);
            assertNoDuplicates(r);
        }

        // the next mailing does not try Bob at all
        assertThat(e2e.app().feed().mailing(1).block(T)).isEqualTo(2);
        e2e.awaitPost(ANN, 5);
        e2e.awaitPost(CAT, 5);
        e2e.awaitOutboxEmpty();
        assertThat(sendsTo(BOB)).hasSize(1);

        // Bob unblocks the bot and writes again: he is back
        e2e.telegram.faults().clearChat(BOB);
        e2e.telegram.pushMessage(BOB, "/start", "en");
        e2e.awaitPost(BOB, 2);
        assertNoDuplicates(BOB);
    }

    @Test
    void aServerErrorAfterTheMessageWentOutIsRecordedUnknownAndNeverRepeated() {
        started(ANN);
        e2e.telegram.clearCalls();
        e2e.telegram.faults().next("sendMessage", Fault.handledThenServerError(), 1);

        assertThat(e2e.app().feed().mailing(1).block(T)).isEqualTo(1);
        e2e.awaitPost(ANN, 2);
        e2e.awaitOutboxEmpty();

        assertThat(sendsTo(ANN)).extracting(RecordedCall::status).containsExactly(500);
        assertThat(e2e.posts(ANN)).hasSize(2);
        assertNoDuplicates(ANN);
        assertThat(e2e.deliveries(ANN)).extracting(d -> d.state()).containsExactlyInAnyOrder("sent", "unknown");
        assertThat(e2e.app().sender().unknownCount()).isEqualTo(1);
    }

    @Test
    void tooManyRequestsOnTheGreetingStillBringsTheFirstPost() {
        e2e.telegram.faults().next("sendMessage", Fault.tooManyRequests(1), 1);
        e2e.telegram.pushMessage(ANN, "/start", "en");

        e2e.awaitPost(ANN, 1);
        E2e.await("greeting", () -> e2e.telegram.sentTo(ANN).stream().anyMatch(m -> m.text() != null && m.text().startsWith("Hi")));
        e2e.awaitOutboxEmpty();
        assertThat(e2e.telegram.sentTo(ANN)).as("greeting, onboarding offer, first post").hasSize(3);
    }
}
