package io.tidings.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class PollScheduleTest {

    private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");
    private final PollSchedule schedule = new PollSchedule(Duration.ofMinutes(1), Duration.ofHours(1), 0.2, () -> 1.0);

    private static List<Instant> everyMinutes(int minutes, int n) {
        return java.util.stream.IntStream.range(0, n).mapToObj(i -> NOW.minus(Duration.ofMinutes((long) minutes * i)))
                .toList();
    }

    @Test
    void aBusyChannelIsPolledOftenAQuietOneRarely() {
        assertThat(schedule.next(everyMinutes(10, 10), null, true, NOW)).isEqualTo(Duration.ofMinutes(5));
        assertThat(schedule.next(everyMinutes(1, 10), null, true, NOW)).isEqualTo(Duration.ofMinutes(1)); // floor
        assertThat(schedule.next(everyMinutes(600, 10), null, true, NOW)).isEqualTo(Duration.ofHours(1)); // ceiling
        assertThat(schedule.next(List.of(NOW), null, true, NOW)).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void aChannelThatFellSilentIsNotPolledAtItsOldRate() {
        List<Instant> burstLastWeek = everyMinutes(2, 10).stream().map(t -> t.minus(Duration.ofDays(7))).toList();
        assertThat(schedule.next(burstLastWeek, null, false, NOW)).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void pollsWithoutNewsBackOff() {
        Duration first = schedule.next(everyMinutes(10, 10), null, true, NOW);
        Duration second = schedule.next(everyMinutes(10, 10), first, false, NOW);
        assertThat(second).isEqualTo(Duration.ofSeconds(450));
    }

    @Test
    void jitterStaysWithinItsFractionAndTheBounds() {
        var low = new PollSchedule(Duration.ofMinutes(1), Duration.ofHours(1), 0.2, () -> 0.0);
        var high = new PollSchedule(Duration.ofMinutes(1), Duration.ofHours(1), 0.2, () -> 1.0);
        assertThat(low.withJitter(Duration.ofMinutes(10))).isEqualTo(Duration.ofMinutes(8));
        assertThat(high.withJitter(Duration.ofMinutes(10))).isEqualTo(Duration.ofMinutes(12));
        assertThat(high.withJitter(Duration.ofHours(1))).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void retryAfterIsHonouredAndOtherwiseTheBackoffDoubles() {
        IngestConfig config = IngestConfig.custom().retries(3, Duration.ofSeconds(1), Duration.ofSeconds(30)).build();
        var tooMany = new ChannelFetchException("c", 429, true, Duration.ofSeconds(7), "HTTP 429", null);
        assertThat(HostGate.delayFor(tooMany, 0, config)).isEqualTo(Duration.ofSeconds(7));
        var longPause = new ChannelFetchException("c", 429, true, Duration.ofMinutes(5), "HTTP 429", null);
        assertThat(HostGate.delayFor(longPause, 0, config)).isNull(); // give up now, poll again later
        var serverError = new ChannelFetchException("c", 503, true, null, "HTTP 503", null);
        assertThat(HostGate.delayFor(serverError, 2, config)).isBetween(Duration.ofMillis(3_000),
                Duration.ofMillis(5_000));
        assertThat(HostGate.delayFor(serverError, 3, config)).isNull(); // out of attempts
        var tooLarge = new ChannelFetchException("c", 200, false, null, "too large", null);
        assertThat(HostGate.delayFor(tooLarge, 0, config)).isNull();
        assertThat(Optional.ofNullable(HostGate.delayFor(serverError, 0, config))).isPresent();
    }
}
