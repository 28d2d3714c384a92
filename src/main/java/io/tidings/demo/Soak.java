package io.tidings.demo;

import io.tidings.app.App;
import io.tidings.app.Config;
import io.tidings.store.DeliveryRepository;
import io.tidings.testkit.botapi.Fault;
import io.tidings.testkit.botapi.FaultInjector;
import io.tidings.testkit.botapi.LocalBotApiServer;
import io.tidings.testkit.botapi.RecordedCall;
import io.tidings.testkit.channels.LocalChannelServer;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;

/**
 * {@code tidings soak}: the whole system on the stand-ins under steady load for a given time, with Telegram's and
 * t.me's faults injected one after another, then a report of what the Bot API server saw against the outbox.
 * <p>
 * Load: {@link SoakReaders} (vote on most posts a few seconds after they arrive, press More and "Less from this
 * channel", open /settings), a mailing every minute, a channel posting every few seconds and the channels polled
 * every half minute, a retrained model swapped in every few minutes. Faults, in turn, each for a while: a send handled
 * and then answered 500, handled and then the connection dropped, a call dropped before handling, {@code Connection:
 * close} after every answer, idle connections closed without a word, 401 for every call, 429s, t.me slow, a channel
 * answering 404. The stand-in also enforces Telegram's limits (30 messages a second, one a second per chat).
 * <p>
 * At the end the load stops, the faults are cleared, the outbox drains, and every delivery row is compared with
 * what reached the readers: {@code duplicates} (a post twice in one chat), {@code lost} (a row marked sent that never
 * arrived, a row never finished, or a post whose digest was sent without it), {@code unknown} (rows whose outcome the
 * sender could not know; how many of those did arrive is given too). Posts listed in a digest that arrived count as
 * delivered ({@code outbox_in_digest}); those planned for a reader's next digest are {@code outbox_digest_waiting}. Heap is measured after a GC: at the start (after a warm-up), every minute (max) and at the
 * end; threads as the most of the last minute's samples (every 10 s), at the same two points.
 */
public final class Soak {

    /**
     * How long, how many readers, the seed, how often a new fault starts, the warm-up before heap_mb_start, and the
     * posts each channel has at the start (all of them read by the first backfill).
     */
    public record Options(Duration length, int readers, long seed, Duration faultEvery, Duration warmUp, int postsPerChannel) {
        public Options(Duration length, int readers, long seed, Duration faultEvery, Duration warmUp) {
            this(length, readers, seed, faultEvery, warmUp, POSTS_PER_CHANNEL);
        }

        public static Options minutes(int minutes) {
            Duration length = Duration.ofMinutes(minutes);
            // heap and threads are compared from the end of the warm-up: by then the readers are reading at a steady pace
            return new Options(length, 150, 1, Duration.ofSeconds(20), min(Duration.ofMinutes(5), length.dividedBy(6)));
        }
    }

    private static final int POSTS_PER_CHANNEL = 40;
    private static final int SEND_RATE = 30;

    private final Options o;
    private final PrintStream progress;
    private final SplittableRandom rnd;
    private final AtomicLong injected429 = new AtomicLong();
    private final AtomicLong http429 = new AtomicLong();
    private final AtomicLong posted = new AtomicLong();
    private final Map<String, Long> faultsStarted = new TreeMap<>();
    private final Map<String, AtomicBoolean> inFlight = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, AtomicLong> taskErrors = new java.util.concurrent.ConcurrentHashMap<>();
    private long dbConnectionsMax;
    /** Thread counts of the last minute's samples (every 10 s): pools start and retire threads as work comes and goes. */
    private final java.util.ArrayDeque<Integer> threadSamples = new java.util.ArrayDeque<>();
    private double heapMax;

    private Soak(Options o, PrintStream progress) {
        this.o = o;
        this.progress = progress;
        this.rnd = new SplittableRandom(o.seed());
    }

    /** Runs the soak; progress lines go to {@code progress}; returns the report (see the class comment). */
    public static Map<String, Object> run(Options o, Config base, PrintStream progress) throws IOException {
        return new Soak(o, progress).run(base);
    }

