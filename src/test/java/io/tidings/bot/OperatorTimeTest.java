package io.tidings.bot;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The times /broadcast understands. */
class OperatorTimeTest {

    private static final Instant NOW = Instant.parse("2026-03-10T12:00:00Z");

    @Test
    void relativeAndNamedTimes() {
        assertThat(OperatorCommands.parseTime("now", NOW, ZoneOffset.UTC)).contains(NOW);
        assertThat(OperatorCommands.parseTime("+30m", NOW, ZoneOffset.UTC)).contains(NOW.plusSeconds(1800));
        assertThat(OperatorCommands.parseTime("2h", NOW, ZoneOffset.UTC)).contains(NOW.plusSeconds(7200));
    }

    @Test
    void clockTimesAreTheNextOneInTheOperatorsZone() {
        ZoneId moscow = ZoneId.of("Europe/Moscow"); // UTC+3: it is 15:00 there
        assertThat(OperatorCommands.parseTime("18:30", NOW, moscow)).contains(Instant.parse("2026-03-10T15:30:00Z"));
        assertThat(OperatorCommands.parseTime("9:05", NOW, moscow)).contains(Instant.parse("2026-03-11T06:05:00Z"));
        assertThat(OperatorCommands.parseTime("2026-03-12 08:00", NOW, moscow)).contains(Instant.parse("2026-03-12T05:00:00Z"));
        assertThat(OperatorCommands.parseTime("2026-03-12T08:00:00Z", NOW, moscow)).contains(Instant.parse("2026-03-12T08:00:00Z"));
    }

    @Test
    void nonsensePastAndFarFutureAreRefused() {
        assertThat(OperatorCommands.parseTime("tomorrow-ish", NOW, ZoneOffset.UTC)).isEmpty();
        assertThat(OperatorCommands.parseTime("25:00", NOW, ZoneOffset.UTC)).isEmpty();
        assertThat(OperatorCommands.parseTime("2026-03-01 08:00", NOW, ZoneOffset.UTC)).isEmpty();
        assertThat(OperatorCommands.parseTime("+90d", NOW, ZoneOffset.UTC)).isEmpty();
    }
}
