package io.tidings.store;

import io.r2dbc.spi.Readable;
import java.time.Duration;
import java.time.Instant;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The delivery outbox, and every transition of its rows ({@link DeliveryState} draws them). A (reader, post) pair
 * can be queued only once, ever, so a post never reaches a reader twice. Workers claim queued rows with
 * {@code FOR UPDATE SKIP LOCKED} under a lease: claimed rows become 'sending' just before the Telegram call; an
 * expired claim is re-queued, an expired 'sending' row becomes 'unknown' and is never sent again. Each statement
 * names the state it leaves and, where a lease exists, its owner, so a late or repeated write changes nothing.
 */
public final class DeliveryRepository {

    private final Sql sql;
    private final MailingRuns mailingRuns;

    public DeliveryRepository(Database db) {
        this.sql = db.sql();
        this.mailingRuns = new MailingRuns(sql);
    }

    /** The runs of scheduled mailings, whose pages queue deliveries here (on the same database). */
    public MailingRuns mailingRuns() {
        return mailingRuns;
    }

    /**
     * A claimed delivery with everything needed to render and send it; {@code partsSent} parts of it (an album before
     * the message with the buttons) already reached Telegram on an earlier attempt.
     */
    public record Outgoing(long id, long readerId, String language, Post post, int attempts, int partsSent, java.util.List<Post> digest) {
        public Outgoing(long id, long readerId, String language, Post post, int attempts, int partsSent) {
            this(id, readerId, language, post, attempts, partsSent, null);
        }

        public Outgoing(long id, long readerId, String language, Post post, int attempts) {
            this(id, readerId, language, post, attempts, 0);
        }

        /** A digest message (no post of its own): the posts it lists, best first. */
        public boolean isDigest() {
            return digest != null;
        }
    }

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

    /**
     * For a page of readers in one query: every post published since {@code since} (the fresh pool's oldest, less a
     * day's margin for posts not evicted yet) that was ever queued for them, however long ago it was queued: a post
     * delivered earlier never comes back into a candidate set.
     */
    public Flux<Seen> seenByAll(Long[] readers, Instant since) {
        return sql.query("SELECT d.reader_id, d.post_id FROM deliveries d JOIN posts p ON p.id = d.post_id "
                        + "WHERE d.reader_id = ANY($1) AND p.published_at >= $2",
                r -> new Seen(r.get("reader_id", Long.class), r.get("post_id", Long.class)), readers,
                since.minus(Duration.ofDays(1)).atOffset(java.time.ZoneOffset.UTC));
    }

    /**
     * Claims up to {@code limit} due deliveries for {@code owner}: they move to "claimed" with a lease. Rows locked by
     * another worker are skipped, so no two workers claim one delivery. Fair: at most one delivery per reader per
     * claim, and none for a reader who has one claimed or being sent (a chat takes one message a second: a busy
     * reader must not fill the window while others wait).
     */
    public Flux<Outgoing> claim(String owner, Duration lease, int limit) {
        return sql.query("WITH due AS ("
                        + "  SELECT id, reader_id, not_before FROM deliveries WHERE state = 'queued' AND not_before <= now()"
                        + "  ORDER BY not_before, id LIMIT $3 * 8),"
                        + " firsts AS (SELECT DISTINCT ON (reader_id) id, not_before FROM due ORDER BY reader_id, not_before, id),"
                        + " pick AS (SELECT d.id FROM deliveries d JOIN firsts f ON f.id = d.id WHERE d.state = 'queued'"
                        + "  AND NOT EXISTS (SELECT 1 FROM deliveries x WHERE x.reader_id = d.reader_id AND x.state IN ('claimed', 'sending'))"
                        + "  ORDER BY f.not_before, d.id LIMIT $3 FOR UPDATE OF d SKIP LOCKED),"
                        + " claimed AS ("
                        + " UPDATE deliveries d SET state = 'claimed', lease_owner = $1, lease_until = now() + $2 * interval '1 millisecond',"
                        + " attempts = attempts + 1 WHERE d.id IN (SELECT id FROM pick) AND d.state = 'queued'"
                        + " RETURNING d.id AS delivery_id, d.reader_id, d.post_id, d.attempts, d.parts_sent)"
                        + " SELECT claimed.delivery_id, claimed.reader_id, claimed.attempts, claimed.parts_sent, r.language,"
                        + " p.id, p.channel_id, c.username, c.title, p.message_id, p.published_at, p.kind,"
                        + " p.text, p.html, p.media_urls, p.views, p.forwarded_from, p.forwarded_from_url, p.media_file"
                        + " FROM claimed JOIN readers r ON r.id = claimed.reader_id LEFT JOIN posts p ON p.id = claimed.post_id"
                        + " LEFT JOIN channels c ON c.id = p.channel_id ORDER BY claimed.delivery_id",
                DeliveryRepository::mapOutgoing, owner, lease.toMillis(), limit)
                .collectList()
                .flatMapMany(claimed -> {
                    Long[] digests = claimed.stream().filter(o -> o.post() == null).map(Outgoing::id).toArray(Long[]::new);
                    if (digests.length == 0) return Flux.fromIterable(claimed);
                    return digestEntries(digests).collectMultimap(e -> e.digestId(), e -> e.post())
                            .flatMapIterable(byDigest -> claimed.stream().map(o -> o.post() != null ? o
                                    : new Outgoing(o.id(), o.readerId(), o.language(), null, o.attempts(), o.partsSent(),
                                            java.util.List.copyOf(byDigest.getOrDefault(o.id(), java.util.List.of())))).toList());
                });
    }

