package io.tidings.feed;

import io.micrometer.core.instrument.MeterRegistry;
import io.tidings.store.BroadcastRepository;
import io.tidings.util.Loop;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A simple {@link Broadcasts}: /broadcast stores a row; a timer claims due rows (one replica each, under a lease)
 * and queues the post for every active reader through the outbox, page by page, each page with its progress in
 * one statement. A replica that fails or dies half-way leaves the broadcast to be resumed, after the last reader
 * queued, by whichever replica looks next once the lease ran out (at once after an error). The outbox's
 * (reader, post) key keeps a reader who already has the post from getting it twice.
 */
public final class BroadcastLoop implements Broadcasts {

    private static final Logger log = LoggerFactory.getLogger(BroadcastLoop.class);

    private final BroadcastRepository broadcasts;
    private final String owner;
    private final Duration lease;
    private final int page;
    private final Runnable wakeSender;
    /** A broadcast due now was scheduled here: look at once instead of at the next tick. */
    private final Sinks.Many<Boolean> due = Sinks.many().multicast().directBestEffort();

    /** Claims as {@code owner} for {@code lease} at a time (extended per page of {@code page} readers); wakes the sender per page. */
    public BroadcastLoop(BroadcastRepository broadcasts, String owner, Duration lease, int page, Runnable wakeSender) {
        if (page < 1) throw new IllegalArgumentException("page must be positive");
        this.broadcasts = broadcasts;
        this.owner = owner;
        this.lease = lease;
        this.page = page;
        this.wakeSender = wakeSender;
    }

    @Override
    public Mono<Long> schedule(long postId, Instant at, long operatorId) {
        return broadcasts.schedule(postId, at, operatorId).doOnNext(id -> {
            if (!at.isAfter(Instant.now())) wake();
        });
    }

    /**
     * Looks for due broadcasts now rather than at the next tick: an operator who sends a broadcast "now" (by the bot or
     * the console, both through {@link #schedule}) sees it go out at once. A wake-up lost to a concurrent one (or before
     * {@link #start}) only waits for the tick.
     */
    private void wake() {
        due.tryEmitNext(Boolean.TRUE);
    }

    /** Looks for due broadcasts every {@code every}, and when {@link #wake woken}; the loop counts on {@code meters}. */
    public Disposable start(Duration every, MeterRegistry meters) {
        return Loop.named("broadcasts").every(every).firstAfter(Duration.ZERO).timeout(Duration.ofMinutes(10))
                .wakeUps(due.asFlux()).meters(meters).start(this::runDue);
    }

    /** Queues every due (or abandoned) broadcast; emits how many deliveries were queued. */
    public Mono<Long> runDue() {
        return broadcasts.claimDue(owner, lease)
                .concatMap(this::queueAll)
                .reduce(0L, Long::sum);
    }

    private Mono<Long> queueAll(BroadcastRepository.Due due) {
        return broadcasts.queuePage(due.id(), owner, lease, page)
                .expand(p -> p.more() ? broadcasts.queuePage(due.id(), owner, lease, page) : Mono.empty())
                .doOnNext(p -> { if (p.queued() > 0) wakeSender.run(); })
                .reduce(0L, (n, p) -> n + p.queued())
                .doOnNext(n -> log.info("broadcast {} of post {} queued for {} readers{}", due.id(), due.postId(), n,
                        due.afterReader() == Long.MIN_VALUE ? "" : " (resumed after reader " + due.afterReader() + ")"))
                .onErrorResume(e -> {
                    log.warn("broadcast {} stopped half-way, to be resumed: {}", due.id(), e.toString());
                    return broadcasts.release(due.id(), owner).onErrorResume(x -> Mono.empty()).then(Mono.error(e));
                });
    }
}
