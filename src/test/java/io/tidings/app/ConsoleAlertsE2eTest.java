package io.tidings.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.testkit.botapi.SentMessage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Alerts reach operators in Telegram through the real client, at most once per kind per hour. */
class ConsoleAlertsE2eTest {

    private static final long OPERATOR = 42;
    private static final long OTHER_OPERATOR = 43;
    private E2e e2e;

    @BeforeEach
    void setUp() {
        e2e = new E2e().channel("alphanews", 2).channel("betanews", 2);
        e2e.db.sql().update("TRUNCATE console_alerts").block(E2e.T);
        e2e.start(List.of("alphanews", "betanews"), Map.of("OPERATORS", OPERATOR + "," + OTHER_OPERATOR));
        e2e.ingest();
    }

    @AfterEach
    void tearDown() {
        if (e2e != null) e2e.close();
    }

    @Test
    void aFailedTrainingIsReportedToEveryOperatorOnceAnHour() {
        e2e.app().alerts().trainingFailed(new IllegalStateException("out of memory")).block(E2e.T);
        e2e.app().alerts().trainingFailed(new IllegalStateException("again")).block(E2e.T);
        e2e.app().alerts().sendingPaused("401 Unauthorized").block(E2e.T);

        for (long op : List.of(OPERATOR, OTHER_OPERATOR)) {
            E2e.await("two alerts to " + op, () -> texts(op).size() == 2);
        }
        assertThat(texts(OPERATOR)).hasSize(2);
        assertThat(texts(OPERATOR).get(0)).contains("training failed").contains("out of memory");
        assertThat(texts(OPERATOR).get(1)).contains("Sending is paused: 401 Unauthorized");
    }

    @Test
    void aChannelThatBecomesUnavailableIsReportedOnce() {
        e2e.db.sql().update("UPDATE channels SET status = 'unavailable', unavailable_reason = 'no preview' WHERE username = 'alphanews'")
                .block(E2e.T);
        e2e.app().alerts().check().block(E2e.T); // what was unavailable before this replica looked is not news
        e2e.db.sql().update("UPDATE channels SET status = 'unavailable', unavailable_reason = 'not found' WHERE username = 'betanews'")
                .block(E2e.T);
        e2e.app().alerts().check().block(E2e.T);
        e2e.app().alerts().check().block(E2e.T);

        E2e.await("an alert", () -> texts(OPERATOR).size() == 1);
        assertThat(texts(OPERATOR)).singleElement().asString().contains("betanews (not found)").doesNotContain("alphanews");
    }

    private List<String> texts(long chat) {
        return e2e.telegram.sentTo(chat).stream().map(SentMessage::textOrCaption).filter(t -> t.contains("tidings:")).toList();
    }
}
