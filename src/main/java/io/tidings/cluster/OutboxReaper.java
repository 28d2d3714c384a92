package io.tidings.cluster;

import io.tidings.store.DeliveryRepository;
import io.tidings.store.Sql;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Takes over the work of replicas that are gone: deliveries they claimed but had not started to send, and
 * webhook updates they claimed and never finished, go back to the queue for the live replicas. Only claims of
 * replicas missing from the registry are touched, never those of a live but slow one (it would still send
 * them: a duplicate). A delivery a gone replica had started to send may have reached the reader: it becomes
 * 'unknown' and is not sent again (the transitions themselves are {@link DeliveryRepository}'s).
 */
final class OutboxReaper {

    private static final Logger log = LoggerFactory.getLogger(OutboxReaper.class);

    private final Sql sql;
    private final DeliveryRepository deliveries;
    private final String self;
    private final Duration ttl;

    OutboxReaper(Sql sql, DeliveryRepository deliveries, String self, Duration ttl) {
        this.sql = sql;
        this.deliveries = deliveries;
        this.self = self;
        this.ttl = ttl;
    }

    /** Requeues what gone replicas claimed; emits how many deliveries and updates were taken over. */
    Mono<Long> reap() {
        String gone = " NOT IN (SELECT id FROM replicas WHERE heartbeat_at > now() - $2 * interval '1 millisecond') AND ";
        Mono<Long> updates = sql.update("UPDATE updates SET claimed_by = NULL, claimed_until = NULL"
                + " WHERE processed_at IS NULL AND claimed_by IS NOT NULL"
                // a replica late with its heartbeats may still be handling it: only a claim that ran out is taken
                + " AND (claimed_until IS NULL OR claimed_until < now()) AND claimed_by" + gone
                + " claimed_by <> $1", self, ttl.toMillis());
        return deliveries.takeOverGone(self, ttl).zipWith(updates, (d, u) -> {
            if (d + u > 0) log.info("took over the unfinished work of gone replicas: {} deliveries, {} updates", d, u);
            return d + u;
        });
    }

    /**
     * Shutdown, after its sender stopped: puts this replica's claimed, unstarted deliveries back; one whose send
     * was still in flight at the deadline becomes unknown, for the same reason as above.
     */
    Mono<Long> releaseOwn() {
        return deliveries.releaseAllOf(self);
    }
}
