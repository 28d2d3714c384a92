package io.tidings.app;

import java.time.Clock;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * When mailings run. {@link #everyMinute} ticks at each minute boundary and hands the minute to the
 * planner, which mails the readers for whom it is a mailing time in their own time zone (so one tick
 * serves every zone, and each replica's tick is claimed once in the database). The older global form
 * ({@link #run}) mails everyone at the configured times in one zone.
 */
final class MailingSchedule {

    private static final Logger log = LoggerFactory.getLogger(MailingSchedule.class);

    private final List<LocalTime> times;
    private final ZoneId zone;
    private final Clock clock;

    MailingSchedule(List<LocalTime> times, ZoneId zone, Clock clock) {
        if (times.isEmpty()) throw new IllegalArgumentException("MAILING_TIMES is empty");
        this.times = times;
        this.zone = zone;
        this.clock = clock;
    }

    /** Time until the next mailing strictly after now. */
    Duration untilNext() {
        ZonedDateTime now = ZonedDateTime.now(clock.withZone(zone));
        ZonedDateTime next = times.stream()
                .map(t -> now.with(t))
                .filter(t -> t.isAfter(now))
                .findFirst()
                .orElseGet(() -> now.plusDays(1).with(times.get(0)));
        return Duration.between(now, next);
    }

    Disposable run(Supplier<Mono<Long>> mailing) {
        return Mono.defer(() -> Mono.delay(untilNext()))
                .then(Mono.defer(mailing).onErrorResume(e -> {
                    log.warn("mailing failed: {}", e.toString());
                    return Mono.just(0L);
                }))
                .repeat()
                .subscribe();
    }

    /**
     * Calls {@code mailingAt} once for every minute boundary from now on, in order, on {@code timer}; a minute
     * missed while a mailing was still running is caught up (at most ten), a failure is logged and skipped.
     */
    static Disposable everyMinute(Clock clock, reactor.core.scheduler.Scheduler timer,
                                  java.util.function.Function<java.time.Instant, Mono<Long>> mailingAt) {
        java.util.concurrent.atomic.AtomicReference<java.time.Instant> last =
                new java.util.concurrent.atomic.AtomicReference<>(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MINUTES));
        return Mono.defer(() -> {
                    java.time.Instant now = clock.instant();
                    java.time.Instant next = last.get().plus(Duration.ofMinutes(1));
                    Duration wait = Duration.between(now, next);
                    return Mono.delay(wait.isNegative() ? Duration.ZERO : wait, timer).thenReturn(next);
                })
                .flatMap(minute -> {
                    java.time.Instant newest = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
                    java.time.Instant from = minute.isBefore(newest.minus(Duration.ofMinutes(9))) ? newest.minus(Duration.ofMinutes(9)) : minute;
                    last.set(newest.isAfter(from) ? newest : from);
                    return reactor.core.publisher.Flux.fromStream(java.util.stream.Stream.iterate(from, m -> !m.isAfter(last.get()),
                                    m -> m.plus(Duration.ofMinutes(1))))
                            .concatMap(m -> mailingAt.apply(m).onErrorResume(e -> {
                                log.warn("mailing of {} failed: {}", m, e.toString());
                                return Mono.just(0L);
                            }), 1)
                            .then(Mono.just(0L));
                })
                .repeat()
                .subscribe();
    }
}
