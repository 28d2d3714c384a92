package io.tidings.demo;

import io.tidings.app.App;
import io.tidings.app.Config;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidings.testkit.botapi.LocalBotApiServer;
import io.tidings.testkit.channels.LocalChannelServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code tidings demo}: the whole system with nothing configured. An embedded PostgreSQL in a temporary
 * folder, the local Bot API server, the local channel server with generated channels, and simulated
 * readers who press 👍/👎 through real callback queries. Rounds of mailings and votes, with the model
 * retrained between rounds; prints a line per round and, last, one JSON object.
 */
public final class Demo {

    /**
     * Rounds, simulated readers, seed, votes per reader per round, posts per channel, and whether readers take up the
     * onboarding offer after /start (picking the offered channels their hidden taste likes).
     */
    public record Options(int rounds, int readers, long seed, int votesPerRound, int postsPerChannel, boolean picks) {
        public Options(int rounds, int readers, long seed, int votesPerRound, int postsPerChannel) {
            this(rounds, readers, seed, votesPerRound, postsPerChannel, true);
        }
    }

    public static Map<String, Object> run(Options o, Config base) throws IOException {
        long started = System.nanoTime();
        Path dir = Files.createTempDirectory("tidings-demo");
        String token = "100000:demo-token-" + o.seed();
        try (LocalChannelServer channels = LocalChannelServer.start();
             LocalBotApiServer telegram = LocalBotApiServer.start(token)) {
            DemoWorld world = new DemoWorld(channels, o.postsPerChannel(), o.seed());
            // the local Bot API server has no rate limit of its own; per-chat pacing (1/s) still applies
            Config config = base.withTelegram(token, telegram.apiUrl())
                    .withChannels(channels.baseUrl(), world.channels())
                    .withTuning(dir, 0, 500, 1 + o.postsPerChannel() / LocalChannelServer.PAGE_SIZE, Integer.MAX_VALUE);
            try (App app = App.start(config, App.Loops.NO_INGEST_MAILINGS_TRAINING);
                 SimulatedReaders readers = new SimulatedReaders(telegram, world, o.readers(), o.seed(), o.picks())) {
                long ingested = app.ingest().pollAll().block(Duration.ofMinutes(2));
                System.out.printf(Locale.ROOT, "demo: %d channels, %d posts ingested, %d readers, %d rounds (%.1f s)%n",
                        world.channels().size(), ingested, o.readers(), o.rounds(), (System.nanoTime() - started) / 1e9);
                List<Double> rates = new ArrayList<>();
                List<Double> spread = new ArrayList<>();
                for (int round = 1; round <= o.rounds(); round++) {
                    long roundStarted = System.nanoTime();
                    long before = readers.deliveries();
                    readers.beginRound(o.votesPerRound());
                    if (round == 1) readers.startAll();
                    else app.feed().mailing(1).block(Duration.ofMinutes(1));
                    awaitRound(app, readers, Duration.ofSeconds(90));
                    double rate = readers.roundVotes() == 0 ? 0 : (double) readers.roundLikes() / readers.roundVotes();
                    rates.add(rate);
                    spread.add(readers.roundChannelsPerReader());
                    String took = String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - roundStarted) / 1e9);
                    if (round < o.rounds()) {
                        long trainStarted = System.nanoTime();
                        app.trainer().train().block(Duration.ofMinutes(5));
                        app.feed().rebuild().block(Duration.ofMinutes(5)); // rank with the new model before mailing
                        took += String.format(Locale.ROOT, ", then %.1f s training and re-ranking",
                                (System.nanoTime() - trainStarted) / 1e9);
                    }
                    System.out.printf(Locale.ROOT, "round %d: deliveries %d, votes %d, like rate %.3f, channels per reader %.1f (%s)%n",
                            round, readers.deliveries() - before, readers.roundVotes(), rate, readers.roundChannelsPerReader(), took);
                }
                Map<String, Object> report = new LinkedHashMap<>();
                report.put("rounds", o.rounds());
                report.put("readers", o.readers());
                report.put("channels", world.channels().size());
                report.put("posts", ingested);
                report.put("deliveries", readers.deliveries());
                report.put("duplicates", readers.duplicates());
                report.put("less_from_channel_presses", readers.lessPresses());
                report.put("more_presses", readers.morePresses());
                report.put("like_rate_random", round3(readers.randomLikeRate()));
                report.put("onboarding_picks", o.picks());
                report.put("picks_per_reader", round3(readers.picks() / (double) o.readers()));
                report.put("like_rate_first_round", round3(rates.get(0)));
                report.put("like_rate_last_round", round3(rates.get(rates.size() - 1)));
                report.put("like_rate_by_round", rates.stream().map(Demo::round3).toList());
                report.put("channels_per_reader_by_round", spread.stream().map(Demo::round3).toList());
                report.put("channels_per_reader", round3(readers.channelsPerReader()));
                report.put("vote_to_next_post_ms", quantiles(readers.voteToNextMs(0.5), readers.voteToNextMs(0.95)));
                report.put("vote_to_next_queued_ms", queuedAfterVote(app));
                report.put("model_version", app.models().version());
                report.put("seconds", round3((System.nanoTime() - started) / 1e9));
                return report;
            }
        } finally {
            deleteTree(dir);
        }
    }

    /**
     * From a vote being stored to the next post being queued for that reader (the bot's own part of pulling the
     * next post: answering the button, then planning), p50 and p95 in ms, from the database's clocks.
     */
    private static Map<String, Long> queuedAfterVote(App app) {
        return app.database().sql().one("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, "
                + "percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95 FROM ("
                + " SELECT EXTRACT(EPOCH FROM d.created_at - (SELECT max(v.voted_at) FROM votes v"
                + "  WHERE v.reader_id = d.reader_id AND v.voted_at <= d.created_at)) * 1000 AS ms"
                + " FROM deliveries d WHERE d.reason = 'next') x WHERE ms IS NOT NULL",
                r -> quantiles(r.get("p50", Double.class), r.get("p95", Double.class)))
                .block(Duration.ofSeconds(30));
    }

    private static Map<String, Long> quantiles(double p50, double p95) {
        Map<String, Long> q = new LinkedHashMap<>();
        q.put("p50", Math.round(p50));
        q.put("p95", Math.round(p95));
        return q;
    }

    /** Waits until every reader spent their votes and the outbox has nothing left to send. */
    private static void awaitRound(App app, SimulatedReaders readers, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        var deliveries = new io.tidings.store.DeliveryRepository(app.database());
        while (System.nanoTime() < deadline) {
            long pending = deliveries.open().block(Duration.ofSeconds(10));
            if (readers.roundDone() && pending == 0) return;
            sleep(200);
        }
        System.out.println("round did not finish in " + limit.toSeconds() + " s; going on");
    }

    /** A report as one line of JSON (Jackson). */
    public static String json(Map<String, ?> report) {
        try {
            return new ObjectMapper().writeValueAsString(report);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not remove " + dir + ": " + e.getMessage());
        }
    }
}
