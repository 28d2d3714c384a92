package io.tidings.demo;

import io.tidings.feed.CandidateIndex;
import io.tidings.delivery.DeliverySender;
import io.tidings.feed.FeedConfig;
import io.tidings.feed.FeedService;
import io.tidings.feed.FreshPool;
import io.tidings.feed.PostFacts;
import io.tidings.feed.ReaderPreferences;
import io.tidings.feed.StoredPreferences;
import io.tidings.store.PenaltyRepository;
import io.tidings.store.ReaderControlRepository;
import io.tidings.store.ReaderSettingsRepository;
import io.tidings.model.ModelConfig;
import io.tidings.model.offline.SyntheticVotes;
import io.tidings.model.train.Trainer;
import io.tidings.model.TrainedModel;
import io.tidings.store.Database;
import io.tidings.store.DatabaseConfig;
import io.tidings.store.DeliveryRepository;
import io.tidings.store.ReaderRepository;
import io.tidings.render.CallbackData;
import io.tidings.render.Messages;
import io.tidings.render.PostRenderer;
import io.tidings.telegram.TelegramClient;
import io.tidings.telegram.TelegramClientConfig;
import io.tidings.testkit.botapi.RecordedCall;
import io.tidings.testkit.botapi.LocalBotApiServer;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * {@code bench fanout}: plans one mailing for every reader from the fresh pool and sends it through the real
 * pengrad client to the local Bot API server (which answers 429 above the rate and for a second message to a
 * chat within a second), over an embedded PostgreSQL. Last line JSON.
 *
 * <p>Before the measured mailing the sender first sends {@code --warmup-seconds} (default 5) of messages to
 * other readers at the same rate, as a running service has done long before its mailing starts: a cold JVM
 * takes 0.4–2.5 s over its first calls, which is the process starting, not the sender's pace. {@code 0} measures cold.
 */
public final class FanoutBench {

    private FanoutBench() {}

    /**
     * What to measure: readers, fresh posts, send rate, channels, candidates per reader, warm-up seconds, and the
     * percentage of readers who muted a channel and keep 10 word filters ({@code --controlled}, 0 by default).
     */
    public record Options(int readers, int posts, double rate, int channels, int candidates, int warmupSeconds, int controlled,
                          boolean planOnly) {
        public Options(int readers, int posts, double rate, int channels, int candidates, int warmupSeconds, int controlled) {
            this(readers, posts, rate, channels, candidates, warmupSeconds, controlled, false);
        }

        public Options(int readers, int posts, double rate, int channels, int candidates, int warmupSeconds) {
            this(readers, posts, rate, channels, candidates, warmupSeconds, 0);
        }
    }

