package io.tidings.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.TestDatabase;
import io.tidings.store.Database;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The console's rollups give the same numbers as direct queries over the tables, hour by hour, on the embedded
 * PostgreSQL: after filling the window, after outcomes, votes, presses and mutes change, and through the views.
 */
class ConsoleRollupsTest {

    private static final Duration T = Duration.ofSeconds(60);
    private Database db;
    private ConsoleRollups rollups;

    @BeforeEach
    void setUp() {
        db = TestDatabase.reset();
        rollups = new ConsoleRollups(db);
        for (String s : List.of(
                "INSERT INTO readers (id, first_name) SELECT g, 'r' || g FROM generate_series(1, 200) g",
                "INSERT INTO channels (username, title) SELECT 'chan' || g, 'Chan ' || g FROM generate_series(1, 12) g",
                "INSERT INTO posts (channel_id, message_id, published_at, kind, text, html, fetched_at) "
                        + "SELECT g % 12 + 1, g, now() - g * interval '17 minutes', 'text', 'p', 'p', now() - g * interval '17 minutes' "
                        + "FROM generate_series(1, 800) g",
                // versions every 13 hours: deliveries before the first have none (0)
                "INSERT INTO model_versions (created_at, kind, votes_seq, vote_count, weights, onnx) "
                        + "SELECT now() - (13 - g) * interval '13 hours', 'incremental', g, g, '\\x00'::bytea, '\\x00'::bytea FROM generate_series(1, 12) g",
                "INSERT INTO deliveries (reader_id, post_id, reason, state, created_at, sent_at) "
                        + "SELECT g % 200 + 1, (g / 200 * 207 + g % 200) % 800 + 1, (ARRAY['start','next','mailing','instant','broadcast'])[g % 5 + 1], "
                        + "(ARRAY['sent','sent','sent','failed','unknown','queued','claimed'])[g % 7 + 1], "
                        + "now() - (g * 37 % 12000) * interval '1 minute', now() - (g * 37 % 12000) * interval '1 minute' "
                        + "FROM generate_series(1, 6000) g ON CONFLICT DO NOTHING",
                // the planner's deliveries carry a score and whether they were exploration picks; the others neither
                "UPDATE deliveries SET score = (id * 7919 % 101) / 100.0, explored = (id % 13 = 0) WHERE reason IN ('next', 'mailing')",
                "INSERT INTO votes (reader_id, post_id, liked, voted_at) SELECT reader_id, post_id, id % 3 = 0, "
                        + "least(now(), created_at + (id % 90) * interval '1 minute') FROM deliveries WHERE id % 4 = 0",
                // a vote for a post the reader never got as a delivery (a forwarded message)
                "INSERT INTO votes (reader_id, post_id, liked, voted_at) SELECT 1, id, true, now() - interval '30 minutes' FROM posts "
                        + "WHERE id NOT IN (SELECT post_id FROM deliveries WHERE reader_id = 1) LIMIT 3",
                "INSERT INTO channel_penalties (reader_id, channel_id, post_id, created_at) SELECT reader_id, p.channel_id, d.post_id, "
                        + "least(now(), d.created_at + interval '5 minutes') FROM deliveries d JOIN posts p ON p.id = d.post_id WHERE d.id % 11 = 0",
                "INSERT INTO reader_mutes (reader_id, channel_id, created_at) SELECT g, g % 12 + 1, now() - g * interval '47 minutes' "
                        + "FROM generate_series(1, 150) g")) {
            db.sql().update(s).block(T);
        }
    }

    @Test
    void everyHourOfTheWindowEqualsTheDirectCounts() {
        assertThat(rollups.refreshAll().block(T)).isEqualTo(ConsoleRollups.KEPT.toHours() + 1);
        assertEqualsDirect();
        assertThat(db.sql().one("SELECT sum(n) AS n FROM console_rollup_deliveries", r -> r.get("n", java.math.BigDecimal.class))
                .block(T).longValue()).as("the data covers the window").isGreaterThan(4000);
    }

