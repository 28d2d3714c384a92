package io.tidings.cluster;

import io.tidings.store.Sql;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Takes over the work of replicas that are gone: deliveries they claimed but had not started to send, and
 * webhook updates they claimed and never finished, go back to the queue for the live replicas. Only claims of
 * replicas missing from the registry are touched, never those of a live but slow one (it would still send
 * them: a duplicate). A delivery a gone replica had started to send ({@code sending}) may have reached the
 * reader: it is marked failed and not sent again, since a duplicate message annoys more than a missed one.
 */
final class OutboxReaper {

    private static final Logger log = LoggerFactory.getLogger(OutboxReaper.class);

    private final Sql sql;
    private final String self;
    private final Duration ttl;

    OutboxReaper(Sql sql, String self, Duration ttl) {
        this.sql = sql;
        this.self = self;
        this.ttl = ttl;
    }

    /** Requeues what gone replicas claimed; emits how many deliveries and updates were taken over. */
    Mono<Long> reap() {
        String gone = " NOT IN (SELECT id FROM replicas WHERE heartbeat_at > now() - $2 * interval '1 millisecond') AND ";
        Mono<Long> deliveries = sql.update("UPDATE deliveries SET state = 'queued', lease_owner = NULL, lease_until = NULL,"
                + " not_before = now() WHERE state = 'claimed' AND lease_owner IS NOT NULL AND lease_owner" + gone
                + " lease_owner <> $1", self, ttl.toMillis())
                .flatMap(requeued -> sql.update("UPDATE deliveries SET state = 'failed', error = 'sender gone mid-send',"
                        + " lease_owner = NULL, lease_until = NULL WHERE state = 'sending' AND lease_owner IS NOT NULL AND lease_owner"
                        + gone + " lease_owner <> $1", self, ttl.toMillis()).thenReturn(requeued));
        Mono<Long> updates = sql.update("UPDATE updates SET claimed_by = NULL, claimed_until = NULL"
                + " WHERE processed_at IS NULL AND claimed_by IS NOT NULL AND claimed_by" + gone
                + " claimed_by <> $1", self, ttl.toMillis());
        return deliveries.zipWith(updates, (d, u) -> {
            if (d + u > 0) log.info("took over the unfinished work of gone replicas: {} deliveries, {} updates", d, u);
            return d + u;
        });
    }

    /**
     * Shutdown, after its sender stopped: puts this replica's claimed, unstarted deliveries back; one whose send
     * was still in flight at the deadline is marked failed, for the same reason as above.
     */
    Mono<Long> releaseOwn() {
        return sql.update("UPDATE deliveries SET state = 'queued', lease_owner = NULL, lease_until = NULL"
                        + " WHERE state = 'claimed' AND lease_owner = $1", self)
                .flatMap(n -> sql.update("UPDATE deliveries SET state = 'failed', error = 'send unfinished at shutdown',"
                        + " lease_owner = NULL, lease_until = NULL WHERE state = 'sending' AND lease_owner = $1", self)
                        .thenReturn(n));
    }
}