    public static int run(Options o, PrintStream out) throws Exception {
        int readers = o.readers();
        int posts = o.posts();
        double rate = o.rate();
        int channels = o.channels();
        int k = o.candidates();
        int warmupSeconds = o.warmupSeconds();
        String token = "123456:fanout-bench";
        Path dir = Files.createTempDirectory("tidings-fanout");
        AtomicLong peakHeap = new AtomicLong();
        var memory = ManagementFactory.getMemoryMXBean();
        Disposable heapWatch = reactor.core.publisher.Flux.interval(Duration.ofMillis(100))
                .subscribe(t -> peakHeap.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max));
        out.printf(Locale.ROOT, "bench fanout: %d readers, %d fresh posts in %d channels, rate %.0f/s, %d cores "
                + "(a shared machine makes these numbers noisy)%n", readers, posts, channels, rate,
                Runtime.getRuntime().availableProcessors());
        Scheduler scoring = Schedulers.newBoundedElastic(4, 10_000, "bench-scoring");
        try (Database db = Database.start(DatabaseConfig.custom().embeddedDataDir(dir.resolve("pg")).poolMaxSize(16).build());
             LocalBotApiServer server = LocalBotApiServer.start(token);
             TelegramClient telegram = TelegramClient.create(TelegramClientConfig.custom(token).apiUrl(server.apiUrl())
                     .maxRequests(512).maxRequestsPerHost(512).build())) {
            Duration t = Duration.ofMinutes(10);
            long t0 = System.nanoTime();
            db.sql().update("INSERT INTO channels (username, title) SELECT 'channel' || i, 'Channel ' || i "
                    + "FROM generate_series(1, $1) i", channels).block(t);
            db.sql().update("INSERT INTO posts (channel_id, message_id, published_at, kind, text, html) "
                    + "SELECT 1 + (i % $2), i, now() - (i % 4000) * interval '1 minute', 'text', "
                    + "'Post ' || i || ' with some words to render', 'Post ' || i || ' with some words to render' "
                    + "FROM generate_series(1, $1) i", posts, channels).block(t);
            db.sql().update("INSERT INTO readers (id, first_name, language) SELECT i, 'reader' || i, 'en' "
                    + "FROM generate_series(1, $1) i", readers).block(t);
            out.printf(Locale.ROOT, "seeded the database in %.1f s%n", (System.nanoTime() - t0) / 1e9);

            TrainedModel model = new Trainer(ModelConfig.defaults()).train(SyntheticVotes.generate(20_000, 1).votes(0, 20_000)).model();
            CandidateIndex.ModelVersion version = new CandidateIndex.ModelVersion(1, model);
            FreshPool pool = new FreshPool(Duration.ofDays(3), Math.max(100_000, posts), Clock.systemUTC());
            db.sql().query("SELECT id, channel_id, published_at FROM posts", r -> new FreshPool.Entry(r.get("id", Long.class),
                    r.get("channel_id", Long.class), r.get("published_at", java.time.OffsetDateTime.class).toInstant()))
                    .doOnNext(pool::add).blockLast(t);

            var deliveries = new DeliveryRepository(db);
            var readerRepo = new ReaderRepository(db);
            var renderer = new PostRenderer(new CallbackData("bench".getBytes()), new Messages());
            DeliverySender sender = new DeliverySender(deliveries, readerRepo, telegram, renderer, "bench", rate,
                    Duration.ofMillis(200));
            server.simulateLimits((int) Math.round(rate), true);
            server.keepMessages(false); // the stand-in's own history is not the bot's memory; calls are still counted
            // --plan-only: no sender, so planning has the process to itself (and a loaded machine finishes in minutes)
            Disposable sending = o.planOnly() ? Disposables.single() : sender.start(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
            long warm = o.planOnly() ? 0 : Math.round(rate * warmupSeconds);
            if (warm > 0) {
                long w0 = System.nanoTime();
                db.sql().update("INSERT INTO readers (id, first_name, language) SELECT i, 'warmup' || i, 'en' "
                        + "FROM generate_series($1, $2) i", readers + 1L, readers + warm).block(t);
                db.sql().update("INSERT INTO deliveries (reader_id, post_id, reason) SELECT i, (SELECT min(id) FROM posts), "
                        + "'warmup' FROM generate_series($1, $2) i", readers + 1L, readers + warm).block(t);
                sender.wake();
                while (open(deliveries, t) > 0) Thread.sleep(200);
                db.sql().update("UPDATE readers SET status = 'paused' WHERE id > $1", (long) readers).block(t);
                out.printf(Locale.ROOT, "warmed up: %d messages to other readers in %.1f s%n", warm, (System.nanoTime() - w0) / 1e9);
            }
            long warmSent = deliveries.count("sent").block(t);
            server.clearCalls();
            try (CandidateIndex index = new CandidateIndex(pool, () -> version, k, Runtime.getRuntime().availableProcessors())) {
                ReaderPreferences prefs = o.controlled() > 0 ? controlled(db, o, t, out) : ReaderPreferences.NONE;
                FeedService feed = new FeedService(pool, index, () -> version, deliveries, readerRepo, scoring, () -> { },
                        FeedConfig.defaults(), prefs);
                long c0 = System.nanoTime();
                feed.rebuild().block(Duration.ofHours(1));
                double candidateSeconds = (System.nanoTime() - c0) / 1e9;
                out.printf(Locale.ROOT, "candidates: %d readers × %d posts ranked in %.1f s (%.1f M pairs/s); "
                        + "in service this cost is spread over the arrival of the posts%n", index.readers(), pool.size(),
                        candidateSeconds, (double) readers * pool.size() / candidateSeconds / 1e6);

                var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
                long cpu0 = os.getProcessCpuTime();
                long p0 = System.nanoTime();
                long queued = feed.mailing(1).block(t);
                double planSeconds = (System.nanoTime() - p0) / 1e9;
                double planCpuSeconds = (os.getProcessCpuTime() - cpu0) / 1e9; // this process only, not PostgreSQL's
                out.printf(Locale.ROOT, "planned %d deliveries in %.2f s%n", queued, planSeconds);
                if (o.planOnly()) {
                    Map<String, Object> json = new java.util.LinkedHashMap<>();
                    json.put("readers", readers);
                    json.put("posts", pool.size());
                    json.put("controlled_percent", o.controlled());
                    json.put("queued", queued);
                    json.put("plan_seconds", round(planSeconds, 2));
                    json.put("plan_cpu_seconds", round(planCpuSeconds, 2));
                    json.put("candidates_seconds", round(candidateSeconds, 1));
                    json.put("peak_heap_mb", peakHeap.get() / (1024 * 1024));
                    out.println(Demo.json(json));
                    return queued > 0 ? 0 : 1;
                }

                Map<Long, Integer> perChat = new HashMap<>();
                long[] firstLast = {Long.MAX_VALUE, Long.MIN_VALUE};
                long[] statuses = new long[2]; // ok, 429
                Runnable tally = () -> {
                    List<RecordedCall> calls = server.calls();
                    server.clearCalls();
                    for (RecordedCall c : calls) {
                        if (!"sendMessage".equalsIgnoreCase(c.method())) continue;
                        if (c.status() == 429) statuses[1]++;
                        if (c.ok()) {
                            statuses[0]++;
                            perChat.merge(c.chatId(), 1, Integer::sum);
                            firstLast[0] = Math.min(firstLast[0], c.nanoTime());
                            firstLast[1] = Math.max(firstLast[1], c.nanoTime());
                        }
                    }
                };
                long s0 = p0; // the sender runs all along: it starts on the first page while later pages are planned
                while (true) {
                    Thread.sleep(1000);
                    tally.run();
                    if (open(deliveries, t) == 0) break;
                }
                double sendSeconds = (System.nanoTime() - s0) / 1e9;
                sending.dispose();
                tally.run();
                long sent = deliveries.count("sent").block(t) - warmSent;
                long duplicates = perChat.values().stream().mapToLong(n -> n - 1).sum();
                double span = (firstLast[1] - firstLast[0]) / 1e9;
                double achieved = statuses[0] > 1 ? (statuses[0] - 1) / span : 0;
                heapWatch.dispose();
                out.printf(Locale.ROOT, "sent %d in %.1f s; the sends arrived over %.1f s%n", sent, sendSeconds, span);
                Map<String, Object> json = new java.util.LinkedHashMap<>();
                json.put("readers", readers);
                json.put("posts", pool.size());
                json.put("plan_seconds", round(planSeconds, 2));
                json.put("send_seconds", round(sendSeconds, 1));
                json.put("rate_limit", Math.round(rate));
                json.put("achieved_rate", round(achieved, 1));
                json.put("http_429", statuses[1]);
                json.put("duplicates", duplicates);
                json.put("lost", queued - sent);
                json.put("peak_heap_mb", peakHeap.get() / (1024 * 1024));
                json.put("candidates_seconds", round(candidateSeconds, 1));
                out.println(Demo.json(json));
                return duplicates == 0 && queued == sent ? 0 : 1;
            }
        } finally {
            scoring.dispose();
            heapWatch.dispose();
            Demo.deleteTree(dir); // the embedded database: hundreds of MB at 100 k readers
        }
    }

