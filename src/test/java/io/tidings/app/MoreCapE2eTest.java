package io.tidings.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.testkit.botapi.Fault;
import io.tidings.testkit.botapi.SentMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One reader pressing More again and again gets a polite "wait" once enough is on its way, not a flooded outbox. */
class MoreCapE2eTest {

    private static final long ANN = 8101;
    private E2e e2e;

    @AfterEach
    void tearDown() {
        if (e2e != null) e2e.close();
    }

    @Test
    void moreBeyondTheCapIsAnsweredPolitelyAndQueuesNoMore() {
        e2e = new E2e().channel("alphanews", 30);
        // no shutdown grace: Ann's sends still in hand at the end would otherwise hold close() for their 20 s
        e2e.start(List.of("alphanews"), java.util.Map.of("SHUTDOWN_GRACE_SECONDS", "0"));
        e2e.ingest();
        Chat ann = new Chat(e2e, ANN, "en");
        e2e.telegram.pushMessage(ANN, "/start", "en");
        SentMessage post = e2e.awaitPost(ANN, 1);
        e2e.awaitOutboxEmpty();
        // from now on Ann's messages take 20 s each to go out: her presses pile deliveries up
        e2e.telegram.faults().forChat(ANN, Fault.delay(Duration.ofSeconds(20)));
        List<String> toasts = new ArrayList<>();
        for (int i = 0; i < 9; i++) toasts.add(ann.press(post.messageId(), post.button("More").callbackData()));

        assertThat(toasts).anyMatch(t -> t.startsWith("A few posts are still on their way"));
        assertThat(toasts).filteredOn(t -> t.equals("Here is another one")).hasSizeBetween(5, 6);
        // an answer goes out before its post is queued, so a quick next press may count one short
        assertThat(e2e.count("SELECT count(*) FROM deliveries WHERE reader_id = $1 AND state IN ('queued', 'claimed', 'sending')", ANN))
                .isBetween(5L, 6L);
        e2e.telegram.faults().clearChat(ANN);
    }
}