    @Test
    void aRefreshCatchesUpWithOutcomesVotesPressesAndMutes() {
        rollups.refreshAll().block(T);
        for (String s : List.of(
                // the sender finishes what was in flight (hours up to a day old), a late outcome is learned
                "UPDATE deliveries SET state = 'sent' WHERE state IN ('queued', 'claimed') AND created_at > now() - interval '20 hours'",
                "UPDATE deliveries SET state = 'sent' WHERE state = 'unknown' AND created_at > now() - interval '2 hours'",
                // new deliveries and votes, a changed vote, a press, a mute, a post
                "INSERT INTO deliveries (reader_id, post_id, reason, state) SELECT g, 800 - g, 'next', 'queued' FROM generate_series(1, 40) g "
                        + "ON CONFLICT DO NOTHING",
                "INSERT INTO votes (reader_id, post_id, liked) SELECT reader_id, post_id, true FROM deliveries "
                        + "WHERE created_at > now() - interval '1 minute' ON CONFLICT DO NOTHING",
                "UPDATE votes SET liked = NOT liked WHERE voted_at > now() - interval '90 minutes'",
                "INSERT INTO channel_penalties (reader_id, channel_id, post_id) VALUES (7, 3, 9999)",
                "DELETE FROM reader_mutes WHERE reader_id = 1",
                "INSERT INTO reader_mutes (reader_id, channel_id) VALUES (1, 5), (2, 6)",
                "INSERT INTO posts (channel_id, message_id, published_at, kind) VALUES (4, 100000, now(), 'text')")) {
            db.sql().update(s).block(T);
        }
        int refreshed = rollups.refresh().block(T);
        assertThat(refreshed).as("the last hours and those with deliveries in flight, not the whole window")
                .isBetween(4, (int) ConsoleRollups.KEPT.toHours() / 2);
        assertEqualsDirect();
    }

    @Test
    void settledHoursAreNotRecomputedAgain() {
        rollups.refreshAll().block(T);
        int first = rollups.refresh().block(T);
        int second = rollups.refresh().block(T);
        assertThat(first).as("the current hour and the two before, hours of the last day with deliveries in flight").isGreaterThanOrEqualTo(4);
        assertThat(second).isEqualTo(first);
        db.sql().update("UPDATE deliveries SET state = 'sent' WHERE state IN ('queued', 'claimed')").block(T);
        rollups.refresh().block(T);
        assertThat(rollups.refresh().block(T)).as("nothing in flight any more: the current hour and the three before").isEqualTo(4);
    }

    @Test
    void aMutePressCountsAfterTheReaderUnmutes() {
        rollups.refreshAll().block(T);
        long before = mutesInRollups();
        db.sql().update("INSERT INTO reader_mutes (reader_id, channel_id) VALUES (3, 7)").block(T);
        db.sql().update("DELETE FROM reader_mutes WHERE reader_id = 3 AND channel_id = 7").block(T);
        db.sql().update("INSERT INTO reader_mutes (reader_id, channel_id) VALUES (3, 7)").block(T);
        db.sql().update("DELETE FROM reader_mutes WHERE reader_id = 3").block(T);
        rollups.refresh().block(T);
        assertThat(mutesInRollups()).as("two presses, both undone").isEqualTo(before + 2);
        // a mute already there is no new press
        db.sql().update("INSERT INTO reader_mutes (reader_id, channel_id) VALUES (4, 8) ON CONFLICT DO NOTHING").block(T);
        db.sql().update("INSERT INTO reader_mutes (reader_id, channel_id) VALUES (4, 8) ON CONFLICT DO NOTHING").block(T);
        rollups.refresh().block(T);
        assertThat(mutesInRollups()).isEqualTo(before + 3);
        assertEqualsDirect();
    }

    private long mutesInRollups() {
        return direct("SELECT coalesce(sum(mutes), 0) FROM console_rollup_hours");
    }

