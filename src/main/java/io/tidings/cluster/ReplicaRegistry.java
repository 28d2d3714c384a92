package io.tidings.cluster;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.tidings.store.Sql;
import io.tidings.util.Loop;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.DoubleConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The replica registry: every heartbeat this replica upserts its row and counts the live ones (heartbeat
 * younger than the TTL), then gives itself {@code budget / live} of the send budget. A replica that
 * stops beating drops out of everyone's count within the TTL, and its claims become fair game.
 * <p>
 * Beats run on a connection of their own (opened again when it breaks), never on the shared pool: a pool busy with
 * update handlers must not make a live replica look gone. A replica whose last successful beat is older than the TTL
 * less one heartbeat stops sending ({@code hold}, renewed every half heartbeat while it lasts): the others are about
 * to count it gone and raise their shares, and together they must stay under the budget.
 */
final class ReplicaRegistry {

    private static final Logger log = LoggerFactory.getLogger(ReplicaRegistry.class);

    private final Sql sql;
    private final ConnectionFactory direct;
    private final ClusterConfig config;
    private final DoubleConsumer sendRate;
    private final Consumer<Duration> hold;
    private final AtomicInteger live = new AtomicInteger(1);
    private final AtomicReference<Connection> session = new AtomicReference<>();
    private volatile long lastBeatNanos = System.nanoTime();
    private volatile boolean holding;
    private volatile boolean stopped;

    ReplicaRegistry(Sql sql, ConnectionFactory direct, ClusterConfig config, DoubleConsumer sendRate, Consumer<Duration> hold) {
        this.sql = sql;
        this.direct = direct;
        this.config = config;
        this.sendRate = sendRate;
        this.hold = hold;
    }

    /** Refreshes this replica's row; emits the number of live replicas, this one included. */
    Mono<Integer> beat() {
        return session().flatMap(c -> Flux.from(c.createStatement(
                                "INSERT INTO replicas (id) VALUES ($1) ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()")
                        .bind(0, config.instanceId()).execute())
                .concatMap(r -> r.getRowsUpdated())
                .then(Flux.from(c.createStatement("SELECT 1 + count(*) AS n FROM replicas WHERE id <> $1 "
                                        + "AND heartbeat_at > now() - $2 * interval '1 millisecond'")
                                .bind(0, config.instanceId()).bind(1, config.replicaTtl().toMillis()).execute())
                        .concatMap(r -> r.map((row, meta) -> row.get("n", Long.class).intValue()))
                        .next())
                // a broken session: closed, the next beat connects again
                .onErrorResume(e -> (session.compareAndSet(c, null) ? close(c) : Mono.<Void>empty()).then(Mono.error(e))))
                .doOnNext(n -> {
                    lastBeatNanos = System.nanoTime();
                    apply(n);
                });
    }

    private Mono<Connection> session() {
        Connection open = session.get();
        if (open != null) return Mono.just(open);
        return Mono.from(direct.create()).flatMap(c -> {
            if (stopped || !session.compareAndSet(null, c)) return close(c).then(Mono.empty());
            return Mono.just(c);
        });
    }

    private static Mono<Void> close(Connection c) {
        return Mono.from(c.close()).onErrorResume(e -> Mono.empty());
    }

    private void apply(int n) {
        int before = live.getAndSet(n);
        sendRate.accept(config.sendBudget() / n);
        if (holding) {
            holding = false;
            log.info("heartbeats work again: sending resumes");
        }
        if (before != n) {
            log.info("{} live replica(s): this one sends at most {}/s of {}/s", n, share(), config.sendBudget());
        }
    }

    /** Stops sending while the last successful beat is about to make the others count this replica gone. */
    void checkStale() {
        long age = System.nanoTime() - lastBeatNanos;
        if (age < config.replicaTtl().minus(config.heartbeat()).toNanos()) return;
        if (!holding) {
            holding = true;
            log.warn("no successful heartbeat for {} ms: this replica stops sending until it beats again (the others "
                    + "are taking over its share of the budget)", age / 1_000_000);
        }
        hold.accept(config.heartbeat());
    }

    /** Beats every heartbeat until disposed; a failed beat is logged, and a stale one stops sending (see above). */
    Disposable start(io.micrometer.core.instrument.MeterRegistry meters) {
        lastBeatNanos = System.nanoTime();
        // a beat slower than the time-to-live is useless anyway: the others already count this replica gone
        Disposable beats = Loop.named("heartbeat").every(config.heartbeat()).timeout(config.replicaTtl()).meters(meters)
                .start(this::beat);
        Disposable watch = Loop.named("heartbeat-watch").every(config.heartbeat().dividedBy(2))
                .timeout(config.heartbeat()).meters(meters).start(() -> Mono.fromRunnable(this::checkStale));
        return Disposables.composite(beats, watch, () -> {
            stopped = true;
            Connection c = session.getAndSet(null);
            if (c != null) close(c).subscribe();
        });
    }

    /** Leaves the registry: the others take the freed budget at their next heartbeat. */
    Mono<Long> deregister() {
        return sql.update("DELETE FROM replicas WHERE id = $1", config.instanceId());
    }

    /** Forgets replicas gone for a day (their rows only feed the count, which ignores them anyway). */
    Mono<Long> forgetLongGone() {
        return sql.update("DELETE FROM replicas WHERE heartbeat_at < now() - interval '1 day'");
    }

    int live() {
        return live.get();
    }

    double share() {
        return config.sendBudget() / live.get();
    }
}
