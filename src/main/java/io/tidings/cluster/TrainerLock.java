package io.tidings.cluster;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * One trainer at a time: a session-level PostgreSQL advisory lock held on a dedicated connection. Only
 * the replica holding it runs training; when that replica dies or its connection drops, PostgreSQL
 * releases the lock and another replica takes it at its next tick.
 */
final class TrainerLock {

    private static final Logger log = LoggerFactory.getLogger(TrainerLock.class);
    /** "tidings" + 1: the advisory lock key of the trainer. */
    static final long KEY = 0x7469_6469_6e67_7301L;

    private final ConnectionFactory direct;
    private final Duration every;
    private volatile boolean held;

    TrainerLock(ConnectionFactory direct, Duration every) {
        this.direct = direct;
        this.every = every;
    }

    /** Every {@code every}: takes the lock if free, and runs {@code work} while holding it. Dispose to stop and let go. */
    Disposable run(Supplier<Mono<Boolean>> work) {
        return Flux.usingWhen(direct.create(),
                        c -> Flux.interval(Duration.ZERO, every)
                                .onBackpressureDrop()
                                .concatMap(t -> tick(c, work), 1),
                        this::release,
                        (c, e) -> release(c),
                        this::release)
                .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofSeconds(1)).maxBackoff(Duration.ofSeconds(30))
                        .doBeforeRetry(s -> log.warn("trainer lock connection lost, reconnecting: {}", s.failure().toString())))
                .subscribe(null, e -> log.error("trainer lock stopped: {}", e.toString()));
    }

    private Mono<Boolean> tick(Connection c, Supplier<Mono<Boolean>> work) {
        // while held, a cheap query proves the session (and so the lock) is still there
        String sql = held ? "SELECT true AS held" : "SELECT pg_try_advisory_lock(" + KEY + ") AS held";
        return Flux.from(c.createStatement(sql).execute())
                .concatMap(r -> r.map((row, meta) -> row.get("held", Boolean.class)))
                .next()
                .flatMap(now -> {
                    if (now && !held) log.info("this replica is the trainer now");
                    held = now;
                    return now ? work.get().onErrorResume(e -> {
                        log.warn("training failed, keeping the current model: {}", e.toString());
                        return Mono.just(false);
                    }) : Mono.just(false);
                });
    }

    private Mono<Void> release(Connection c) {
        held = false;
        return Mono.from(c.close()).onErrorResume(e -> Mono.empty());
    }

    boolean held() {
        return held;
    }
}
