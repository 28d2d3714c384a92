package io.tidings.feed;

import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * When mailings run: {@link #everyMinute} ticks at each minute boundary and hands the minute to the planner,
 * which mails the readers for whom it is a mailing time in their own time zone (so one tick serves every zone,
 * and each minute is claimed once in the database across replicas).
 */
public final class MailingSchedule {

    private static final Logger log = LoggerFactory.getLogger(MailingSchedule.class);

    private MailingSchedule() {}

    /**
     * Calls {@code mailingAt} once for every minute boundary from now on, in order, on {@code timer}; a minute
     * missed while a mailing was still running is caught up (at most ten), a failure is logged and skipped.
     */
    public static Disposable everyMinute(Clock clock, reactor.core.scheduler.Scheduler timer,
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