    private static double round(double v, int places) {
        return java.math.BigDecimal.valueOf(v).setScale(places, java.math.RoundingMode.HALF_UP).doubleValue();
    }

    /**
     * Every {@code 100 / controlled}-th reader mutes one channel and keeps 10 word filters (two-word phrases, most
     * matching one post each); preferences and post facts loaded as the service does.
     */
    private static ReaderPreferences controlled(Database db, Options o, Duration t, PrintStream out) {
        long t0 = System.nanoTime();
        int every = Math.max(1, 100 / o.controlled());
        db.sql().update("INSERT INTO reader_mutes (reader_id, channel_id) SELECT i, 1 + (i % $2) FROM generate_series(1, $1) i "
                + "WHERE i % $3 = 0", o.readers(), o.channels(), every).block(t);
        db.sql().update("INSERT INTO reader_filters (reader_id, mode, phrase) SELECT i, 'exclude', 'post ' || ((i * 7 + j) % $2) "
                + "FROM generate_series(1, $1) i, generate_series(1, 10) j WHERE i % $3 = 0", o.readers(), o.posts(), every).block(t);
        PostFacts facts = new PostFacts();
        db.sql().query("SELECT id, channel_id, text, html FROM posts", r -> new io.tidings.store.Post(r.get("id", Long.class),
                        r.get("channel_id", Long.class), "", "", 0, java.time.Instant.now(), io.tidings.store.PostKind.TEXT, r.get("text", String.class),
                        r.get("html", String.class), List.of(), 0, null))
                .doOnNext(facts::add).blockLast(t);
        StoredPreferences prefs = StoredPreferences.load(new PenaltyRepository(db), new ReaderSettingsRepository(db),
                new ReaderControlRepository(db), facts, Duration.ofDays(14));
        out.printf(Locale.ROOT, "controlled: every %d. reader mutes a channel and keeps 10 filters; loaded in %.1f s%n", every,
                (System.nanoTime() - t0) / 1e9);
        return prefs;
    }

    private static long open(DeliveryRepository deliveries, Duration t) {
        return deliveries.open().block(t);
    }
}
