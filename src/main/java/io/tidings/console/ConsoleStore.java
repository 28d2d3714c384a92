package io.tidings.console;

import io.r2dbc.spi.ColumnMetadata;
import io.r2dbc.spi.Row;
import io.tidings.store.Database;
import io.tidings.store.Sql;
import java.time.Instant;
import java.time.temporal.Temporal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * What the console reads and writes in PostgreSQL. Every view is bounded: by a time window over an indexed column
 * (the last hours or days), by the in-flight states' partial indexes, or by a row limit, so a page costs the same at
 * 10 M deliveries as at ten thousand. Delivery states are read as strings. Every action writes an audit row.
 */
public final class ConsoleStore {

    private final Sql sql;

    public ConsoleStore(Database db) {
        this.sql = db.sql();
    }

    // ---- reads ---------------------------------------------------------------------------------------------

    /** Rows as ordered maps from column name to a JSON-friendly value (times as ISO strings). */
    Mono<List<Map<String, Object>>> rows(String query, Object... binds) {
        return sql.query(query, r -> toMap((Row) r), binds).collectList();
    }

    Mono<Map<String, Object>> row(String query, Object... binds) {
        return sql.query(query, r -> toMap((Row) r), binds).next();
    }

    private static Map<String, Object> toMap(Row r) {
        Map<String, Object> m = new LinkedHashMap<>();
        List<? extends ColumnMetadata> columns = r.getMetadata().getColumnMetadatas();
        for (int i = 0; i < columns.size(); i++) {
            Object v = r.get(i);
            if (v instanceof Temporal t) v = t.toString();
            if (v instanceof java.math.BigDecimal d) v = d.doubleValue();
            m.put(columns.get(i).getName(), v);
        }
        return m;
    }