    /** A post listed in a digest message. */
    public record DigestEntry(long digestId, Post post) {}

    /** The posts the digest messages {@code digests} list, best (highest score) first. */
    public Flux<DigestEntry> digestEntries(Long[] digests) {
        return sql.query("SELECT d.digest_id, p.id, p.channel_id, c.username, c.title, p.message_id, p.published_at, p.kind,"
                        + " p.text, p.html, p.media_urls, p.views, p.forwarded_from, p.forwarded_from_url, p.media_file"
                        + " FROM deliveries d JOIN posts p ON p.id = d.post_id JOIN channels c ON c.id = p.channel_id"
                        + " WHERE d.digest_id = ANY($1) ORDER BY d.digest_id, d.score DESC NULLS LAST, d.id",
                r -> new DigestEntry(r.get("digest_id", Long.class), PostRepository.map(r)), (Object) digests);
    }

    /**
     * Makes one digest message of each reader's posts planned for a digest and not yet in one (state 'digest', no
     * digest): a row with no post, reason 'digest', queued like any delivery. Emits how many digests were queued.
     */
    public Mono<Long> bundleDigests(Long[] readers) {
        if (readers.length == 0) return Mono.just(0L);
        return sql.one("WITH m AS (SELECT DISTINCT reader_id FROM deliveries WHERE reader_id = ANY($1) AND state = 'digest'"
                        + " AND digest_id IS NULL),"
                        + " h AS (INSERT INTO deliveries (reader_id, post_id, reason) SELECT reader_id, NULL, 'digest' FROM m"
                        + " RETURNING id, reader_id),"
                        + " u AS (UPDATE deliveries d SET digest_id = h.id FROM h WHERE d.reader_id = h.reader_id"
                        + " AND d.state = 'digest' AND d.digest_id IS NULL RETURNING 1)"
                        + " SELECT (SELECT count(*) FROM h) AS n, (SELECT count(*) FROM u) AS members",
                r -> r.get("n", Long.class), (Object) readers);
    }

    /**
     * The reader pressed the "full post" button of a digest: the post's row leaves 'digest' for the queue, once (a
     * second press finds it gone). Emits the delivery id when it was queued now.
     */
    public Mono<Long> openDigestEntry(long reader, long post) {
        return sql.one("UPDATE deliveries SET state = 'queued', not_before = now() "
                        + "WHERE reader_id = $1 AND post_id = $2 AND state = 'digest' AND digest_id IS NOT NULL RETURNING id",
                r -> r.get("id", Long.class), reader, post);
    }

    /** How a send ended, for {@link #recordOutcomes}. */
    public record Outcome(long id, DeliveryState state, long messageId, String error) {
        public Outcome {
            if (!state.finished()) throw new IllegalArgumentException("not an end state: " + state);
        }

        public static Outcome sent(long id, long messageId) {
            return new Outcome(id, DeliveryState.SENT, messageId, null);
        }

        public static Outcome unknown(long id, String why) {
            return new Outcome(id, DeliveryState.UNKNOWN, 0, why);
        }

        public static Outcome failed(long id, String why) {
            return new Outcome(id, DeliveryState.FAILED, 0, why);
        }
    }

