package io.tidings.store;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The channel catalogue. Usernames must already be normalised and validated. */
public final class ChannelRepository {

    private static final String COLUMNS = "id, username, title, status, last_message_id";
    private final Sql sql;

    public ChannelRepository(Database db) {
        this.sql = db.sql();
    }

    /** Adds the channel to the catalogue if it is not there yet and returns it. */
    public Mono<Channel> ensure(String username) {
        return ensure(username, ChannelStatus.ACTIVE);
    }

    /** The same, a new channel getting {@code status} ({@code ACTIVE} or {@code HELD}); an existing one is returned unchanged. */
    public Mono<Channel> ensure(String username, ChannelStatus status) {
        return sql.one("INSERT INTO channels (username, status) VALUES ($1, $2) ON CONFLICT (username) DO NOTHING RETURNING "
                                + COLUMNS, ChannelRepository::map, username, status.sql())
                .switchIfEmpty(Mono.defer(() -> findByUsername(username)));
    }

    public Mono<Channel> findByUsername(String username) {
        return sql.one("SELECT " + COLUMNS + " FROM channels WHERE username = $1", ChannelRepository::map, username);
    }

    public Flux<Channel> active() {
        return sql.query("SELECT " + COLUMNS + " FROM channels WHERE status = 'active' ORDER BY id", ChannelRepository::map);
    }

    public Mono<Long> polled(long id, String title, long lastMessageId) {
        return sql.update("UPDATE channels SET title = COALESCE($2, title), last_polled_at = now(), "
                        + "last_message_id = GREATEST(last_message_id, $3) WHERE id = $1",
                id, title == null ? Sql.nullOf(String.class) : title, lastMessageId);
    }

    /** Stops polling the channel and keeps why (no preview, not found, name taken by another channel). */
    public Mono<Long> markUnavailable(long id, String reason) {
        return sql.update("UPDATE channels SET status = 'unavailable', unavailable_reason = $2, last_polled_at = now() "
                + "WHERE id = $1", id, reason);
    }

    /**
     * The same, checked at {@code at} (the ingest clock's time: re-checks are due from it). A channel an operator
     * removed meanwhile stays removed.
     */
    public Mono<Long> markUnavailable(long id, String reason, java.time.Instant at) {
        return sql.update("UPDATE channels SET status = 'unavailable', unavailable_reason = $2, last_polled_at = $3 "
                + "WHERE id = $1 AND status IN ('active', 'unavailable')", id, reason, at.atOffset(java.time.ZoneOffset.UTC));
    }

    /** A run of "gone" answers from t.me: when the first came and how many in a row. */
    public record GoneRun(java.time.Instant since, int answers) {}

    /**
     * One more redirect, 404 or 410 from t.me, counted on the row (a restart keeps the count); emits the run so far. A
     * successful poll ({@link #polled(long, String, String, String, long, long)}) ends the run.
     */
    public Mono<GoneRun> goneAnswer(long id, java.time.Instant at) {
        return sql.one("UPDATE channels SET gone_since = COALESCE(gone_since, $2), gone_answers = gone_answers + 1 "
                        + "WHERE id = $1 RETURNING gone_since, gone_answers",
                r -> new GoneRun(r.get("gone_since", java.time.OffsetDateTime.class).toInstant(), r.get("gone_answers", Integer.class)),
                id, at.atOffset(java.time.ZoneOffset.UTC));
    }

    /** Unavailable channels last checked before {@code cutoff} (or never): due for a re-check. */
    public Flux<Channel> unavailableCheckedBefore(java.time.Instant cutoff) {
        return sql.query("SELECT " + COLUMNS + " FROM channels WHERE status = 'unavailable' "
                + "AND (last_polled_at IS NULL OR last_polled_at < $1) ORDER BY id", ChannelRepository::map,
                cutoff.atOffset(java.time.ZoneOffset.UTC));
    }