    Mono<Map<String, Object>> overview() {
        return Mono.zip(List.of(
                // the present as the rollup loop last saw it (each tick, at most a minute old), not millions of rows
                rows("SELECT substr(name, 9) AS status, n FROM console_snapshots WHERE name LIKE 'readers:%' ORDER BY 1"),
                rows("SELECT count(*) AS n FROM reader_bans"),
                rows("SELECT status, count(*) AS n FROM channels GROUP BY status ORDER BY status"),
                rows("SELECT hour, posts FROM console_rollup_hours "
                        + "WHERE hour > date_trunc('hour', now()) - interval '24 hours' ORDER BY 1"),
                // in flight, as the last tick counted it (a count reads the page of every queued row: long with a mailing queued)
                rows("SELECT substr(name, 7) AS state, n FROM console_snapshots WHERE name LIKE 'queue:%' ORDER BY 1"),
                rows("SELECT substr(name, 11) AS state, n FROM console_snapshots WHERE name LIKE 'last_hour:%' ORDER BY 1"),
                rows("SELECT minute, sent FROM console_rollup_minutes WHERE minute > now() - interval '62 minutes' ORDER BY 1"),
                rows("SELECT coalesce(sum(n), 0) AS n FROM console_rollup_deliveries "
                        + "WHERE hour > date_trunc('hour', now()) - interval '24 hours' AND state = 'unknown'"),
                rows("SELECT id, started_at, heartbeat_at, heartbeat_at > now() - interval '30 seconds' AS alive "
                        + "FROM replicas ORDER BY id")), parts -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("readers", parts[0]);
            m.put("readers_banned", first(parts[1]));
            m.put("channels", parts[2]);
            m.put("posts_per_hour", parts[3]);
            m.put("queue", parts[4]);
            m.put("last_hour_by_state", parts[5]);
            m.put("sent_per_minute", parts[6]);
            m.put("unknown_24h", first(parts[7]));
            m.put("replicas", parts[8]);
            return m;
        });
    }

    Mono<Map<String, Object>> quality() {
        return Mono.zip(List.of(
                rows("SELECT hour, sum(votes) AS votes, sum(likes) AS likes FROM console_rollup_votes "
                        + "WHERE hour > date_trunc('hour', now()) - interval '7 days' GROUP BY 1 ORDER BY 1"),
                // the version that chose a post is the newest one created before it was queued
                rows("SELECT reason AS kind, nullif(version, 0) AS version, sum(votes) AS votes, sum(likes) AS likes "
                        + "FROM console_rollup_votes WHERE hour > date_trunc('hour', now()) - interval '24 hours' AND reason <> '' "
                        + "GROUP BY 1, 2 ORDER BY 2, 1"),
                rows("SELECT n AS readers, value AS channels_per_reader, at FROM console_snapshots WHERE name = 'channels_per_reader_24h'"),
                rows("SELECT date_trunc('day', hour) AS day, sum(less) AS less, sum(mutes) AS mutes FROM console_rollup_hours "
                        + "WHERE hour > date_trunc('hour', now()) - interval '7 days' GROUP BY 1 HAVING sum(less) + sum(mutes) > 0 ORDER BY 1"),
                // deliveries the planner took from candidate sets on any replica, and how many only thanks to the noise
                rows("SELECT coalesce(sum(picks), 0) AS picks, coalesce(sum(explored), 0) AS exploration FROM console_rollup_deliveries "
                        + "WHERE hour > date_trunc('hour', now()) - interval '24 hours'")),
                parts -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("like_rate_per_hour", parts[0]);
            m.put("by_kind_and_version", parts[1]);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> cpr = (List<Map<String, Object>>) parts[2];
            m.put("channels_per_reader_24h", cpr.isEmpty() ? Map.of("readers", 0, "channels_per_reader", 0) : cpr.get(0));
            m.put("presses_per_day", parts[3]);
            @SuppressWarnings("unchecked")
            Map<String, Object> picks = ((List<Map<String, Object>>) parts[4]).get(0);
            long picked = ((Number) picks.get("picks")).longValue();
            long explored = ((Number) picks.get("exploration")).longValue();
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("picks", picked);
            e.put("exploration", explored);
            e.put("share", picked == 0 ? null : (double) explored / picked);
            m.put("exploration_picks", e);
            return m;
        });
    }

    /** Model versions (newest first) with the AUC of their scores on the newest votes, as the rollup loop computed it. */
    Mono<List<Map<String, Object>>> modelVersions() {
        return rows("SELECT m.id, m.kind, m.created_at, m.vote_count, m.votes_seq, m.chunks, m.summary, "
                + "coalesce(a.votes, 0) AS auc_votes, a.auc FROM model_versions m LEFT JOIN console_model_auc a ON a.version = m.id "
                + "ORDER BY m.id DESC LIMIT 50");
    }

    /** The AUC on the newest votes whatever version chose them, and when it was computed (empty before the first). */
    Mono<List<Map<String, Object>>> aucAllVersions() {
        return rows("SELECT votes, auc, at FROM console_model_auc WHERE version = $1", ConsoleRollups.ALL_VERSIONS);
    }

    Mono<Map<String, Object>> channels() {
        return Mono.zip(
                rows("WITH r AS (SELECT channel_id, sum(posts) AS posts, sum(deliveries) AS deliveries, sum(votes) AS votes, "
                        + "  sum(likes) AS likes, sum(less) AS less, sum(mutes) AS mutes FROM console_rollup_channels "
                        + "  WHERE hour > date_trunc('hour', now()) - interval '24 hours' GROUP BY 1) "
                        + "SELECT c.id, c.username, c.title, c.status, c.subscribers, c.last_polled_at, c.last_success_at, "
                        + "c.unavailable_reason AS last_error, coalesce(r.posts, 0) AS posts_24h, coalesce(r.deliveries, 0) AS deliveries_24h, "
                        + "coalesce(r.votes, 0) AS votes_24h, coalesce(r.likes, 0) AS likes_24h, coalesce(r.less, 0) AS less_24h, "
                        + "coalesce(r.mutes, 0) AS mutes_24h "
                        + "FROM channels c LEFT JOIN r ON r.channel_id = c.id "
                        + "WHERE c.status <> 'held' AND c.username <> $1 ORDER BY c.status, c.username LIMIT 2000",
                        io.tidings.render.PostRenderer.ANNOUNCEMENTS),
                rows("SELECT id, username, title, description, subscribers, suggested_by, added_at FROM channels "
                        + "WHERE status = 'held' ORDER BY added_at LIMIT 500"),
                (all, held) -> Map.of("channels", all, "held", held));
    }

    Mono<List<Map<String, Object>>> findReaders(String q) {
        long id = parseLongOr(q, Long.MIN_VALUE);
        // the id through the primary key, the start of the name (any case) through its prefix index
        String prefix = q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
        return rows("SELECT r.id, r.first_name, r.language, r.status, r.last_seen_at, b.at AS banned_at FROM ("
                + "(SELECT id, first_name, language, status, last_seen_at FROM readers WHERE id = $1) UNION "
                + "(SELECT id, first_name, language, status, last_seen_at FROM readers WHERE lower(first_name) LIKE lower($2) "
                + "ORDER BY last_seen_at DESC LIMIT 20)) r "
                + "LEFT JOIN reader_bans b ON b.reader_id = r.id ORDER BY r.last_seen_at DESC LIMIT 20", id, prefix);
    }

    Mono<Map<String, Object>> reader(long id) {
        return row("SELECT r.id, r.first_name, r.language, r.status, r.time_zone, r.mailing_times, r.posts_per_mailing, "
                + "r.instant_push, r.created_at, r.last_seen_at, b.at AS banned_at, b.banned_by "
                + "FROM readers r LEFT JOIN reader_bans b ON b.reader_id = r.id WHERE r.id = $1", id);
    }

    Mono<List<Map<String, Object>>> recentDeliveries(long reader) {
        return rows("SELECT d.id, d.post_id, c.username AS channel, left(p.text, 120) AS text, d.reason, d.state, d.score, "
                + "d.error, d.created_at, d.sent_at, v.liked FROM deliveries d JOIN posts p ON p.id = d.post_id "
                + "JOIN channels c ON c.id = p.channel_id LEFT JOIN votes v ON v.reader_id = d.reader_id AND v.post_id = d.post_id "
                + "WHERE d.reader_id = $1 ORDER BY d.id DESC LIMIT 50", reader);
    }

    Mono<List<Map<String, Object>>> recentVotes(long reader) {
        return rows("SELECT v.post_id, c.username AS channel, v.liked, v.voted_at FROM votes v JOIN posts p ON p.id = v.post_id "
                + "JOIN channels c ON c.id = p.channel_id WHERE v.reader_id = $1 ORDER BY v.voted_at DESC LIMIT 50", reader);
    }

    /** The reader's "less from this channel" presses per channel (the ranker's penalties). */
    Mono<List<Map<String, Object>>> penalties(long reader) {
        return rows("SELECT c.id AS channel_id, c.username AS channel, count(*) AS presses, sum(x.weight) AS weight, "
                + "max(x.created_at) AS last_at FROM channel_penalties x JOIN channels c ON c.id = x.channel_id "
                + "WHERE x.reader_id = $1 GROUP BY c.id, c.username ORDER BY last_at DESC", reader);
    }

    /** Posts (with their channel) by id, for the candidates of the inspector. */
    Mono<List<Map<String, Object>>> postsById(long[] ids) {
        Long[] boxed = new Long[ids.length];
        for (int i = 0; i < ids.length; i++) boxed[i] = ids[i];
        return rows("SELECT p.id, c.username AS channel, left(p.text, 120) AS text, p.published_at FROM posts p "
                + "JOIN channels c ON c.id = p.channel_id WHERE p.id = ANY($1)", (Object) boxed);
    }

    Mono<List<Map<String, Object>>> broadcasts() {
        return rows("SELECT b.id, b.post_id, c.username AS channel, p.message_id, left(p.text, 120) AS text, b.send_at, b.state, "
                + "b.queued, b.created_by, b.created_at FROM broadcasts b JOIN posts p ON p.id = b.post_id "
                + "JOIN channels c ON c.id = p.channel_id ORDER BY b.id DESC LIMIT 200");
    }

    Mono<List<Map<String, Object>>> audit() {
        return rows("SELECT id, operator_id, action, target, detail, at FROM console_audit ORDER BY at DESC, id DESC LIMIT 500");
    }

    // ---- sign-in -------------------------------------------------------------------------------------------

    /** Marks a link's nonce used; emits false when it already was (a second click, a replayed link). */
    Mono<Boolean> redeem(String nonce, long operator, Instant expires) {
        return sql.update("INSERT INTO console_links (nonce, operator_id, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                nonce, operator, expires.atOffset(java.time.ZoneOffset.UTC)).map(n -> n == 1);
    }

    // ---- actions -------------------------------------------------------------------------------------------

    Mono<Void> audit(long operator, String action, String target, String detail) {
        return sql.update("INSERT INTO console_audit (operator_id, action, target, detail) VALUES ($1, $2, $3, $4)",
                operator, action, target == null ? Sql.nullOf(String.class) : target,
                detail == null ? Sql.nullOf(String.class) : detail).then();
    }

    /** Bans a reader: nothing queued for them goes out, they get no mailings (status paused) until unbanned. */
    Mono<Boolean> ban(long reader, long operator) {
        return sql.update("INSERT INTO reader_bans (reader_id, banned_by, previous_status) "
                        + "SELECT id, $2, status FROM readers WHERE id = $1 ON CONFLICT DO NOTHING", reader, operator)
                .flatMap(n -> n == 0 ? Mono.just(false)
                        : sql.update("UPDATE readers SET status = 'paused' WHERE id = $1", reader)
                                .then(sql.update("UPDATE deliveries SET state = 'failed', error = 'banned', lease_owner = NULL, "
                                        + "lease_until = NULL WHERE reader_id = $1 AND state = 'queued'", reader))
                                .thenReturn(true));
    }

    Mono<Boolean> unban(long reader) {
        return sql.query("DELETE FROM reader_bans WHERE reader_id = $1 RETURNING previous_status",
                        r -> r.get("previous_status", String.class), reader).next()
                .flatMap(previous -> sql.update("UPDATE readers SET status = $2 WHERE id = $1", reader, previous).thenReturn(true))
                .defaultIfEmpty(false);
    }

    Mono<Boolean> cancelBroadcast(long id) {
        return sql.update("UPDATE broadcasts SET state = 'cancelled' WHERE id = $1 AND state = 'scheduled'", id).map(n -> n > 0);
    }

    /**
     * Stores an operator's text as a post of the reserved announcements channel, for a broadcast: the channel is
     * 'removed' (never polled or listed) and the post marked deleted, so the fresh pool and the ranker never see it;
     * only its broadcast sends it. Emits the post's id.
     */
    Mono<Long> storeAnnouncement(String text, String html) {
        return sql.one("WITH ch AS (INSERT INTO channels (username, title, status) VALUES ($3, '📢', 'removed') "
                        + "ON CONFLICT (username) DO UPDATE SET status = 'removed' RETURNING id) "
                        + "INSERT INTO posts (channel_id, message_id, published_at, kind, text, html, deleted) "
                        + "SELECT ch.id, coalesce((SELECT max(message_id) FROM posts WHERE channel_id = ch.id), 0) + 1, now(), 'text', $1, $2, true "
                        + "FROM ch RETURNING id",
                r -> r.get("id", Long.class), text, html, io.tidings.render.PostRenderer.ANNOUNCEMENTS);
    }

    @SuppressWarnings("unchecked")
    private static Object first(Object rows) {
        List<Map<String, Object>> list = (List<Map<String, Object>>) rows;
        return list.isEmpty() ? 0 : list.get(0).values().iterator().next();
    }

    static long parseLongOr(String s, long dflt) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException | NullPointerException e) {
            return dflt;
        }
    }
}