    private Map<String, Object> run(Config base) throws IOException {
        Path dir = Files.createTempDirectory("tidings-soak");
        String token = "100000:soak-token-" + o.seed();
        ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "soak-readers");
            t.setDaemon(true);
            return t;
        });
        try (LocalChannelServer channels = LocalChannelServer.start();
             LocalBotApiServer telegram = LocalBotApiServer.start(token)) {
            telegram.simulateLimits(SEND_RATE, true);
            DemoWorld world = new DemoWorld(channels, o.postsPerChannel(), o.seed());
            Config config = base.withTelegram(token, telegram.apiUrl())
                    .withChannels(channels.baseUrl(), world.channels())
                    .withTuning(dir, 0, SEND_RATE, 1 + o.postsPerChannel() / LocalChannelServer.PAGE_SIZE, Integer.MAX_VALUE);
            try (App app = startApp(config);
                 SoakReaders readers = new SoakReaders(telegram, world, o.readers(), o.seed(), timer)) {
                // generous: on a busy machine the first backfill (3 pages of 50 channels at 5 requests a second) is slow
                long ingested = app.ingest().pollAll().block(Duration.ofMinutes(15));
                progress.printf("soak: %d channels, %d posts, %d readers, %s%n", world.channels().size(), ingested,
                        o.readers(), o.length());
                readers.startAll();
                return drive(app, telegram, channels, world, readers);
            }
        } finally {
            timer.shutdownNow();
            Demo.deleteTree(dir);
        }
    }

    /**
     * Starts the system, again (up to three times) when start-up fails: on a machine loaded far beyond its cores a
     * fresh embedded database can take longer than the pool's 5 s to hand out a connection. Each failure is printed.
     */
    private App startApp(Config config) {
        for (int attempt = 1; ; attempt++) {
            try {
                return App.start(config, App.Loops.NO_INGEST_MAILINGS_TRAINING);
            } catch (RuntimeException e) {
                if (attempt == 3) throw e;
                progress.println("soak: start-up attempt " + attempt + " failed (" + e + "), trying again");
                taskErrors.computeIfAbsent("start", k -> new AtomicLong()).incrementAndGet();
            }
        }
    }

    private Map<String, Object> drive(App app, LocalBotApiServer telegram, LocalChannelServer channels, DemoWorld world,
                                      SoakReaders readers) {
        List<FaultKind> faults = faults(telegram, channels, world);
        long start = System.nanoTime();
        long end = start + o.length().toNanos();
        long warmEnd = start + o.warmUp().toNanos();
        double heapStart = -1;
        int threadsStart = -1;
        long modelStart = app.models().version();
        long nextSecond = start, nextPost = start, nextPoll = start + seconds(30), nextMailing = start + seconds(60);
        long nextTrain = start + seconds(180), nextFault = start + o.faultEvery().toNanos(), nextSample = start;
        long nextMinute = start + seconds(60);
        FaultKind active = null;
        long activeUntil = 0;
        int faultIndex = 0;
        List<Double> heapByMinute = new ArrayList<>();
        while (true) {
            long now = System.nanoTime();
            if (now - end >= 0) break;
            if (heapStart < 0 && now - warmEnd >= 0) {
                heapStart = heapAfterGc();
                threadsStart = recentThreads();
                heapMax = Math.max(heapMax, heapStart);
            }
            if (now - nextSecond >= 0) {
                nextSecond += seconds(5);
                readers.now(rnd);
            }
            if (now - nextPost >= 0) {
                nextPost += seconds(4);
                String channel = world.channels().get(rnd.nextInt(world.channels().size()));
                channels.addPost(channel, channel.substring(5) + " fresh #" + posted.incrementAndGet() + ": a new post",
                        null, Instant.now(), 100 + rnd.nextInt(1000));
            }
            if (now - nextPoll >= 0) {
                nextPoll += seconds(30);
                async("poll", app.ingest().pollAll());
            }
            if (now - nextMailing >= 0) {
                nextMailing += seconds(60);
                async("mailing", app.feed().mailing(1));
            }
            if (now - nextTrain >= 0) {
                nextTrain += seconds(180);
                async("train", app.trainer().train().then(app.feed().rebuild()));
            }
            if (active != null && now - activeUntil >= 0) {
                active.end.run();
                active = null;
            }
            if (now - nextFault >= 0) {
                nextFault += o.faultEvery().toNanos();
                if (active != null) active.end.run();
                active = faults.get(faultIndex++ % faults.size());
                faultsStarted.merge(active.name, 1L, Long::sum);
                active.start.run();
                activeUntil = now + o.faultEvery().dividedBy(2).toNanos();
            }
            if (now - nextSample >= 0) {
                nextSample += seconds(10);
                sample(app, telegram);
            }
            if (now - nextMinute >= 0) {
                nextMinute += seconds(60);
                double heap = heapAfterGc();
                heapMax = Math.max(heapMax, heap);
                heapByMinute.add(round1(heap));
                progress.printf("soak: minute %d: posts reached readers %d, duplicates %d, votes %d, heap %.1f MB, "
                                + "threads %d, db connections max %d, 429s %d, faults %s%n",
                        heapByMinute.size(), readers.deliveries(), readers.duplicates(), readers.votes(), heap, threads(),
                        dbConnectionsMax, http429.get(), faultsStarted);
            }
            Demo.sleep(100);
        }
        if (active != null) active.end.run();
        faults.forEach(f -> f.end.run());
        telegram.faults().clear(); // and those armed for the next few calls, which would otherwise hit the drain
        readers.stopReading();
        if (heapStart < 0) {
            heapStart = heapAfterGc();
            threadsStart = recentThreads();
        }
        double heapEnd = heapAfterGc();
        int threadsEnd = recentThreads();
        heapMax = Math.max(heapMax, heapEnd);
        boolean drained = drain(app, telegram, Duration.ofMinutes(3));
        sample(app, telegram);
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("minutes", round1((System.nanoTime() - start) / 60e9));
        report.putAll(compare(app, readers));
        report.put("http_429", http429.get());
        report.put("http_429_injected", injected429.get());
        report.put("heap_mb_start", round1(heapStart));
        report.put("heap_mb_end", round1(heapEnd));
        report.put("heap_mb_max", round1(heapMax));
        report.put("threads_start", threadsStart);
        report.put("threads_end", threadsEnd);
        report.put("db_connections_max", dbConnectionsMax);
        report.put("drained", drained);
        report.put("readers", o.readers());
        report.put("votes", readers.votes());
        report.put("presses", readers.presses());
        report.put("settings_opened", readers.settingsOpened());
        report.put("channel_posts_added", posted.get());
        report.put("model_swaps", app.models().version() - modelStart);
        report.put("faults", faultsStarted);
        report.put("task_errors", taskErrors.entrySet().stream()
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get(), (a, b) -> a, TreeMap::new)));
        report.put("heap_mb_by_minute", heapByMinute);
        return report;
    }

    /** A fault: what starts it and what ends it (ending one that is not on does nothing). */
    private record FaultKind(String name, Runnable start, Runnable end) {}

    private List<FaultKind> faults(LocalBotApiServer telegram, LocalChannelServer channels, DemoWorld world) {
        FaultInjector f = telegram.faults();
        Runnable none = () -> {};
        String failing = world.channels().get(0);
        return List.of(
                new FaultKind("5xx_after_send", () -> f.next("sendMessage", Fault.handledThenServerError(), 3)
                        .next("sendPhoto", Fault.handledThenServerError(), 1), none),
                new FaultKind("dropped_after_send", () -> f.next("sendMessage", Fault.handledThenDropped(), 3), none),
                new FaultKind("close_after_every_response", () -> telegram.closeAfterEveryResponse(true),
                        () -> telegram.closeAfterEveryResponse(false)),
                new FaultKind("429", () -> {
                    f.next("sendMessage", Fault.tooManyRequests(2), 5);
                    injected429.addAndGet(5);
                }, none),
                new FaultKind("dropped_before_handling", () -> f.next(FaultInjector.ANY_METHOD, Fault.dropped(), 3), none),
                new FaultKind("tme_slow", () -> channels.setDelay(Duration.ofSeconds(3)), () -> channels.setDelay(Duration.ZERO)),
                new FaultKind("unauthorized", () -> f.unauthorizedFor(o.faultEvery().dividedBy(2)), none),
                new FaultKind("idle_connections_closed", () -> telegram.closeIdleConnectionsAfter(Duration.ofSeconds(1)),
                        () -> telegram.closeIdleConnectionsAfter(null)),
                new FaultKind("tme_404", () -> channels.failChannel(failing, 404), () -> channels.failChannel(failing, 0)),
                new FaultKind("5xx_after_send_photo", () -> f.next("sendPhoto", Fault.handledThenServerError(), 2), none));
    }

    /** Runs {@code work} in the background unless the previous run of {@code name} is still going. */
    private void async(String name, Mono<?> work) {
        AtomicBoolean busy = inFlight.computeIfAbsent(name, k -> new AtomicBoolean());
        if (!busy.compareAndSet(false, true)) return;
        work.doFinally(s -> busy.set(false)).subscribe(null, e -> {
            taskErrors.computeIfAbsent(name, k -> new AtomicLong()).incrementAndGet();
            progress.println("soak: " + name + " failed: " + e);
        });
    }

    /** Counts the 429s the Bot API server answered, forgets old messages, samples the database's connections. */
    private void sample(App app, LocalBotApiServer telegram) {
        threadSamples.addLast(threads());
        if (threadSamples.size() > 6) threadSamples.removeFirst();
        for (RecordedCall c : telegram.takeCalls()) if (c.status() == 429) http429.incrementAndGet();
        telegram.forgetOldMessages(30);
        try {
            Long n = app.database().sql().one("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database()",
                    r -> r.get("n", Long.class)).block(Duration.ofSeconds(10));
            if (n != null) dbConnectionsMax = Math.max(dbConnectionsMax, n);
        } catch (RuntimeException e) {
            taskErrors.computeIfAbsent("db_sample", k -> new AtomicLong()).incrementAndGet();
        }
    }

    /** Waits until nothing is queued, claimed or being sent, and no update waits; false when it did not happen in time. */
    private boolean drain(App app, LocalBotApiServer telegram, Duration limit) {
        DeliveryRepository deliveries = new DeliveryRepository(app.database());
        long deadline = System.nanoTime() + limit.toNanos();
        int quiet = 0;
        while (System.nanoTime() - deadline < 0) {
            long open = deliveries.open().block(Duration.ofSeconds(10));
            boolean busy = inFlight.values().stream().anyMatch(AtomicBoolean::get);
            quiet = open == 0 && telegram.pendingUpdates() == 0 && !busy ? quiet + 1 : 0;
            if (quiet >= 10) return true; // two seconds without work: answers in flight have arrived
            Demo.sleep(200);
        }
        progress.println("soak: the outbox did not drain in " + limit.toSeconds() + " s");
        return false;
    }

    /** Every delivery row of the soak's readers against what reached their chats. */
    private Map<String, Object> compare(App app, SoakReaders readers) {
        record Row(long reader, String permalink, String state, String error, String digestState) {}
        List<Row> rows = app.database().sql().query("SELECT d.reader_id, c.username, p.message_id, d.state, d.error, "
                        + "dg.state AS digest_state FROM deliveries d JOIN posts p ON p.id = d.post_id "
                        + "JOIN channels c ON c.id = p.channel_id LEFT JOIN deliveries dg ON dg.id = d.digest_id "
                        + "WHERE d.reader_id >= $1",
                r -> new Row(r.get("reader_id", Long.class),
                        "https://t.me/" + r.get("username", String.class) + "/" + r.get("message_id", Long.class),
                        r.get("state", String.class), r.get("error", String.class), r.get("digest_state", String.class)),
                SoakReaders.FIRST_ID)
                .collectList().block(Duration.ofMinutes(1));
        long sentMissing = 0, unfinished = 0, unknown = 0, unknownArrived = 0, failed = 0, sent = 0, rowsArrived = 0;
        long inDigest = 0, digestWaiting = 0, digestMissing = 0;
        Map<String, Long> failures = new TreeMap<>();
        for (Row row : rows) {
            int arrived = readers.received(row.reader(), row.permalink());
            if (arrived > 0) rowsArrived++;
            switch (row.state()) {
                case "sent" -> {
                    sent++;
                    if (arrived == 0) sentMissing++;
                }
                case "unknown" -> {
                    unknown++;
                    if (arrived > 0) unknownArrived++;
                }
                case "failed" -> {
                    failed++;
                    String reason = row.error() == null ? "(none)" : row.error();
                    failures.merge(reason.length() > 60 ? reason.substring(0, 60) : reason, 1L, Long::sum);
                }
                // listed in a digest: delivered when the digest that lists it arrived; one not bundled yet waits for
                // the reader's next mailing (not lost); one whose digest was sent but did not list it is lost
                case "digest" -> {
                    if (readers.listedInDigest(row.reader(), row.permalink())) {
                        inDigest++;
                    } else if (row.digestState() == null) {
                        digestWaiting++;
                    } else if (row.digestState().equals("unknown")) {
                        unknown++;
                    } else {
                        digestMissing++;
                    }
                }
                default -> unfinished++;
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("deliveries", readers.deliveries());
        out.put("duplicates", readers.duplicates());
        out.put("lost", sentMissing + unfinished + digestMissing);
        out.put("unknown", unknown);
        out.put("unknown_arrived", unknownArrived);
        out.put("outbox_rows", rows.size());
        out.put("outbox_sent", sent);
        out.put("outbox_sent_not_arrived", sentMissing);
        out.put("outbox_unfinished", unfinished);
        out.put("digests", readers.digests());
        out.put("outbox_in_digest", inDigest);
        out.put("outbox_digest_waiting", digestWaiting);
        out.put("outbox_digest_missing", digestMissing);
        out.put("outbox_failed", failed);
        out.put("outbox_failed_reasons", failures);
        out.put("arrived_without_row", Math.max(0, readers.distinctReceived() - rowsArrived));
        return out;
    }

    private static double heapAfterGc() {
        for (int i = 0; i < 2; i++) {
            System.gc();
            Demo.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024.0);
    }

    /** The most threads seen in the last minute's samples (now included). */
    private int recentThreads() {
        return Math.max(threads(), threadSamples.stream().mapToInt(Integer::intValue).max().orElse(0));
    }

    private static int threads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    private static long seconds(long s) {
        return Duration.ofSeconds(s).toNanos();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