    /** Records a successful poll with what the page header showed. */
    public Mono<Long> polled(long id, String title, String description, String avatarUrl, long subscribers,
            long lastMessageId) {
        return sql.update("UPDATE channels SET title = COALESCE($2, title), description = COALESCE($3, description), "
                        + "avatar_url = COALESCE($4, avatar_url), subscribers = GREATEST($5, 0), last_polled_at = now(), "
                        + "last_success_at = now(), last_message_id = GREATEST(last_message_id, $6), "
                        + "gone_since = NULL, gone_answers = 0 WHERE id = $1",
                id, orNull(title), orNull(description), orNull(avatarUrl), subscribers, lastMessageId);
    }

    /** Whether a suggestion created the channel or found it already there. */
    public record Suggested(Channel channel, boolean created) {}

    /**
     * Adds a channel a reader suggested with the given status ({@code ACTIVE} or {@code HELD}); an existing channel is
     * returned unchanged.
     */
    public Mono<Suggested> suggest(String username, long readerId, ChannelStatus status) {
        return sql.one("INSERT INTO channels (username, status, suggested_by) VALUES ($1, $2, $3) "
                                + "ON CONFLICT (username) DO NOTHING RETURNING " + COLUMNS,
                        ChannelRepository::map, username, status.sql(), readerId)
                .map(c -> new Suggested(c, true))
                .switchIfEmpty(Mono.defer(() -> findByUsername(username).map(c -> new Suggested(c, false))));
    }

    /**
     * Counts one more suggestion of {@code readerId} today (UTC) and emits how many that makes: atomic (one row per
     * reader and day, locked by the upsert), so concurrent suggestions cannot both pass the quota. Days before
     * yesterday are dropped.
     */
    public Mono<Integer> countSuggestion(long readerId) {
        return sql.update("DELETE FROM suggestion_counts WHERE reader_id = $1 AND day < (now() AT TIME ZONE 'UTC')::date - 1",
                        readerId)
                .then(sql.one("INSERT INTO suggestion_counts (reader_id, day, n) VALUES ($1, (now() AT TIME ZONE 'UTC')::date, 1) "
                        + "ON CONFLICT (reader_id, day) DO UPDATE SET n = suggestion_counts.n + 1 RETURNING n",
                        r -> r.get("n", Integer.class), readerId));
    }

    /** How many channels are followed now. */
    public Mono<Long> countActive() {
        return sql.one("SELECT count(*) AS n FROM channels WHERE status = 'active'", r -> r.get("n", Long.class));
    }

    /** Channels waiting for an operator, oldest suggestion first. */
    public Flux<Channel> held() {
        return sql.query("SELECT " + COLUMNS + " FROM channels WHERE status = 'held' ORDER BY added_at, id",
                ChannelRepository::map);
    }

    /** Sets a channel's status ({@code ACTIVE} to approve or retry it, {@code REMOVED} to reject it). */
    public Mono<Long> setStatus(String username, ChannelStatus status) {
        return sql.update("UPDATE channels SET status = $2, unavailable_reason = NULL WHERE username = $1",
                username, status.sql());
    }

    /** Why a channel is unavailable, when it is. */
    public Mono<String> unavailableReason(String username) {
        return sql.one("SELECT unavailable_reason FROM channels WHERE username = $1 AND status = 'unavailable'",
                r -> {
                    String reason = r.get("unavailable_reason", String.class);
                    return reason == null ? "unavailable" : reason;
                }, username);
    }

    private static Object orNull(String s) {
        return s == null ? Sql.nullOf(String.class) : s;
    }

    /** Maps a row with the columns id, username, title, status, last_message_id. */
    public static Channel map(Readable r) {
        return new Channel(r.get("id", Long.class), r.get("username", String.class), r.get("title", String.class),
                ChannelStatus.fromSql(r.get("status", String.class)), r.get("last_message_id", Long.class));
    }
}
