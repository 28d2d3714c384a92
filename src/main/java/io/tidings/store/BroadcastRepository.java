package io.tidings.store;

import java.time.Duration;
import java.time.Instant;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Operator broadcasts: one post to every active reader at a set time. A due broadcast is claimed under a lease
 * ('queuing') and queued page by page; each page's deliveries and the broadcast's progress (the last reader
 * queued) are written by one statement, so a crash or an error half-way loses nothing and repeats nothing: any
 * replica takes over once the lease ran out and goes on after that reader.
 */
public final class BroadcastRepository {

    private final Sql sql;

    public BroadcastRepository(Database db) {
        this.sql = db.sql();
    }

    /** A broadcast whose time has come, claimed by one replica, to be queued for readers after {@code afterReader}. */
    public record Due(long id, long postId, long afterReader) {}

    /** What one page did: deliveries queued, and whether the broadcast is finished (or no longer this owner's). */
    public record Page(long queued, boolean more) {}

    public Mono<Long> schedule(long postId, Instant sendAt, long createdBy) {
        return sql.one("INSERT INTO broadcasts (post_id, send_at, created_by) VALUES ($1, $2, $3) RETURNING id",
                r -> r.get("id", Long.class), postId, sendAt, createdBy);
    }

    /**
     * Claims for {@code owner} the broadcasts due now and those whose queuing was abandoned (lease run out: a
     * replica died or failed half-way); concurrent replicas each get different ones.
     */
    public Flux<Due> claimDue(String owner, Duration lease) {
        return sql.query("UPDATE broadcasts SET state = 'queuing', lease_owner = $1, lease_until = now() + $2 * interval '1 millisecond' "
                        + "WHERE id IN (SELECT id FROM broadcasts WHERE state = 'scheduled' AND send_at <= now() "
                        + "OR state = 'queuing' AND lease_until < now() ORDER BY send_at FOR UPDATE SKIP LOCKED) "
                        + "RETURNING id, post_id, after_reader",
                r -> new Due(r.get("id", Long.class), r.get("post_id", Long.class), r.get("after_reader", Long.class)),
                owner, lease.toMillis());
    }

    /**
     * Queues the post for the next {@code limit} active readers after the broadcast's progress and records the
     * progress, in one statement, only while {@code owner} holds the lease (which it extends). The last page
     * (shorter than {@code limit}) marks the broadcast queued.
     */
    public Mono<Page> queuePage(long id, String owner, Duration lease, int limit) {
        return sql.one("WITH b AS (SELECT id, post_id, after_reader FROM broadcasts WHERE id = $1 AND state = 'queuing' "
                        + "AND lease_owner = $2 FOR UPDATE), "
                        + "page AS (SELECT r.id FROM readers r, b WHERE r.status = 'active' AND r.id > b.after_reader ORDER BY r.id LIMIT $4), "
                        + "ins AS (INSERT INTO deliveries (reader_id, post_id, reason) SELECT page.id, b.post_id, 'broadcast' FROM page, b "
                        + "ON CONFLICT (reader_id, post_id) DO NOTHING RETURNING 1), "
                        + "upd AS (UPDATE broadcasts SET after_reader = COALESCE((SELECT max(id) FROM page), broadcasts.after_reader), "
                        + "queued = broadcasts.queued + (SELECT count(*) FROM ins), "
                        + "state = CASE WHEN (SELECT count(*) FROM page) < $4 THEN 'queued' ELSE 'queuing' END, "
                        + "lease_until = now() + $3 * interval '1 millisecond' FROM b WHERE broadcasts.id = b.id RETURNING broadcasts.state) "
                        + "SELECT (SELECT count(*) FROM ins) AS queued, (SELECT state FROM upd) AS state",
                r -> new Page(r.get("queued", Long.class), "queuing".equals(r.get("state", String.class))),
                id, owner, lease.toMillis(), limit);
    }

    /** Gives up {@code owner}'s lease at once (after an error), so the next look for due broadcasts resumes it. */
    public Mono<Long> release(long id, String owner) {
        return sql.update("UPDATE broadcasts SET lease_until = now() WHERE id = $1 AND state = 'queuing' AND lease_owner = $2",
                id, owner);
    }

    /** The broadcast's state and how many deliveries it queued, for reports and tests. */
    public Mono<String> progress(long id) {
        return sql.one("SELECT state || ' ' || queued AS p FROM broadcasts WHERE id = $1", r -> r.get("p", String.class), id);
    }
}