    @Test
    void explorationPicksOfEveryReplicaAreCountedFromTheDeliveries() {
        rollups.refreshAll().block(T);
        ConsoleStore store = new ConsoleStore(db);
        @SuppressWarnings("unchecked")
        Map<String, Object> before = (Map<String, Object>) store.quality().block(T).get("exploration_picks");
        // two replicas' planners queue picks (the second pair is queued again: not a new delivery)
        long post = db.sql().one("INSERT INTO posts (channel_id, message_id, published_at, kind) VALUES (4, 100001, now(), 'text') "
                + "RETURNING id", r -> r.get("id", Long.class)).block(T);
        var deliveries = new io.tidings.store.DeliveryRepository(db);
        deliveries.enqueueAll(new long[] {150, 151, 152}, new long[] {post, post, post}, new float[] {0.5f, 0.4f, 0.3f},
                new boolean[] {true, false, false}, "mailing").blockLast(T);
        deliveries.enqueueAll(new long[] {153, 151}, new long[] {post, post}, new float[] {0.2f, 0.1f},
                new boolean[] {true, true}, "next").blockLast(T);
        rollups.refresh().block(T);
        @SuppressWarnings("unchecked")
        Map<String, Object> after = (Map<String, Object>) store.quality().block(T).get("exploration_picks");
        assertThat(((Number) after.get("picks")).longValue() - ((Number) before.get("picks")).longValue()).isEqualTo(4);
        assertThat(((Number) after.get("exploration")).longValue() - ((Number) before.get("exploration")).longValue()).isEqualTo(2);
        assertThat(((Number) after.get("share")).doubleValue())
                .isEqualTo(((Number) after.get("exploration")).doubleValue() / ((Number) after.get("picks")).longValue());
        assertEqualsDirect();
    }

    @Test
    void theAucOfEachVersionEqualsTheRankSumOverTheNewestVotes() {
        rollups.refreshAll().block(T);
        // the Mann-Whitney AUC with ties halved, directly in SQL, over the same newest votes
        String scored = "SELECT coalesce((SELECT max(m.id) FROM model_versions m WHERE m.created_at <= d.created_at), 0) AS version, "
                + "d.score, v.liked FROM (SELECT * FROM votes ORDER BY seq DESC LIMIT " + ConsoleRollups.AUC_VOTES + ") v "
                + "JOIN deliveries d ON d.reader_id = v.reader_id AND d.post_id = v.post_id WHERE d.score IS NOT NULL";
        String auc = "SELECT g, count(*) AS n, CASE WHEN bool_or(liked) AND NOT bool_and(liked) THEN "
                + "(sum(r) FILTER (WHERE liked) - count(*) FILTER (WHERE liked) * (count(*) FILTER (WHERE liked) + 1) / 2.0) "
                + "/ (count(*) FILTER (WHERE liked) * count(*) FILTER (WHERE NOT liked)) END AS auc FROM ("
                + "SELECT g, liked, rank() OVER w + (count(*) OVER (PARTITION BY g, score) - 1) / 2.0 AS r FROM ("
                + "SELECT version AS g, score, liked FROM s UNION ALL SELECT " + ConsoleRollups.ALL_VERSIONS + ", score, liked FROM s) a "
                + "WINDOW w AS (PARTITION BY g ORDER BY score)) b GROUP BY g";
        List<String> expected = db.sql().query("WITH s AS (" + scored + ") SELECT g, n, round(auc::numeric, 9)::text AS auc FROM (" + auc + ") x",
                r -> r.get("g", Long.class) + "|" + r.get("n", Long.class) + "|" + r.get("auc", String.class)).collectList().block(T);
        List<String> stored = db.sql().query("SELECT version, votes, round(auc::numeric, 9)::text AS auc FROM console_model_auc",
                r -> r.get("version", Long.class) + "|" + r.get("votes", Long.class) + "|" + r.get("auc", String.class)).collectList().block(T);
        assertThat(stored).containsExactlyInAnyOrderElementsOf(expected).hasSizeGreaterThan(3);
        assertThat(stored.stream().filter(x -> !x.endsWith("|null")).count()).as("versions with both likes and dislikes").isGreaterThan(2);

        // the view shows each version's row and the one of all versions
        ConsoleApi api = new ConsoleApi(new ConsoleStore(db), null, null, null, null, ConsoleApi.Live.none());
        @SuppressWarnings("unchecked")
        Map<String, Object> model = (Map<String, Object>) api.get("model", "").block(T);
        assertThat(stored).contains(ConsoleRollups.ALL_VERSIONS + "|" + model.get("auc_sample") + "|" + nine(model.get("auc_newest_votes")));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> versions = (List<Map<String, Object>>) model.get("versions");
        assertThat(versions).hasSize(12);
        for (Map<String, Object> v : versions) {
            String row = v.get("id") + "|" + v.get("auc_votes") + "|" + nine(v.get("auc"));
            if (((Number) v.get("auc_votes")).longValue() > 0) assertThat(stored).contains(row);
            else assertThat(stored).noneMatch(x -> x.startsWith(v.get("id") + "|"));
        }
    }