    /**
     * Records many outcomes in one statement; only rows still "sending" under {@code owner}'s lease change, or rows of
     * {@code owner} given up as unknown when the lease ran out (a database outage): the outcome learnt late is truer.
     */
    public Mono<Long> recordOutcomes(java.util.List<Outcome> outcomes, String owner) {
        if (outcomes.isEmpty()) return Mono.just(0L);
        int n = outcomes.size();
        Long[] ids = new Long[n];
        String[] states = new String[n];
        Long[] messages = new Long[n];
        String[] errors = new String[n];
        for (int i = 0; i < n; i++) {
            Outcome o = outcomes.get(i);
            ids[i] = o.id();
            states[i] = o.state().sql();
            messages[i] = o.messageId();
            errors[i] = o.error() == null ? "" : o.error();
        }
        return sql.update("UPDATE deliveries d SET state = t.s, "
                        + "sent_at = CASE WHEN t.s = 'sent' THEN now() ELSE d.sent_at END, "
                        + "telegram_message_id = CASE WHEN t.s = 'sent' THEN t.m ELSE d.telegram_message_id END, "
                        + "error = NULLIF(t.e, ''), lease_owner = NULL, lease_until = NULL "
                        + "FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[]) AS t(id, s, m, e) "
                        + "WHERE d.id = t.id AND d.lease_owner = $5 AND (d.state = 'sending' OR d.state = 'unknown' AND d.error = 'lease expired')",
                ids, states, messages, errors, owner);
    }

    /**
     * Puts a delivery this owner is sending back in the queue, due after {@code delay}, remembering that
     * {@code partsSent} of its parts reached Telegram. Only for a send that provably did not reach Telegram.
     */
    public Mono<Long> requeue(long id, String owner, Duration delay, int partsSent) {
        return sql.update("UPDATE deliveries SET state = 'queued', not_before = now() + $2 * interval '1 millisecond', "
                + "lease_owner = NULL, lease_until = NULL, parts_sent = $4 WHERE id = $1 AND state = 'sending' AND lease_owner = $3",
                id, delay.toMillis(), owner, partsSent);
    }

    /** Drops every queued (or claimed, not yet sending) delivery of a reader who cannot be reached. */
    public Mono<Long> dropQueued(long reader, String error) {
        return sql.update("UPDATE deliveries SET state = 'failed', error = $2, lease_owner = NULL, lease_until = NULL "
                        + "WHERE reader_id = $1 AND state IN ('queued', 'claimed')",
                reader, error);
    }

    /** Counts deliveries by state name ('sent', 'unknown'…), for reports and tests. */
    public Mono<Long> count(String state) {
        return count(DeliveryState.of(state));
    }

    /** Counts deliveries by state, for reports and tests. */
    public Mono<Long> count(DeliveryState state) {
        return sql.one("SELECT count(*) AS n FROM deliveries WHERE state = $1", r -> r.get("n", Long.class), state.sql());
    }

    /** A reader's deliveries not finished yet: queued, claimed or being sent (for the per-reader cap). */
    public Mono<Long> openFor(long reader) {
        return sql.one("SELECT count(*) AS n FROM deliveries WHERE reader_id = $1 AND state IN ('queued', 'claimed', 'sending')",
                r -> r.get("n", Long.class), reader);
    }

    /** Deliveries not finished yet: queued, claimed or being sent. */
    public Mono<Long> open() {
        return sql.one("SELECT count(*) AS n FROM deliveries WHERE state IN ('queued', 'claimed', 'sending')",
                r -> r.get("n", Long.class));
    }

    /**
     * Moves claimed deliveries to "sending" just before their Telegram calls, extending the lease; emits the
     * ids that are still this owner's claims (a row taken over or dropped meanwhile is not: do not send it).
     * Only "claimed" rows move, so each claim is handed to exactly one call of this, ever: should the answer be
     * lost, the rows are not sent (their leases run out and they fail) rather than perhaps sent twice.
     */
    public Flux<Long> markSending(Long[] ids, String owner, Duration lease) {
        if (ids.length == 0) return Flux.empty();
        return sql.query("UPDATE deliveries SET state = 'sending', lease_until = now() + $3 * interval '1 millisecond' "
                        + "WHERE id = ANY($1) AND state = 'claimed' AND lease_owner = $2 RETURNING id",
                r -> r.get("id", Long.class), ids, owner, lease.toMillis());
    }

