package io.tidings.console;

import io.tidings.store.Database;
import io.tidings.store.Sql;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The console's hourly rollups ({@code console_rollup_*}, see migration V7_4_1): counts of deliveries, votes, posts and
 * presses per hour, so the console's views read a few thousand small rows instead of millions of deliveries.
 *
 * <p>Each {@link #refresh()} recomputes, from the tables, the hours that may have changed: the current hour and the three
 * before it, every hour of the last day whose deliveries were still in flight (queued, claimed, sending) when last
 * computed (the views show states over at most a day), every hour until it is recomputed three hours after it ended
 * (late outcomes, re-votes), and hours never computed within the kept
 * window (newest first, a bounded number per call, so a first start fills the window over a few ticks). One hour of
 * one rollup is replaced by one statement, so a reader sees the hour before or after, never half of it. Numbers in
 * the rollups equal direct counts over the same hours once an hour is refreshed ({@code ConsoleRollupsTest}). The
 * distinct channels per reader over the last 24 hours does not add up over hours: it is a snapshot, recomputed when
 * older than {@link #SNAPSHOT_EVERY}, with the AUC of each model version's scores on the newest votes.
 *
 * <p>Each tick also replaces what the overview shows of the present ({@link #live()}): readers by status, the last
 * hour's deliveries by state, the queue by state and the deliveries sent per minute of the last hour, so the overview
 * reads a few rows.
 */
public final class ConsoleRollups {

    /** Hours kept: the longest console window is 7 days. */
    static final Duration KEPT = Duration.ofDays(8);
    static final Duration SNAPSHOT_EVERY = Duration.ofMinutes(5);
    /** Hours recomputed at most per call (the first start fills the window over several calls). */
    static final int MAX_HOURS_PER_REFRESH = 48;

    private final Sql sql;

    public ConsoleRollups(Database db) {
        this.sql = db.sql();
    }

    /**
     * One tick of the background loop, for the whole service: the replica that claims the tick (at most one per
     * {@code period}, claimed atomically in {@code console_snapshots}) refreshes; the others do nothing.
     */
    public Mono<Integer> tick(Duration period) {
        return sql.query("INSERT INTO console_snapshots (name, value, at) VALUES ('rollup_tick', 0, now()) "
                        + "ON CONFLICT (name) DO UPDATE SET at = now() "
                        + "WHERE console_snapshots.at <= now() - make_interval(secs => $1) RETURNING name",
                        r -> r.get("name", String.class), period.toMillis() * 0.9 / 1000.0)
                .next()
                .flatMap(claimed -> refresh())
                .defaultIfEmpty(0);
    }

    /** Votes the AUC is computed on: the newest ones. */
    static final int AUC_VOTES = 5000;
    /** The row of {@code console_model_auc} for the newest votes whatever version chose them. */
    static final long ALL_VERSIONS = -1;

    /** Recomputes the hours that may have changed (see the class comment) and the present; emits how many hours. */
    public Mono<Integer> refresh() {
        return due().concatMap(this::refreshHour).count().map(Long::intValue)
                .flatMap(n -> live().then(snapshotIfOld()).thenReturn(n));
    }

    /** Recomputes every hour of the kept window, and the snapshot (for the bench and tests). */
    public Mono<Integer> refreshAll() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.HOURS);
        return Flux.range(0, (int) KEPT.toHours() + 1).map(i -> now.minus(Duration.ofHours(i)))
                .concatMap(this::refreshHour).count().map(Long::intValue)
                .flatMap(n -> live().then(snapshot()).thenReturn(n));
    }

    /** The hours to recompute, newest first. */
    Flux<Instant> due() {
        return sql.query("SELECT h FROM generate_series(date_trunc('hour', now() - make_interval(hours => $1)), "
                        + "date_trunc('hour', now()), interval '1 hour') h "
                        + "LEFT JOIN console_rollup_hours r ON r.hour = h "
                        + "WHERE r.hour IS NULL OR h >= date_trunc('hour', now()) - interval '2 hours' "
                        + "OR (r.in_flight > 0 AND h >= now() - interval '25 hours') "
                        + "OR r.refreshed_at < h + interval '4 hours' ORDER BY h DESC LIMIT $2",
                        r -> r.get("h", OffsetDateTime.class).toInstant(), (int) KEPT.toHours(), MAX_HOURS_PER_REFRESH)
                .concatWith(sql.update("DELETE FROM console_rollup_hours WHERE hour < now() - make_interval(hours => $1)",
                                (int) KEPT.toHours() + 1)
                        .then(sql.update("DELETE FROM console_mute_presses WHERE at < now() - make_interval(hours => $1)",
                                (int) KEPT.toHours() + 1))
                        .then(Mono.empty()));
    }

    // the model version that chose a delivery: the newest one created before it was queued (as the quality view
    // always counted); only versions that can matter for the hour are looked at
    private static final String VERSIONS = "vs AS (SELECT id, created_at FROM model_versions WHERE created_at < $1 + interval '1 hour' "
            + "AND created_at >= coalesce((SELECT max(created_at) FROM model_versions WHERE created_at <= $1), '-infinity'))";
    private static final String VERSION_OF = "coalesce((SELECT max(vs.id) FROM vs WHERE vs.created_at <= d.created_at), 0)";

    /** Recomputes one hour of every rollup from the tables. */
    Mono<Instant> refreshHour(Instant hour) {
        OffsetDateTime h = hour.atOffset(ZoneOffset.UTC);
        Mono<Long> deliveries = sql.update("WITH " + VERSIONS + ", "
                + "fresh AS (SELECT $1::timestamptz AS hour, d.reason, " + VERSION_OF + " AS version, d.state, count(*) AS n, "
                + "  count(d.explored) AS picks, count(*) FILTER (WHERE d.explored) AS explored "
                + "  FROM deliveries d WHERE d.created_at >= $1 AND d.created_at < $1 + interval '1 hour' GROUP BY 2, 3, 4), "
                + "gone AS (DELETE FROM console_rollup_deliveries r WHERE r.hour = $1 AND NOT EXISTS (SELECT 1 FROM fresh f "
                + "  WHERE f.reason = r.reason AND f.version = r.version AND f.state = r.state)) "
                + "INSERT INTO console_rollup_deliveries (hour, reason, version, state, n, picks, explored) SELECT * FROM fresh "
                + "ON CONFLICT (hour, reason, version, state) DO UPDATE SET n = EXCLUDED.n, picks = EXCLUDED.picks, "
                + "explored = EXCLUDED.explored", h);
        Mono<Long> votes = sql.update("WITH vs AS (SELECT id, created_at FROM model_versions WHERE created_at < $1 + interval '1 hour'), "
                + "fresh AS (SELECT $1::timestamptz AS hour, coalesce(d.reason, '') AS reason, "
                + "  CASE WHEN d.id IS NULL THEN 0 ELSE " + VERSION_OF + " END AS version, "
                + "  count(*) AS votes, count(*) FILTER (WHERE v.liked) AS likes "
                + "  FROM votes v LEFT JOIN deliveries d ON d.reader_id = v.reader_id AND d.post_id = v.post_id "
                + "  WHERE v.voted_at >= $1 AND v.voted_at < $1 + interval '1 hour' GROUP BY 2, 3), "
                + "gone AS (DELETE FROM console_rollup_votes r WHERE r.hour = $1 AND NOT EXISTS (SELECT 1 FROM fresh f "
                + "  WHERE f.reason = r.reason AND f.version = r.version)) "
                + "INSERT INTO console_rollup_votes (hour, reason, version, votes, likes) SELECT * FROM fresh "
                + "ON CONFLICT (hour, reason, version) DO UPDATE SET votes = EXCLUDED.votes, likes = EXCLUDED.likes", h);
        Mono<Long> channels = sql.update("WITH fresh AS (SELECT $1::timestamptz AS hour, channel_id, sum(posts) AS posts, "
                + "  sum(deliveries) AS deliveries, sum(votes) AS votes, sum(likes) AS likes, sum(less) AS less, sum(mutes) AS mutes FROM ("
                + "  SELECT channel_id, count(*) AS posts, 0 AS deliveries, 0 AS votes, 0 AS likes, 0 AS less, 0 AS mutes FROM posts "
                + "    WHERE fetched_at >= $1 AND fetched_at < $1 + interval '1 hour' GROUP BY 1 "
                + "  UNION ALL SELECT p.channel_id, 0, count(*), 0, 0, 0, 0 FROM deliveries d JOIN posts p ON p.id = d.post_id "
                + "    WHERE d.created_at >= $1 AND d.created_at < $1 + interval '1 hour' GROUP BY 1 "
                + "  UNION ALL SELECT p.channel_id, 0, 0, count(*), count(*) FILTER (WHERE v.liked), 0, 0 FROM votes v "
                + "    JOIN posts p ON p.id = v.post_id WHERE v.voted_at >= $1 AND v.voted_at < $1 + interval '1 hour' GROUP BY 1 "
                + "  UNION ALL SELECT channel_id, 0, 0, 0, 0, count(*), 0 FROM channel_penalties "
                + "    WHERE created_at >= $1 AND created_at < $1 + interval '1 hour' GROUP BY 1 "
                + "  UNION ALL SELECT channel_id, 0, 0, 0, 0, 0, count(*) FROM console_mute_presses "
                + "    WHERE at >= $1 AND at < $1 + interval '1 hour' GROUP BY 1) x GROUP BY channel_id), "
                + "gone AS (DELETE FROM console_rollup_channels r WHERE r.hour = $1 AND NOT EXISTS (SELECT 1 FROM fresh f "
                + "  WHERE f.channel_id = r.channel_id)) "
                + "INSERT INTO console_rollup_channels (hour, channel_id, posts, deliveries, votes, likes, less, mutes) "
                + "SELECT * FROM fresh ON CONFLICT (hour, channel_id) DO UPDATE SET posts = EXCLUDED.posts, "
                + "deliveries = EXCLUDED.deliveries, votes = EXCLUDED.votes, likes = EXCLUDED.likes, less = EXCLUDED.less, "
                + "mutes = EXCLUDED.mutes", h);
        Mono<Long> hours = sql.update("INSERT INTO console_rollup_hours (hour, posts, less, mutes, in_flight, refreshed_at) "
                + "SELECT $1, coalesce(sum(posts), 0), coalesce(sum(less), 0), coalesce(sum(mutes), 0), "
                + "(SELECT coalesce(sum(n), 0) FROM console_rollup_deliveries WHERE hour = $1 AND state IN ('queued', 'claimed', 'sending')), "
                + "now() FROM console_rollup_channels WHERE hour = $1 "
                + "ON CONFLICT (hour) DO UPDATE SET posts = EXCLUDED.posts, less = EXCLUDED.less, mutes = EXCLUDED.mutes, "
                + "in_flight = EXCLUDED.in_flight, refreshed_at = EXCLUDED.refreshed_at", h);
        return deliveries.then(votes).then(channels).then(hours).thenReturn(hour);
    }

    /**
     * Replaces the overview's present, each part by one statement: readers by status, deliveries in flight by state
     * (the queue), deliveries queued in the last hour by state, and deliveries sent per minute of the last hour.
     */
    Mono<Void> live() {
        Mono<Long> readers = sql.update("WITH fresh AS (SELECT 'readers:' || status AS name, count(*) AS n FROM readers GROUP BY status), "
                + "gone AS (DELETE FROM console_snapshots s WHERE s.name LIKE 'readers:%' AND s.name NOT IN (SELECT name FROM fresh)) "
                + "INSERT INTO console_snapshots (name, value, n, at) SELECT name, n, n, now() FROM fresh "
                + "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, n = EXCLUDED.n, at = EXCLUDED.at");
        Mono<Long> lastHour = sql.update("WITH fresh AS (SELECT 'last_hour:' || state AS name, count(*) AS n FROM deliveries "
                + "  WHERE created_at > now() - interval '1 hour' GROUP BY state), "
                + "gone AS (DELETE FROM console_snapshots s WHERE s.name LIKE 'last_hour:%' AND s.name NOT IN (SELECT name FROM fresh)) "
                + "INSERT INTO console_snapshots (name, value, n, at) SELECT name, n, n, now() FROM fresh "
                + "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, n = EXCLUDED.n, at = EXCLUDED.at");
        // in flight, each through its partial index; a state with none has no row
        Mono<Long> queue = sql.update("WITH fresh AS (SELECT 'queue:queued' AS name, count(*) AS n FROM deliveries WHERE state = 'queued' "
                + "  UNION ALL SELECT 'queue:' || state, count(*) FROM deliveries WHERE state IN ('claimed', 'sending') GROUP BY state), "
                + "gone AS (DELETE FROM console_snapshots s WHERE s.name LIKE 'queue:%' AND s.name NOT IN (SELECT name FROM fresh)) "
                + "INSERT INTO console_snapshots (name, value, n, at) SELECT name, n, n, now() FROM fresh "
                + "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, n = EXCLUDED.n, at = EXCLUDED.at");
        Mono<Long> minutes = sql.update("WITH fresh AS (SELECT date_trunc('minute', sent_at) AS minute, count(*) AS sent FROM deliveries "
                + "  WHERE created_at > now() - interval '2 hours' AND sent_at > now() - interval '1 hour' GROUP BY 1), "
                + "gone AS (DELETE FROM console_rollup_minutes m WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE f.minute = m.minute)) "
                + "INSERT INTO console_rollup_minutes (minute, sent) SELECT * FROM fresh "
                + "ON CONFLICT (minute) DO UPDATE SET sent = EXCLUDED.sent");
        return readers.then(queue).then(lastHour).then(minutes).then();
    }

    private Mono<Void> snapshotIfOld() {
        return sql.query("SELECT 1 AS x FROM console_snapshots WHERE name = 'channels_per_reader_24h' "
                        + "AND at > now() - make_interval(secs => $1)", r -> 1, (double) SNAPSHOT_EVERY.toSeconds())
                .hasElements()
                .flatMap(fresh -> fresh ? Mono.empty() : snapshot());
    }

    /** The snapshots: distinct channels per reader over the last 24 hours, and the AUC on the newest votes. */
    Mono<Void> snapshot() {
        return channelsPerReader().then(auc());
    }

    /**
     * The AUC of the scores each version gave on the newest {@link #AUC_VOTES} votes (that answer a scored delivery;
     * the version that chose a delivery is the newest one created before it was queued), and of all of them as version
     * {@link #ALL_VERSIONS}, replacing the rows of the previous computation in one statement.
     */
    Mono<Void> auc() {
        return sql.query("SELECT coalesce((SELECT max(m.id) FROM model_versions m WHERE m.created_at <= d.created_at), 0) AS version, "
                        + "d.score, v.liked FROM (SELECT * FROM votes ORDER BY seq DESC LIMIT $1) v "
                        + "JOIN deliveries d ON d.reader_id = v.reader_id AND d.post_id = v.post_id WHERE d.score IS NOT NULL",
                        r -> new Auc.Scored(r.get("version", Long.class), r.get("score", Float.class), r.get("liked", Boolean.class)),
                        AUC_VOTES)
                .collectList()
                .flatMap(all -> {
                    java.util.Map<Long, java.util.List<Auc.Scored>> byVersion = new java.util.TreeMap<>();
                    for (Auc.Scored s : all) byVersion.computeIfAbsent(s.version(), v -> new java.util.ArrayList<>()).add(s);
                    byVersion.put(ALL_VERSIONS, all); // with deliveries older than every version (version 0)
                    Long[] versions = byVersion.keySet().toArray(new Long[0]);
                    Long[] votes = new Long[versions.length];
                    Double[] aucs = new Double[versions.length];
                    for (int i = 0; i < versions.length; i++) {
                        votes[i] = (long) byVersion.get(versions[i]).size();
                        aucs[i] = Auc.of(byVersion.get(versions[i]));
                    }
                    return sql.update("WITH fresh AS (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::float8[]) AS t(version, votes, auc)), "
                            + "gone AS (DELETE FROM console_model_auc a WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE f.version = a.version)) "
                            + "INSERT INTO console_model_auc (version, votes, auc, at) SELECT version, votes, auc, now() FROM fresh "
                            + "ON CONFLICT (version) DO UPDATE SET votes = EXCLUDED.votes, auc = EXCLUDED.auc, at = EXCLUDED.at",
                            versions, votes, aucs);
                })
                .then();
    }

    /** Distinct channels per reader among the deliveries queued in the last 24 hours (readers with any). */
    private Mono<Void> channelsPerReader() {
        return sql.update("INSERT INTO console_snapshots (name, value, n, at) "
                + "SELECT 'channels_per_reader_24h', coalesce(avg(n), 0), count(*), now() FROM ("
                + "SELECT d.reader_id, count(DISTINCT p.channel_id) AS n FROM deliveries d JOIN posts p ON p.id = d.post_id "
                + "WHERE d.created_at > now() - interval '24 hours' GROUP BY 1) x "
                + "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, n = EXCLUDED.n, at = EXCLUDED.at").then();
    }
}