    private static String nine(Object auc) {
        return auc == null ? "null" : new java.math.BigDecimal((Double) auc).setScale(9, java.math.RoundingMode.HALF_EVEN).toPlainString();
    }

    @Test
    void theViewsReadTheRollupsAndAgreeWithTheTables() {
        rollups.refreshAll().block(T);
        ConsoleStore store = new ConsoleStore(db);
        String window = "> date_trunc('hour', now()) - interval '24 hours'";
        Map<String, Object> overview = store.overview().block(T);
        assertThat(((Number) overview.get("unknown_24h")).longValue()).isEqualTo(direct(
                "SELECT count(*) FROM deliveries WHERE date_trunc('hour', created_at) " + window + " AND state = 'unknown'"));
        assertThat(sum(overview.get("posts_per_hour"), "posts")).isEqualTo(direct(
                "SELECT count(*) FROM posts WHERE date_trunc('hour', fetched_at) " + window));

        Map<String, Object> quality = store.quality().block(T);
        assertThat(sum(quality.get("like_rate_per_hour"), "likes")).isEqualTo(direct(
                "SELECT count(*) FROM votes WHERE liked AND date_trunc('hour', voted_at) > date_trunc('hour', now()) - interval '7 days'"));
        assertThat(sum(quality.get("by_kind_and_version"), "votes")).as("votes that answer a delivery").isEqualTo(direct(
                "SELECT count(*) FROM votes v JOIN deliveries d ON d.reader_id = v.reader_id AND d.post_id = v.post_id "
                        + "WHERE date_trunc('hour', v.voted_at) " + window));
        assertThat(sum(quality.get("presses_per_day"), "mutes")).isEqualTo(direct(
                "SELECT count(*) FROM console_mute_presses WHERE date_trunc('hour', at) > date_trunc('hour', now()) - interval '7 days'"));
        @SuppressWarnings("unchecked")
        Map<String, Object> picks = (Map<String, Object>) quality.get("exploration_picks");
        assertThat(((Number) picks.get("picks")).longValue()).isEqualTo(direct(
                "SELECT count(*) FROM deliveries WHERE explored IS NOT NULL AND date_trunc('hour', created_at) " + window)).isPositive();
        assertThat(((Number) picks.get("exploration")).longValue()).isEqualTo(direct(
                "SELECT count(*) FROM deliveries WHERE explored AND date_trunc('hour', created_at) " + window)).isPositive();

        // the overview's present as the last tick saw it
        assertThat(pairs(overview.get("readers"), "status", "n")).isEqualTo(pairs("SELECT status, count(*) FROM readers GROUP BY 1"))
                .isNotEmpty();
        assertThat(pairs(overview.get("queue"), "state", "n")).isEqualTo(pairs(
                "SELECT state, count(*) FROM deliveries WHERE state IN ('queued', 'claimed', 'sending') GROUP BY 1")).hasSize(2);
        assertThat(pairs(overview.get("last_hour_by_state"), "state", "n")).isEqualTo(pairs(
                "SELECT state, count(*) FROM deliveries WHERE created_at > now() - interval '1 hour' GROUP BY 1")).isNotEmpty();
        assertThat(pairs(overview.get("sent_per_minute"), "minute", "sent")).isEqualTo(pairs(
                "SELECT date_trunc('minute', sent_at), count(*) FROM deliveries WHERE sent_at > now() - interval '1 hour' GROUP BY 1"))
                .isNotEmpty();
        @SuppressWarnings("unchecked")
        Map<String, Object> cpr = (Map<String, Object>) quality.get("channels_per_reader_24h");
        assertThat(((Number) cpr.get("channels_per_reader")).doubleValue()).isCloseTo(db.sql().one(
                "SELECT avg(n)::float8 AS x FROM (SELECT d.reader_id, count(DISTINCT p.channel_id) AS n FROM deliveries d "
                        + "JOIN posts p ON p.id = d.post_id WHERE d.created_at > now() - interval '24 hours' GROUP BY 1) y",
                r -> r.get("x", Double.class)).block(T), org.assertj.core.data.Offset.offset(1e-9));

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> channels = (List<Map<String, Object>>) store.channels().block(T).get("channels");
        assertThat(channels).hasSize(12);
        for (Map<String, Object> c : channels) {
            long id = ((Number) c.get("id")).longValue();
            assertThat(((Number) c.get("deliveries_24h")).longValue()).as("deliveries of %s", c.get("username")).isEqualTo(direct(
                    "SELECT count(*) FROM deliveries d JOIN posts p ON p.id = d.post_id WHERE p.channel_id = " + id
                            + " AND date_trunc('hour', d.created_at) " + window));
            assertThat(((Number) c.get("likes_24h")).longValue()).isEqualTo(direct(
                    "SELECT count(*) FROM votes v JOIN posts p ON p.id = v.post_id WHERE v.liked AND p.channel_id = " + id
                            + " AND date_trunc('hour', v.voted_at) " + window));
            assertThat(((Number) c.get("less_24h")).longValue()).isEqualTo(direct(
                    "SELECT count(*) FROM channel_penalties WHERE channel_id = " + id + " AND date_trunc('hour', created_at) " + window));
        }
    }

