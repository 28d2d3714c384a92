package io.tidings.store;

import java.time.Instant;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Operator broadcasts: one post to every active reader at a set time. */
public final class BroadcastRepository {

    private final Sql sql;

    public BroadcastRepository(Database db) {
        this.sql = db.sql();
    }

    /** A broadcast whose time has come, claimed by one replica. */
    public record Due(long id, long postId) {}

    public Mono<Long> schedule(long postId, Instant sendAt, long createdBy) {
        return sql.one("INSERT INTO broadcasts (post_id, send_at, created_by) VALUES ($1, $2, $3) RETURNING id",
                r -> r.get("id", Long.class), postId, sendAt, createdBy);
    }

    /** Claims the broadcasts due now (state scheduled → queued); concurrent replicas each get different ones. */
    public Flux<Due> claimDue() {
        return sql.query("UPDATE broadcasts SET state = 'queued' WHERE id IN (SELECT id FROM broadcasts "
                        + "WHERE state = 'scheduled' AND send_at <= now() ORDER BY send_at FOR UPDATE SKIP LOCKED) "
                        + "RETURNING id, post_id",
                r -> new Due(r.get("id", Long.class), r.get("post_id", Long.class)));
    }

    public Mono<Long> recordQueued(long id, long deliveries) {
        return sql.update("UPDATE broadcasts SET queued = $2 WHERE id = $1", id, deliveries);
    }
}