    /**
     * Hands deliveries back to the queue (a stopping sender): {@code claimed} rows it has not marked, and
     * {@code sending} rows it marked but never gave to Telegram, which the caller vouches for, with the parts of
     * each already sent ({@code partsSent[i]} for {@code sending[i]}).
     */
    public Mono<Long> release(Long[] claimed, Long[] sending, Integer[] partsSent, String owner) {
        if (claimed.length + sending.length == 0) return Mono.just(0L);
        return sql.update("UPDATE deliveries d SET state = 'queued', lease_owner = NULL, lease_until = NULL, "
                + "parts_sent = COALESCE(t.p, d.parts_sent) "
                + "FROM (SELECT * FROM unnest($2::bigint[], $3::int[]) AS s(id, p) UNION ALL "
                + "SELECT id, NULL::int FROM unnest($1::bigint[]) AS c(id)) AS t "
                + "WHERE d.id = t.id AND d.lease_owner = $4 AND (t.p IS NULL AND d.state = 'claimed' OR t.p IS NOT NULL AND d.state = 'sending')",
                claimed, sending, partsSent, owner);
    }

    /** What {@link #expireLeases()} did. */
    public record Expired(long requeued, long unknown) {}

    /**
     * Takes over the claims of dead workers: claimed rows whose lease expired go back to the queue; rows
     * whose lease expired while "sending" become unknown ('lease expired') and are never sent again.
     */
    public Mono<Expired> expireLeases() {
        return sql.update("UPDATE deliveries SET state = 'queued', lease_owner = NULL, lease_until = NULL "
                        + "WHERE state = 'claimed' AND lease_until < now()")
                // the owner is kept: should its sender learn the outcome after all, it may still record it
                .zipWith(sql.update("UPDATE deliveries SET state = 'unknown', error = 'lease expired', "
                        + "lease_until = NULL WHERE state = 'sending' AND lease_until < now()"), Expired::new);
    }

    /**
     * Takes over the deliveries of replicas missing from the registry (no heartbeat within {@code ttl}), never
     * {@code self}'s: claimed rows go back to the queue; rows they were sending become unknown ('sender gone
     * mid-send'). Emits how many were re-queued.
     */
    public Mono<Long> takeOverGone(String self, Duration ttl) {
        String gone = " AND lease_owner IS NOT NULL AND lease_owner <> $1 AND lease_owner NOT IN"
                + " (SELECT id FROM replicas WHERE heartbeat_at > now() - $2 * interval '1 millisecond')";
        return sql.update("UPDATE deliveries SET state = 'queued', lease_owner = NULL, lease_until = NULL, not_before = now()"
                        + " WHERE state = 'claimed'" + gone, self, ttl.toMillis())
                .flatMap(requeued -> sql.update("UPDATE deliveries SET state = 'unknown', error = 'sender gone mid-send',"
                        + " lease_owner = NULL, lease_until = NULL WHERE state = 'sending'" + gone, self, ttl.toMillis())
                        .thenReturn(requeued));
    }

    /**
     * Shutdown, after the sender stopped: puts {@code self}'s claimed, unstarted deliveries back; one whose send was
     * still in flight at the deadline becomes unknown ('send unfinished at shutdown'). Emits how many were re-queued.
     */
    public Mono<Long> releaseAllOf(String self) {
        return sql.update("UPDATE deliveries SET state = 'queued', lease_owner = NULL, lease_until = NULL"
                        + " WHERE state = 'claimed' AND lease_owner = $1", self)
                .flatMap(n -> sql.update("UPDATE deliveries SET state = 'unknown', error = 'send unfinished at shutdown',"
                        + " lease_owner = NULL, lease_until = NULL WHERE state = 'sending' AND lease_owner = $1", self)
                        .thenReturn(n));
    }

    /**
     * Queues many (reader, post) pairs picked from candidate sets in one statement, each with its score and whether it
     * was an exploration pick; emits the pairs that were new (a pair queued before is skipped, so a conflict means
     * "already seen").
     */
    public Flux<Seen> enqueueAll(long[] readers, long[] posts, float[] scores, boolean[] explored, String reason) {
        return enqueueAll(readers, posts, scores, explored, reason, false);
    }

