package io.tidings.cluster;

import io.tidings.store.Sql;
import io.tidings.util.Loop;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * The replica registry: every heartbeat this replica upserts its row and counts the live ones (heartbeat
 * younger than the TTL), then gives itself {@code budget / live} of the send budget. A replica that
 * stops beating drops out of everyone's count within the TTL, and its claims become fair game.
 */
final class ReplicaRegistry {

    private static final Logger log = LoggerFactory.getLogger(ReplicaRegistry.class);

    private final Sql sql;
    private final ClusterConfig config;
    private final DoubleConsumer sendRate;
    private final AtomicInteger live = new AtomicInteger(1);

    ReplicaRegistry(Sql sql, ClusterConfig config, DoubleConsumer sendRate) {
        this.sql = sql;
        this.config = config;
        this.sendRate = sendRate;
    }

    /** Refreshes this replica's row; emits the number of live replicas, this one included. */
    Mono<Integer> beat() {
        return sql.update("INSERT INTO replicas (id) VALUES ($1) ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()",
                        config.instanceId())
                .then(sql.one("SELECT 1 + count(*) AS n FROM replicas WHERE id <> $1 "
                                + "AND heartbeat_at > now() - $2 * interval '1 millisecond'",
                        r -> r.get("n", Long.class).intValue(), config.instanceId(), config.replicaTtl().toMillis()))
                .doOnNext(this::apply);
    }

    private void apply(int n) {
        int before = live.getAndSet(n);
        sendRate.accept(config.sendBudget() / n);
        if (before != n) {
            log.info("{} live replica(s): this one sends at most {}/s of {}/s", n, share(), config.sendBudget());
        }
    }

    /** Beats every heartbeat until disposed; a failed beat is logged and the last share is kept. */
    Disposable start() {
        // a beat slower than the time-to-live is useless anyway: the others already count this replica gone
        return Loop.named("heartbeat").every(config.heartbeat()).timeout(config.replicaTtl()).start(this::beat);
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
