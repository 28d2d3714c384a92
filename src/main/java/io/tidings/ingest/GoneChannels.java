package io.tidings.ingest;

import io.tidings.store.ChannelRepository;
import io.tidings.store.ChannelStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Channels that answer as gone (a redirect to another channel, 404 or 410): each answer counted on the channel's row
 * (a restart, or another replica taking the channel over, goes on counting), the channel checked again soon, and
 * marked unavailable (with the reason) only once the answers have persisted for {@code goneChecks} checks spread over
 * {@code goneAfter}; then left to the re-checks, and followed again once it answers.
 */
final class GoneChannels {

    private static final Logger log = LoggerFactory.getLogger(GoneChannels.class);

    private final ChannelRepository channels;
    private final IngestConfig config;
    private final IngestMetrics metrics;
    private final Clock clock;
    private final Consumer<PolledChannel> offTimetable;

    /** {@code offTimetable} takes a channel marked unavailable off the polling timetable. */
    GoneChannels(ChannelRepository channels, IngestConfig config, IngestMetrics metrics, Clock clock,
                 Consumer<PolledChannel> offTimetable) {
        this.channels = channels;
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
        this.offTimetable = offTimetable;
    }

    /**
     * A redirect, 404 or 410: counted, and the channel checked again later, until the answers have persisted for
     * {@code goneChecks} checks and {@code goneAfter}; only then is it marked unavailable (and left to re-checks).
     */
    Mono<Long> answered(PolledChannel st, ChannelUnavailableException e) {
        // in the database's precision: the run's start comes back from it and is compared with this
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        return channels.goneAnswer(st.id, now)
                .doOnNext(run -> {
                    st.goneSince = run.since();
                    st.goneAnswers = run.answers();
                })
                .onErrorResume(x -> {
                    log.warn("@{}: gone answer not counted in the database ({}), counted in memory", st.username, x.toString());
                    if (st.goneSince == null) st.goneSince = now;
                    st.goneAnswers++;
                    return Mono.empty();
                })
                .then(Mono.defer(() -> counted(st, e, now)));
    }

    private Mono<Long> counted(PolledChannel st, ChannelUnavailableException e, Instant now) {
        String reason = e.getMessage().substring(e.getMessage().indexOf(':') + 1).strip();
        if (st.goneSince == null) { // the row went meanwhile (removed by an operator): counted here only
            st.goneSince = now;
            st.goneAnswers = Math.max(1, st.goneAnswers);
        }
        boolean persisted = st.goneAnswers >= config.goneChecks()
                && Duration.between(st.goneSince, now).compareTo(config.goneAfter()) >= 0;
        if (!persisted && !st.recheck) {
            metrics.outcome("gone_suspected");
            log.info("@{} answers as gone ({}), {} time(s) since {}: checked again before it is marked unavailable",
                    st.username, reason, st.goneAnswers, st.goneSince);
            st.nextPollAt = now.plus(config.goneCheckSpacing());
            return Mono.just(0L);
        }
        metrics.outcome("unavailable");
        if (st.recheck) {
            log.info("@{} is still not readable ({}): checked again in {}", st.username, reason, config.recheckUnavailable());
        } else {
            log.warn("@{} is not readable ({}) since {}: marked unavailable, checked again every {}", st.username, reason,
                    st.goneSince, config.recheckUnavailable());
        }
        offTimetable.accept(st);
        return channels.markUnavailable(st.id, reason, now).thenReturn(0L);
    }

    /** An unavailable channel taken back for a re-check answered again: followed again. */
    Mono<Void> readableAgain(PolledChannel st) {
        st.recheck = false;
        log.info("@{} is readable again: followed again", st.username);
        return channels.setStatus(st.username, ChannelStatus.ACTIVE).then();
    }
}
