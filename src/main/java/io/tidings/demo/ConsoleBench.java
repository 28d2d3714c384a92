package io.tidings.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidings.console.ConsoleApi;
import io.tidings.console.ConsoleRollups;
import io.tidings.console.ConsoleStore;
import io.tidings.render.CallbackData;
import io.tidings.render.Messages;
import io.tidings.render.PostRenderer;
import io.tidings.store.ChannelRepository;
import io.tidings.store.Database;
import io.tidings.store.DatabaseConfig;
import io.tidings.store.PostRepository;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code tidings bench console}: fills an embedded PostgreSQL with readers, fresh posts, deliveries spread over 30
 * days and votes, then asks every console view many times (the query and the JSON, as the server answers it) and
 * prints p50/p95 per endpoint; the last line is JSON.
 */
public final class ConsoleBench {

    /** Sizes of the bench: the target is 100 k readers, 50 k fresh posts, 10 M deliveries. */
    /** {@code keep}: a directory that holds the filled database across runs (null: a temporary one, deleted). */
    public record Options(int readers, int posts, int channels, long deliveries, int rounds, Path keep) {}

    private ConsoleBench() {}

    public static int run(Options o, PrintStream out) throws Exception {
        int perReader = (int) Math.max(1, o.deliveries() / o.readers());
        if (perReader > o.posts()) throw new IllegalArgumentException("more deliveries per reader than posts");
        Path dir = o.keep() != null ? o.keep() : Files.createTempDirectory("tidings-console-bench");
        out.printf(Locale.ROOT, "bench console: %d readers, %d posts in %d channels, %d deliveries (%d per reader), %d rounds, %d cores%n",
                o.readers(), o.posts(), o.channels(), (long) perReader * o.readers(), perReader, o.rounds(),
                Runtime.getRuntime().availableProcessors());
        try (Database db = Database.start(DatabaseConfig.custom().embeddedDataDir(dir.resolve("pg")).poolMaxSize(8)
                .statementTimeout(Duration.ofMinutes(30)).build())) {
            long t0 = System.nanoTime();
            String sizes = o.readers() + "/" + o.posts() + "/" + o.channels() + "/" + perReader;
            if (o.keep() != null && sizes.equals(filled(db))) {
                out.printf(Locale.ROOT, "reusing the database filled earlier in %s%n", dir);
            } else {
                if (filled(db) != null) throw new IllegalStateException(dir + " holds a database of other sizes: " + filled(db));
                seed(db, o, perReader);
                db.sql().update("INSERT INTO console_snapshots (name, value, at) VALUES ('bench_sizes " + sizes + "', 0, now())")
                        .block(Duration.ofMinutes(1));
                out.printf(Locale.ROOT, "seeded in %.0f s%n", (System.nanoTime() - t0) / 1e9);
            }
            // the rollups as the background loop keeps them: the whole kept window at once, then one ordinary tick
            ConsoleRollups rollups = new ConsoleRollups(db);
            long r0 = System.nanoTime();
            int hours = rollups.refreshAll().block(Duration.ofMinutes(30));
            double fill = (System.nanoTime() - r0) / 1e9;
            long r1 = System.nanoTime();
            int ticked = rollups.refresh().block(Duration.ofMinutes(30));
            double tick = (System.nanoTime() - r1) / 1e9;
            out.printf(Locale.ROOT, "rollups: %d hours filled in %.1f s; a tick recomputed %d hours in %.2f s%n", hours, fill, ticked, tick);
            ConsoleStore store = new ConsoleStore(db);
            ConsoleApi api = new ConsoleApi(store, null, new PostRepository(db), new ChannelRepository(db),
                    new PostRenderer(new CallbackData("bench-key-0123456789".getBytes(StandardCharsets.UTF_8)), new Messages()),
                    ConsoleApi.Live.none());
            ObjectMapper json = new ObjectMapper();
            long reader = o.readers() / 2;
            List<String[]> endpoints = List.of(new String[] {"overview", ""}, new String[] {"quality", ""},
                    new String[] {"model", ""}, new String[] {"channels", ""}, new String[] {"readers", "?q=" + reader},
                    new String[] {"readers/" + reader, ""}, new String[] {"broadcasts", ""}, new String[] {"preview", "?post=1"},
                    new String[] {"audit", ""});
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("rollup_fill_s", round(fill));
            report.put("rollup_tick_s", round(tick));
            report.put("rollup_tick_hours", ticked);
            for (String[] e : endpoints) {
                api.get(e[0], e[1]).block(Duration.ofMinutes(2)); // warm: plans and caches
                double[] ms = new double[o.rounds()];
                for (int i = 0; i < ms.length; i++) {
                    long s = System.nanoTime();
                    Object body = api.get(e[0], e[1]).block(Duration.ofMinutes(2));
                    json.writeValueAsBytes(body);
                    ms[i] = (System.nanoTime() - s) / 1e6;
                }
                Arrays.sort(ms);
                double p50 = ms[ms.length / 2];
                double p95 = ms[Math.min(ms.length - 1, (int) Math.ceil(ms.length * 0.95) - 1)];
                out.printf(Locale.ROOT, "%-14s p50 %7.1f ms   p95 %7.1f ms%n", e[0].startsWith("readers/") ? "readers/ID" : e[0], p50, p95);
                report.put(e[0].startsWith("readers/") ? "readers/ID" : e[0], Map.of("p50_ms", round(p50), "p95_ms", round(p95)));
            }
            report.put("load_average", java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            out.println(json.writeValueAsString(report));
            return 0;
        } finally {
            if (o.keep() == null) Demo.deleteTree(dir);
        }
    }

    /** The sizes a kept database was filled with, or null when it was not (or not completely). */
    private static String filled(Database db) {
        return db.sql().query("SELECT substr(name, 13) AS sizes FROM console_snapshots WHERE name LIKE 'bench_sizes %'",
                r -> r.get("sizes", String.class)).next().block(Duration.ofMinutes(1));
    }

    private static double round(double ms) {
        return Math.round(ms * 10) / 10.0;
    }

    private static void seed(Database db, Options o, int perReader) {
        Duration t = Duration.ofMinutes(30);
        int stride = o.posts() / perReader;
        List<String> steps = new ArrayList<>(List.of(
                "INSERT INTO readers (id, first_name, language, status, last_seen_at) SELECT g, 'reader ' || g, 'en', "
                        + "CASE WHEN g % 20 = 0 THEN 'paused' WHEN g % 50 = 0 THEN 'unreachable' ELSE 'active' END, "
                        + "now() - (g % 1000) * interval '1 hour' FROM generate_series(1, " + o.readers() + ") g",
                "INSERT INTO channels (username, title, status) SELECT 'channel' || g, 'Channel ' || g, "
                        + "CASE WHEN g % 50 = 0 THEN 'held' WHEN g % 60 = 0 THEN 'unavailable' ELSE 'active' END "
                        + "FROM generate_series(1, " + o.channels() + ") g",
                "INSERT INTO posts (channel_id, message_id, published_at, kind, text, html, fetched_at) "
                        + "SELECT g % " + o.channels() + " + 1, g, now() - (g % 4320) * interval '1 minute', 'text', 'post ' || g, "
                        + "'post ' || g, now() - (g % 4320) * interval '1 minute' FROM generate_series(1, " + o.posts() + ") g",
                "INSERT INTO votes (reader_id, post_id, liked, voted_at) SELECT reader_id, post_id, random() < 0.4, "
                        + "created_at + interval '3 minutes' FROM deliveries WHERE id % 10 = 0 AND state = 'sent'",
                "INSERT INTO channel_penalties (reader_id, channel_id, post_id, created_at) SELECT d.reader_id, p.channel_id, d.post_id, "
                        + "d.created_at FROM deliveries d JOIN posts p ON p.id = d.post_id WHERE d.id % 997 = 0",
                "INSERT INTO model_versions (created_at, kind, votes_seq, vote_count, weights, onnx, summary) "
                        + "SELECT now() - g * interval '6 hours', CASE WHEN g % 10 = 0 THEN 'full' ELSE 'incremental' END, g, g * 1000, "
                        + "'\\x00'::bytea, '\\x00'::bytea, 'TrainingSummary[epochsRun=5, bestEpoch=4, trainLoss=0.6' || g || ', "
                        + "validationLoss=0.65, trainVotes=1000, validationVotes=100, stoppedEarly=true, warmStarted=false]' "
                        + "FROM generate_series(1, 20) g",
                "INSERT INTO broadcasts (post_id, send_at, created_by, state) SELECT g, now() + g * interval '1 hour', 1, 'scheduled' "
                        + "FROM generate_series(1, 50) g",
                "INSERT INTO console_audit (operator_id, action, target, at) SELECT 1, 'ban_reader', g::text, now() - g * interval '1 minute' "
                        + "FROM generate_series(1, 5000) g",
                "ANALYZE"));
        for (String s : steps.subList(0, 3)) db.sql().update(s).block(t);
        // each reader gets perReader distinct posts (round k: post k·stride + reader), spread over 30 days
        for (int k = 0; k < perReader; k++) {
            db.sql().update("INSERT INTO deliveries (reader_id, post_id, reason, state, score, created_at, sent_at) "
                    + "SELECT r, p, (ARRAY['start','next','mailing','mailing','mailing','broadcast'])[g % 6 + 1], "
                    + "CASE WHEN g % 1000 = 0 THEN 'queued' WHEN g % 333 = 0 THEN 'failed' ELSE 'sent' END, random(), ts, "
                    + "CASE WHEN g % 1000 = 0 OR g % 333 = 0 THEN NULL ELSE ts + interval '1 second' END "
                    + "FROM (SELECT g, g % " + o.readers() + " + 1 AS r, (" + k + "::bigint * " + stride + " + g % " + o.readers()
                    + ") % " + o.posts() + " + 1 AS p, now() - ((g * 7919) % 43200) * interval '1 minute' AS ts "
                    + "FROM generate_series(" + (long) k * o.readers() + "::bigint, " + ((long) (k + 1) * o.readers() - 1) + ") g) x")
                    .block(t);
        }
        for (String s : steps.subList(3, steps.size())) db.sql().update(s).block(t);
    }
}