    /**
     * The same; with {@code digest} the pairs are planned for a digest message (state 'digest', listed by the message
     * {@link #bundleDigests} makes of them) instead of queued one by one.
     */
    public Flux<Seen> enqueueAll(long[] readers, long[] posts, float[] scores, boolean[] explored, String reason,
                                 boolean digest) {
        if (readers.length == 0) return Flux.empty();
        Long[] r = new Long[readers.length];
        Long[] p = new Long[readers.length];
        Double[] s = new Double[readers.length];
        Boolean[] e = new Boolean[readers.length];
        for (int i = 0; i < readers.length; i++) {
            r[i] = readers[i];
            p[i] = posts[i];
            s[i] = (double) scores[i];
            e[i] = explored[i];
        }
        return sql.query("INSERT INTO deliveries (reader_id, post_id, reason, score, explored, state) "
                        + "SELECT t.r, t.p, $4, t.s::real, t.e, $6 FROM unnest($1::bigint[], $2::bigint[], $3::float8[], $5::boolean[]) "
                        + "AS t(r, p, s, e) ON CONFLICT (reader_id, post_id) DO NOTHING RETURNING reader_id, post_id",
                row -> new Seen(row.get("reader_id", Long.class), row.get("post_id", Long.class)), r, p, s, reason, e,
                digest ? "digest" : "queued");
    }

    /**
     * Queues an instant push unless the reader already had {@code perDay} in the current 24-hour window; emits the id
     * when queued. Exact under concurrency: the slot is taken by one upsert on the reader's quota row, whose lock
     * orders concurrent pushes and whose condition is checked again on the row as the winner left it.
     */
    public Mono<Long> enqueueInstant(long reader, long post, float score, int perDay) {
        if (perDay <= 0) return Mono.empty();
        return sql.one("WITH slot AS (INSERT INTO instant_quota AS q (reader_id, window_start, used) "
                        + "SELECT $1, now(), 1 WHERE NOT EXISTS (SELECT 1 FROM deliveries WHERE reader_id = $1 AND post_id = $2) "
                        + "ON CONFLICT (reader_id) DO UPDATE SET "
                        + "window_start = CASE WHEN q.window_start <= now() - interval '1 day' THEN now() ELSE q.window_start END, "
                        + "used = CASE WHEN q.window_start <= now() - interval '1 day' THEN 1 ELSE q.used + 1 END "
                        + "WHERE q.window_start <= now() - interval '1 day' OR q.used < $4 RETURNING reader_id) "
                        + "INSERT INTO deliveries (reader_id, post_id, reason, score) SELECT $1, $2, 'instant', $3 FROM slot "
                        + "ON CONFLICT (reader_id, post_id) DO NOTHING RETURNING id",
                row -> row.get("id", Long.class), reader, post, score, perDay);
    }

    /** One page of a broadcast: how many were queued, and the last reader id of the page (null when the page was empty). */
    public record BroadcastPage(long queued, Long lastReader) {}

    /** Queues {@code post} for the next {@code limit} active readers after {@code afterReader}, due at {@code at}. */
    public Mono<BroadcastPage> enqueueBroadcast(long post, Instant at, long afterReader, int limit) {
        return sql.one("WITH page AS (SELECT id FROM readers WHERE status = 'active' AND id > $3 ORDER BY id LIMIT $4), "
                        + "ins AS (INSERT INTO deliveries (reader_id, post_id, reason, not_before) "
                        + "SELECT id, $1, 'broadcast', $2 FROM page ON CONFLICT (reader_id, post_id) DO NOTHING RETURNING 1) "
                        + "SELECT (SELECT count(*) FROM ins) AS queued, (SELECT max(id) FROM page) AS last",
                row -> new BroadcastPage(row.get("queued", Long.class), row.get("last", Long.class)),
                post, at.atOffset(java.time.ZoneOffset.UTC), afterReader, limit);
    }

    /** Which of {@code readers} already have a delivery for {@code reason} queued since {@code since} (a resumed page). */
    public Flux<Long> queuedSince(Long[] readers, String reason, Instant since) {
        return sql.query("SELECT DISTINCT reader_id FROM deliveries WHERE reader_id = ANY($1) AND reason = $2 AND created_at >= $3",
                r -> r.get("reader_id", Long.class), readers, reason, since.atOffset(java.time.ZoneOffset.UTC));
    }

    private static Outgoing mapOutgoing(Readable r) {
        // a digest message has no post of its own: its posts are read by digestEntries
        return new Outgoing(r.get("delivery_id", Long.class), r.get("reader_id", Long.class), r.get("language", String.class),
                r.get("id", Long.class) == null ? null : PostRepository.map(r), r.get("attempts", Integer.class),
                r.get("parts_sent", Integer.class));
    }
}
