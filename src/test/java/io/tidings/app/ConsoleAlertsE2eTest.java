package io.tidings.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.testkit.botapi.SentMessage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every kind of alert reaches operators in Telegram through the real client and the Bot API stand-in, at most once per
 * kind per hour: a failed training, sending paused by a 401, unknown outcomes over the threshold, a channel that became
 * unavailable, nothing ingested for an hour.
 */
class ConsoleAlertsE2eTest {

    private static final long OPERATOR = 42;
    private static final long OTHER_OPERATOR = 43;
    private E2e e2e;

    @BeforeEach
    void setUp() {
        e2e = new E2e().channel("alphanews", 2).channel("betanews", 2);
        e2e.db.sql().update("TRUNCATE console_alerts").block(E2e.T);
        e2e.start(List.of("alphanews", "betanews"), Map.of("OPERATORS", OPERATOR + "," + OTHER_OPERATOR,
                "ALERT_UNKNOWN_PER_HOUR", "1"));
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

        for (long op : List.of(OPERATOR, OTHER_OPERATOR)) {
            E2e.await("an alert to " + op, () -> texts(op).size() == 1);
        }
        assertThat(texts(OPERATOR)).singleElement().asString().contains("training failed").contains("out of memory");
    }

    @Test
    void sendingPausedByA401IsReportedOnceWhenTelegramTakesTheTokenAgain() {
        // Telegram refuses the token until the client has paused: the bot's answer to a reader meets the 401, the
        // client pauses and probes getMe; once a probe was refused, Telegram takes the token again
        refuseTheTokenUntilAProbe(3001);
        for (long op : List.of(OPERATOR, OTHER_OPERATOR)) {
            E2e.await("the pause reported to " + op, () -> texts(op).size() == 1, Duration.ofSeconds(90));
        }
        assertThat(texts(OPERATOR).get(0)).contains("Sending was paused").contains("401").contains("TELEGRAM_BOT_TOKEN")
                .doesNotContain(E2e.TOKEN);
        // a second pause within the hour (the client probes getMe again): no second message
        refuseTheTokenUntilAProbe(3002);
        e2e.app().alerts().trainingFailed(new IllegalStateException("a later alert")).block(E2e.T);
        E2e.await("the later alert, after the pause", () -> texts(OPERATOR).size() == 2, Duration.ofSeconds(90));
        assertThat(texts(OPERATOR).get(1)).contains("a later alert");
    }

    @Test
    void unknownOutcomesOverTheThresholdInAnHourAreReported() {
        // two readers whose first posts reach Telegram but get a 500: outcome unknown (ALERT_UNKNOWN_PER_HOUR is 1)
        for (long reader : List.of(2001L, 2002L)) {
            e2e.telegram.faults().forChat(reader, io.tidings.testkit.botapi.Fault.handledThenServerError());
            e2e.telegram.pushMessage(reader, "/start", "en");
        }
        E2e.await("two unknown outcomes", () -> e2e.count("SELECT count(*) FROM deliveries WHERE state = 'unknown'") >= 2,
                Duration.ofSeconds(90));
        e2e.app().alerts().check().block(E2e.T);
        e2e.app().alerts().check().block(E2e.T);
        E2e.await("an alert", () -> texts(OPERATOR).size() == 1);
        assertThat(texts(OPERATOR)).singleElement().asString().contains("unknown outcome").contains("Threshold: 1");
    }

    @Test
    void nothingIngestedForAnHourIsReported() {
        // the newest post was stored two hours ago; the alerts' clock is moved on by two hours after the first look
        e2e.db.sql().update("UPDATE posts SET fetched_at = now() - interval '2 hours'").block(E2e.T);
        Duration[] shift = {Duration.ZERO};
        java.time.Clock clock = new java.time.Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public java.time.Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public java.time.Instant instant() {
                return java.time.Instant.now().plus(shift[0]);
            }
        };
        try (var client = io.tidings.telegram.TelegramClient.create(io.tidings.telegram.TelegramClientConfig
                .custom(E2e.TOKEN).apiUrl(e2e.telegram.apiUrl()).build())) {
            var alerts = new io.tidings.console.Alerts(e2e.db, java.util.Set.of(OPERATOR),
                    (chat, text) -> client.execute(new com.pengrad.telegrambot.request.SendMessage(chat, text)).then(), 20, clock);
            alerts.check().block(E2e.T);
            assertThat(texts(OPERATOR)).as("started less than an hour ago: it cannot know").isEmpty();
            shift[0] = Duration.ofHours(2);
            alerts.check().block(E2e.T);
            alerts.check().block(E2e.T);
            E2e.await("an alert", () -> texts(OPERATOR).size() == 1);
            assertThat(texts(OPERATOR)).singleElement().asString().contains("Nothing was ingested in the last hour from 2 active channels");
        }
    }

    /**
     * Telegram answers every call 401 from now until the client, paused by the 401 that a reader's /start met, has
     * probed getMe and been refused; then it takes the token again (the next probe, a second or two later, passes).
     */
    private void refuseTheTokenUntilAProbe(long reader) {
        long since = System.nanoTime();
        e2e.telegram.faults().unauthorizedFor(Duration.ofMinutes(2));
        e2e.telegram.pushMessage(reader, "/start", "en");
        E2e.await("the client paused and probing", () -> e2e.telegram.calls("getMe").stream()
                .anyMatch(c -> c.status() == 401 && c.nanoTime() > since), Duration.ofSeconds(90));
        e2e.telegram.faults().clear();
    }

    private List<String> texts(long chat) {
        return e2e.telegram.sentTo(chat).stream().map(SentMessage::textOrCaption).filter(t -> t.contains("tidings:")).toList();
    }
}