    /** Every rollup row equals the same grouping done directly on the tables, over the kept window. */
    private void assertEqualsDirect() {
        String kept = "date_trunc('hour', now()) - interval '" + ConsoleRollups.KEPT.toHours() + " hours'";
        String version = "coalesce((SELECT max(m.id) FROM model_versions m WHERE m.created_at <= d.created_at), 0)";
        same("SELECT hour, reason, version, state, n, picks, explored FROM console_rollup_deliveries",
                "SELECT date_trunc('hour', d.created_at) AS hour, d.reason, " + version + " AS version, d.state, count(*), "
                        + "count(*) FILTER (WHERE d.explored IS NOT NULL), count(*) FILTER (WHERE d.explored) "
                        + "FROM deliveries d WHERE d.created_at >= " + kept + " GROUP BY 1, 2, 3, 4");
        same("SELECT hour, reason, version, votes, likes FROM console_rollup_votes",
                "SELECT date_trunc('hour', v.voted_at), coalesce(d.reason, ''), CASE WHEN d.id IS NULL THEN 0 ELSE " + version + " END, "
                        + "count(*), count(*) FILTER (WHERE v.liked) FROM votes v "
                        + "LEFT JOIN deliveries d ON d.reader_id = v.reader_id AND d.post_id = v.post_id "
                        + "WHERE v.voted_at >= " + kept + " GROUP BY 1, 2, 3");
        same("SELECT hour, channel_id, deliveries, votes, likes, less, mutes, posts FROM console_rollup_channels "
                        + "WHERE deliveries + votes + less + mutes + posts > 0",
                "SELECT hour, channel_id, sum(deliveries), sum(votes), sum(likes), sum(less), sum(mutes), sum(posts) FROM ("
                        + "SELECT date_trunc('hour', d.created_at) AS hour, p.channel_id, 1 AS deliveries, 0 AS votes, 0 AS likes, "
                        + "0 AS less, 0 AS mutes, 0 AS posts FROM deliveries d JOIN posts p ON p.id = d.post_id "
                        + "UNION ALL SELECT date_trunc('hour', v.voted_at), p.channel_id, 0, 1, v.liked::int, 0, 0, 0 FROM votes v "
                        + "JOIN posts p ON p.id = v.post_id "
                        + "UNION ALL SELECT date_trunc('hour', created_at), channel_id, 0, 0, 0, 1, 0, 0 FROM channel_penalties "
                        + "UNION ALL SELECT date_trunc('hour', at), channel_id, 0, 0, 0, 0, 1, 0 FROM console_mute_presses "
                        + "UNION ALL SELECT date_trunc('hour', fetched_at), channel_id, 0, 0, 0, 0, 0, 1 FROM posts) x "
                        + "WHERE hour >= " + kept + " GROUP BY 1, 2");
        same("SELECT hour, posts, less, mutes FROM console_rollup_hours WHERE posts + less + mutes > 0",
                "SELECT hour, sum(posts), sum(less), sum(mutes) FROM ("
                        + "SELECT date_trunc('hour', fetched_at) AS hour, 1 AS posts, 0 AS less, 0 AS mutes FROM posts "
                        + "UNION ALL SELECT date_trunc('hour', created_at), 0, 1, 0 FROM channel_penalties "
                        + "UNION ALL SELECT date_trunc('hour', at), 0, 0, 1 FROM console_mute_presses) x "
                        + "WHERE hour >= " + kept + " GROUP BY 1");
    }

