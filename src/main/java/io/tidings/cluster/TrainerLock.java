package io.tidings.cluster;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.tidings.util.Loop;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

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
    private final AtomicReference<Connection> session = new AtomicReference<>();
    private volatile boolean held;
    private volatile boolean stopped;

    TrainerLock(ConnectionFactory direct, Duration every) {
        this.direct = direct;
        this.every = every;
    }

    /** Every {@code every}: takes the lock if free, and runs {@code work} while holding it. Dispose to stop and let go. */
    Disposable run(Supplier<Mono<Boolean>> work, io.micrometer.core.instrument.MeterRegistry meters) {
        // a training that outlives this is cancelled, but its CPU work cannot be: the limit only catches a hang
        Disposable loop = Loop.named("trainer").every(every).firstAfter(Duration.ZERO).timeout(Duration.ofHours(2))
                .meters(meters).start(() -> tick(work));
        return () -> {
            stopped = true;
            loop.dispose();
            Connection c = session.getAndSet(null);
            if (c != null) release(c).subscribe();
        };
    }

    private Mono<Boolean> tick(Supplier<Mono<Boolean>> work) {
        return session().flatMap(c -> {
            // while held, a cheap query proves the session (and so the lock) is still there
            String sql = held ? "SELECT true AS held" : "SELECT pg_try_advisory_lock(" + KEY + ") AS held";
            return Flux.from(c.createStatement(sql).execute())
                    .concatMap(r -> r.map((row, meta) -> row.get("held", Boolean.class)))
                    .next()
                    // a broken session has let go of the lock: close it, the next tick connects again
                    .onErrorResume(e -> (session.compareAndSet(c, null) ? release(c) : Mono.<Void>empty()).then(Mono.error(e)));
        }).flatMap(now -> {
            if (now && !held) log.info("this replica is the trainer now");
            held = now;
            return now ? work.get() : Mono.just(false);
        });
    }

    /** The dedicated connection that holds the lock, opened when there is none. */
    private Mono<Connection> session() {
        Connection open = session.get();
        if (open != null) return Mono.just(open);
        held = false;
        return Mono.from(direct.create()).flatMap(c -> {
            if (stopped || !session.compareAndSet(null, c)) return release(c).then(Mono.empty());
            return Mono.just(c);
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
