package io.tidings.app;

import static io.tidings.app.E2e.T;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.testkit.botapi.RecordedCall;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** Pacing through the real pengrad client: the send rate, Telegram's one message a second in a chat, replies and posts in one pace. */
class PacingE2eTest {

    @AutoClose
    private final DeliveryFixture f = new DeliveryFixture();
    private final E2e e2e = f.e2e;

    @Test
    void aMailingToNReadersAtRateRIsSpreadOverNOverRSeconds() {
        // 20 readers at 15 a second: past the first second, so the span and every one-second window are checked (30 took
        // 2.7 s longer, most of it starting them: greeting, offer and first post each, at the same rate)
        int rate = 15;
        List<Long> readers = f.started(20, 9100, Map.of("SEND_RATE", Integer.toString(rate), "SEND_CHAT_GAP_MS", "1005"));
        e2e.telegram.simulateLimits(rate, true);

        assertThat(e2e.app().feed().mailing(1).block(T)).isEqualTo(readers.size());
        e2e.awaitOutboxEmpty();

        List<RecordedCall> sends = f.okSends();
        assertThat(sends).hasSize(readers.size());
        assertThat(e2e.telegram.calls("sendMessage")).as("no 429 in steady state").allMatch(RecordedCall::ok);
        long span = sends.get(sends.size() - 1).nanoTime() - sends.get(0).nanoTime();
        // N sends at R per second are N-1 gaps of 1/R: never faster than that (arrival jitter aside)
        assertThat(span).isGreaterThanOrEqualTo((long) ((readers.size() - 1) * 1e9 / rate * 0.95));
        for (int i = rate; i < sends.size(); i++) {
            assertThat(sends.get(i).nanoTime() - sends.get(i - rate).nanoTime())
                    .as("at most %d sends in any second", rate).isGreaterThanOrEqualTo(Duration.ofMillis(950).toNanos());
        }
    }

    @Test
    void noChatGetsTwoMessagesWithinASecond() {
        // Telegram's pace for one chat, as in production (E2e lowers it)
        List<Long> readers = f.started(3, 9200, Map.of("SEND_CHAT_GAP_MS", "1005"));
        e2e.telegram.simulateLimits(0, true);

        assertThat(e2e.app().feed().mailing(3).block(T)).isEqualTo(9);
        e2e.awaitOutboxEmpty();

        assertThat(e2e.telegram.calls("sendMessage")).as("the server's per-chat limit never hit").allMatch(RecordedCall::ok);
        Map<Long, List<RecordedCall>> byChat = f.okSends().stream().collect(Collectors.groupingBy(RecordedCall::chatId));
        assertThat(byChat.keySet()).containsExactlyInAnyOrderElementsOf(readers);
        byChat.values().forEach(calls -> {
            assertThat(calls).hasSize(3);
            for (int i = 1; i < calls.size(); i++) {
                assertThat(calls.get(i).nanoTime() - calls.get(i - 1).nanoTime()).isGreaterThanOrEqualTo(Duration.ofMillis(950).toNanos());
            }
        });
    }

    @Test
    void repliesAndPostsToOneChatKeepOnePaceSoTelegramNeverAnswersTooManyRequests() {
        // Telegram's pace for one chat, as in production; the server answers 429 to a second message within a second
        // a new reader's greeting, first post (from the outbox) and the answer to a command typed at once, in one chat
        List<Long> readers = f.startingWithHelp(4, 9800, Map.of("SEND_CHAT_GAP_MS", "1005"), 0, true);
        // and a mailing while the replies go out
        assertThat(e2e.app().feed().mailing(1).block(T)).isEqualTo(readers.size());
        for (long r : readers) e2e.telegram.pushMessage(r, "/help", "en");
        readers.forEach(r -> e2e.awaitPost(r, 2));
        e2e.awaitUpdatesHandled();
        e2e.awaitOutboxEmpty();
        for (long r : readers) {
            E2e.await("greeting, two posts and two answers to /help in " + r, () -> e2e.telegram.sentTo(r).size() >= 5);
        }

        List<RecordedCall> sends = e2e.telegram.calls().stream().filter(c -> c.method().startsWith("send")).toList();
        assertThat(sends).as("no 429 from the server's per-chat limit").allMatch(RecordedCall::ok);
        Map<Long, List<RecordedCall>> byChat = sends.stream().collect(Collectors.groupingBy(RecordedCall::chatId));
        assertThat(byChat.keySet()).containsExactlyInAnyOrderElementsOf(readers);
        byChat.values().forEach(calls -> {
            assertThat(calls).hasSizeGreaterThanOrEqualTo(5);
            for (int i = 1; i < calls.size(); i++) {
                assertThat(calls.get(i).nanoTime() - calls.get(i - 1).nanoTime()).as("one message a second in a chat")
                        .isGreaterThanOrEqualTo(Duration.ofMillis(1000).toNanos());
            }
        });
        for (long r : readers) f.assertNoDuplicates(r);
    }

    @Test
    void manyReadersStartingAtOnceGetTheirRepliesAndPostsWithinTheSendRate() {
        int rate = 5;
        // eight greetings, eight first posts and eight answers to /help at once: at 5 a second, about five seconds' worth
        // (nineteen one-second windows checked; twelve readers took 2.4 s longer for the same check)
        List<Long> readers = f.startingWithHelp(8, 9900, Map.of("SEND_RATE", Integer.toString(rate)), rate, false);
        e2e.awaitOutboxEmpty();
        for (long r : readers) E2e.await("greeting, post and help in " + r, () -> e2e.telegram.sentTo(r).size() >= 3);

        List<RecordedCall> sends = e2e.telegram.calls().stream().filter(c -> c.method().startsWith("send")).toList();
        assertThat(sends).as("no 429 from the server's limit of %d a second", rate).allMatch(RecordedCall::ok);
        assertThat(sends).hasSizeGreaterThanOrEqualTo(3 * readers.size());
        for (int i = rate; i < sends.size(); i++) {
            assertThat(sends.get(i).nanoTime() - sends.get(i - rate).nanoTime())
                    .as("at most %d sends in any second", rate).isGreaterThanOrEqualTo(Duration.ofMillis(1000).toNanos());
        }
    }
}
