package io.tidings.store;

import io.r2dbc.spi.Readable;
import java.time.Duration;
import java.time.Instant;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The delivery outbox. A (reader, post) pair can be queued only once, ever, so a post never reaches a
 * reader twice. Workers claim queued rows with {@code FOR UPDATE SKIP LOCKED} under a lease.
 */
public final class DeliveryRepository {

    private final Sql sql;

    public DeliveryRepository(Database db) {
        this.sql = db.sql();
    }

    /** A claimed delivery with everything needed to render and send it. */
    public record Outgoing(long id, long readerId, String language, Post post, int attempts) {}

    /** A (reader, post) pair already queued or sent. */
    public record Seen(long readerId, long postId) {}

    /** Queues the post for the reader; emits the delivery id, or nothing when the pair was queued before. */
    public Mono<Long> enqueue(long reader, long post, String reason, float score) {
        return sql.one("INSERT INTO deliveries (reader_id, post_id, reason, score) VALUES ($1, $2, $3, $4) "
                        + "ON CONFLICT (reader_id, post_id) DO NOTHING RETURNING id",
                r -> r.get("id", Long.class), reader, post, reason, score);
    }

    /** Post ids ever queued for this reader since {@code since}. */
    public Flux<Long> seenBy(long reader, Instant since) {
        return sql.query("SELECT post_id FROM deliveries WHERE reader_id = $1 AND created_at >= $2",
                r -> r.get("post_id", Long.class), reader, since);
    }

    /** The same for a page of readers in one query. */
    public Flux<Seen> seenByAll(Long[] readers, Instant since) {
        return sql.query("SELECT reader_id, post_id FROM deliveries WHERE reader_id = ANY($1) AND created_at >= $2",
                r -> new Seen(r.get("reader_id", Long.class), r.get("post_id", Long.class)), readers, since);
    }

    /**
     * Claims up to {@code limit} due deliveries for {@code owner}: they move to "sending" with a lease.
     * Rows locked by another worker are skipped, so no two workers claim one delivery.
     */
    public Flux<Outgoing> claim(String owner, Duration lease, int limit) {
        return sql.query("WITH claimed AS ("
                        + " UPDATE deliveries d SET state = 'sending', lease_owner = $1, lease_until = now() + $2 * interval '1 millisecond',"
                        + " attempts = attempts + 1 WHERE d.id IN ("
                        + "  SELECT id FROM deliveries WHERE state = 'queued' AND not_before <= now()"
                        + "  ORDER BY not_before, id LIMIT $3 FOR UPDATE SKIP LOCKED)"
                        + " RETURNING d.id AS delivery_id, d.reader_id, d.post_id, d.attempts)"
                        + " SELECT claimed.delivery_id, claimed.reader_id, claimed.attempts, r.language,"
                        + " p.id, p.channel_id, c.username, c.title, p.message_id, p.published_at, p.kind,"
                        + " p.text, p.html, p.media_urls, p.views, p.forwarded_from"
                        + " FROM claimed JOIN readers r ON r.id = claimed.reader_id JOIN posts p ON p.id = claimed.post_id"
                        + " JOIN channels c ON c.id = p.channel_id ORDER BY claimed.delivery_id",
                DeliveryRepository::mapOutgoing, owner, lease.toMillis(), limit);
    }

    public Mono<Long> markSent(long id, long telegramMessageId) {
        return sql.update("UPDATE deliveries SET state = 'sent', sent_at = now(), telegram_message_id = $2, "
                + "lease_owner = NULL, lease_until = NULL WHERE id = $1", id, telegramMessageId);
    }

    public Mono<Long> markFailed(long id, String error) {
        return sql.update("UPDATE deliveries SET state = 'failed', error = $2, lease_owner = NULL, lease_until = NULL "
                + "WHERE id = $1", id, error);
    }

    /** Puts a claimed delivery back in the queue, due after {@code delay}. */
    public Mono<Long> requeue(long id, Duration delay) {
        return sql.update("UPDATE deliveries SET state = 'queued', not_before = now() + $2 * interval '1 millisecond', "
                + "lease_owner = NULL, lease_until = NULL WHERE id = $1", id, delay.toMillis());
    }

    /** Drops every queued delivery of a reader who cannot be reached. */
    public Mono<Long> dropQueued(long reader, String error) {
        return sql.update("UPDATE deliveries SET state = 'failed', error = $2 WHERE reader_id = $1 AND state = 'queued'",
                reader, error);
    }

    /** Counts deliveries by state, for reports and tests. */
    public Mono<Long> count(String state) {
        return sql.one("SELECT count(*) AS n FROM deliveries WHERE state = $1", r -> r.get("n", Long.class), state);
    }

    /** The reader and post of a sent Telegram message, so a vote can be matched to what was delivered. */
    public Mono<Long> postOfMessage(long reader, long telegramMessageId) {
        return sql.one("SELECT post_id FROM deliveries WHERE reader_id = $1 AND telegram_message_id = $2",
                r -> r.get("post_id", Long.class), reader, telegramMessageId);
    }

    private static Outgoing mapOutgoing(Readable r) {
        return new Outgoing(r.get("delivery_id", Long.class), r.get("reader_id", Long.class), r.get("language", String.class),
                PostRepository.map(r), r.get("attempts", Integer.class));
    }
}
