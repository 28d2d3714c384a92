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

/** Runs a mailing at each configured local time of day. */
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
}
