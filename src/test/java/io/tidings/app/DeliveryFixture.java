package io.tidings.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.testkit.botapi.RecordedCall;
import io.tidings.testkit.botapi.SentMessage;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

/**
 * What the fan-out tests ({@link DeliveryE2eTest}, {@link PacingE2eTest}) share: an app over two channels of six posts
 * and readers who have their first post.
 */
final class DeliveryFixture implements AutoCloseable {

    final E2e e2e = new E2e().channel("alphanews", 6).channel("betanews", 6);

    List<Long> started(int n, long first) {
        return started(n, first, Map.of());
    }

    /** Starts the app with {@code env} (e.g. its SEND_RATE: the replica registry keeps resetting a rate set by hand). */
    List<Long> started(int n, long first, Map<String, String> env) {
        e2e.start(List.of("alphanews", "betanews"), env);
        e2e.ingest();
        List<Long> readers = LongStream.range(first, first + n).boxed().toList();
        readers.forEach(r -> e2e.telegram.pushMessage(r, "/start", "en"));
        readers.forEach(r -> e2e.awaitPost(r, 1));
        e2e.awaitOutboxEmpty();
        e2e.telegram.clearCalls();
        return readers;
    }

    /**
     * Starts the app with {@code env} under the server's limits ({@link io.tidings.testkit.botapi.LocalBotApiServer#simulateLimits}),
     * then {@code n} new readers send /start and /help at once; returns them once each has their first post and every
     * update is handled.
     */
    List<Long> startingWithHelp(int n, long first, Map<String, String> env, int globalPerSecond, boolean perChat) {
        e2e.start(List.of("alphanews", "betanews"), env);
        e2e.ingest();
        e2e.telegram.simulateLimits(globalPerSecond, perChat);
        List<Long> readers = LongStream.range(first, first + n).boxed().toList();
        for (long r : readers) {
            e2e.telegram.pushMessage(r, "/start", "en");
            e2e.telegram.pushMessage(r, "/help", "en");
        }
        readers.forEach(r -> e2e.awaitPost(r, 1));
        e2e.awaitUpdatesHandled();
        return readers;
    }

    List<RecordedCall> okSends() {
        return e2e.telegram.calls("sendMessage").stream().filter(RecordedCall::ok).toList();
    }

    void assertNoDuplicates(long chat) {
        List<SentMessage> posts = e2e.posts(chat);
        assertThat(posts.stream().map(E2e::permalink).distinct().count()).as("distinct posts to %d", chat).isEqualTo(posts.size());
    }

    @Override
    public void close() {
        e2e.close();
    }
}