    private void same(String rollup, String direct) {
        assertThat(rows(rollup)).as(rollup).isNotEmpty().containsExactlyInAnyOrderElementsOf(rows(direct));
    }

    private List<String> rows(String query) {
        return db.sql().query(query, readable -> {
            io.r2dbc.spi.Row r = (io.r2dbc.spi.Row) readable;
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < r.getMetadata().getColumnMetadatas().size(); i++) {
                Object v = r.get(i);
                if (v instanceof java.time.OffsetDateTime t) v = t.toInstant();
                if (v instanceof Number n) v = n.longValue();
                b.append(v).append('|');
            }
            return b.toString();
        }).collectList().block(T);
    }

    /** Two columns of view rows as a map (times as instants). */
    @SuppressWarnings("unchecked")
    private static Map<String, Long> pairs(Object rows, String key, String value) {
        Map<String, Long> out = new java.util.TreeMap<>();
        for (Map<String, Object> m : (List<Map<String, Object>>) rows) {
            Object k = m.get(key);
            out.put(k instanceof String t && t.contains("T") ? java.time.OffsetDateTime.parse(t).toInstant().toString() : String.valueOf(k),
                    ((Number) m.get(value)).longValue());
        }
        return out;
    }

    /** A direct grouping into two columns as a map (times as instants). */
    private Map<String, Long> pairs(String query) {
        Map<String, Long> out = new java.util.TreeMap<>();
        db.sql().query(query, readable -> {
            io.r2dbc.spi.Row r = (io.r2dbc.spi.Row) readable;
            Object k = r.get(0);
            return Map.entry(k instanceof java.time.OffsetDateTime t ? t.toInstant().toString() : String.valueOf(k),
                    ((Number) r.get(1)).longValue());
        }).doOnNext(e -> out.put(e.getKey(), e.getValue())).blockLast(T);
        return out;
    }

    private long direct(String query) {
        return db.sql().one(query, r -> ((Number) r.get(0)).longValue()).block(T);
    }

    @SuppressWarnings("unchecked")
    private static long sum(Object rows, String key) {
        return ((List<Map<String, Object>>) rows).stream().mapToLong(m -> ((Number) m.get(key)).longValue()).sum();
    }
}
