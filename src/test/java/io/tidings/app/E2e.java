package io.tidings.app;

import static org.assertj.core.api.Assertions.fail;

import io.tidings.TestDatabase;
import io.tidings.store.Database;
import io.tidings.testkit.botapi.LocalBotApiServer;
import io.tidings.testkit.botapi.SentMessage;
import io.tidings.testkit.channels.LocalChannelServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The whole system for an end-to-end test: the test class's embedded PostgreSQL (emptied), the local Bot API
 * server driven through the real pengrad client, the local t.me channel server, and an {@link App} whose
 * ingest, mailings and training the test drives itself. Close it in {@code @AfterEach}.
 */
final class E2e implements AutoCloseable {

    static final String TOKEN = "777000:e2e-test-token";
    static final Duration T = Duration.ofSeconds(30);
    private static final Pattern PERMALINK = Pattern.compile("https://t\\.me/([A-Za-z0-9_]+)/(\\d+)");

    final Database db;
    final LocalBotApiServer telegram;
    final LocalChannelServer channels;
    private final Path dir;
    private App app;
    private final String url;

    E2e() {
        this(TestDatabase.reset(), TestDatabase.url());
    }

    /** The same over another database (one a test stops and starts), reached by the app at {@code url}. */
    E2e(Database db, String url) {
        this.db = db;
        this.url = url;
        this.telegram = LocalBotApiServer.start(TOKEN);
        this.channels = LocalChannelServer.start();
        try {
            this.dir = Files.createTempDirectory("tidings-e2e");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Adds a channel with {@code n} text posts from the last hours, each text naming the channel and its number. */
    E2e channel(String name, int n) {
        channels.addChannel(name, name.toUpperCase() + " news", "All about " + name);
        for (int i = 1; i <= n; i++) addPost(name, i);
        return this;
    }

    void addPost(String name, int i) {
        channels.addPost(name, name + " post " + i, null, Instant.now().minus(Duration.ofMinutes(200 - i)), 100 + i);
    }

    /** Starts the app following {@code names}, with no ranking noise so mailings are deterministic. */
    App start(List<String> names) {
        return start(names, Map.of());
    }

    App start(List<String> names, Map<String, String> env) {
        // a chat takes a message every 50 ms here instead of Telegram's second: the pacing itself is tested in
        // DeliverySenderVirtualTimeTest, DeliveryE2eTest and ThreeReplicaMailingTest; readers here need not wait out seconds.
        // The local t.me is read without the 5 requests a second owed to the real one (IngestServiceTest tests that limit).
        Map<String, String> all = new HashMap<>(Map.of("DATABASE_URL", url, "RANKING_NOISE", "0", "SEND_CHAT_GAP_MS", "50",
                "TME_REQUESTS_PER_SECOND", "1000"));
        all.putAll(env);
        Config config = Config.fromEnv(all)
                .withTelegram(TOKEN, telegram.apiUrl())
                .withChannels(channels.baseUrl(), names)
                .withTuning(dir, 0, Double.parseDouble(all.getOrDefault("SEND_RATE", "200")), 3, Integer.MAX_VALUE);
        app = App.start(config, App.Loops.NO_INGEST_MAILINGS_TRAINING);
        return app;
    }

    App app() {
        return app;
    }

    long ingest() {
        return app.ingest().pollAll().block(T);
    }

    // ---- what readers saw ------------------------------------------------------------------------

    /** Messages with vote buttons (delivered posts) in the reader's chat, in order. */
    List<SentMessage> posts(long chat) {
        return telegram.sentTo(chat).stream().filter(m -> m.button("👍") != null).toList();
    }

    /** Waits until the chat has at least {@code n} posts and returns the n-th (1-based). */
    SentMessage awaitPost(long chat, int n) {
        await("post #" + n + " for " + chat, () -> posts(chat).size() >= n);
        return posts(chat).get(n - 1);
    }

    static String permalink(SentMessage m) {
        Matcher link = PERMALINK.matcher(m.textOrCaption());
        if (!link.find()) fail("no permalink in " + m.textOrCaption());
        return link.group(0);
    }

    /** The stored post id behind a sent message, from the deliveries table (waits for the sender to record it). */
    long postOf(SentMessage m) {
        Supplier<Long> find = () -> db.sql().one("SELECT post_id FROM deliveries WHERE reader_id = $1 AND telegram_message_id = $2",
                r -> r.get("post_id", Long.class), m.chatId(), (long) m.messageId()).block(T);
        await("delivery of message " + m.messageId() + " recorded", () -> find.get() != null);
        return find.get();
    }

    /** One row of the deliveries table. */
    record Delivery(long reader, long post, String reason, String state, Float score) {}

    List<Delivery> deliveries(long reader) {
        return db.sql().query("SELECT reader_id, post_id, reason, state, score FROM deliveries WHERE reader_id = $1 ORDER BY id",
                r -> new Delivery(r.get("reader_id", Long.class), r.get("post_id", Long.class), r.get("reason", String.class),
                        r.get("state", String.class), r.get("score", Float.class)), reader).collectList().block(T);
    }

    long count(String sql, Object... binds) {
        return db.sql().one(sql, r -> r.get(0, Long.class), binds).block(T);
    }

    /** Waits until nothing is queued or being sent. */
    void awaitOutboxEmpty() {
        await("outbox drained", () -> count("SELECT count(*) FROM deliveries WHERE state IN ('queued', 'claimed', 'sending')") == 0);
    }

    // ---- waiting -------------------------------------------------------------------------------

    static void await(String what, BooleanSupplier condition) {
        await(what, condition, T);
    }

    static void await(String what, BooleanSupplier condition, Duration limit) {
        io.tidings.Await.until(what, condition, limit);
    }

    // Positive sentinels: a test that checks something did NOT happen first waits for proof that it had its chance.

    /**
     * Every update pushed so far has been handled: the bot confirmed it with the offset of its next getUpdates,
     * which it asks for only once the batch before is handled (replies sent, votes stored, deliveries queued).
     */
    void awaitUpdatesHandled() {
        await("every update handled", () -> telegram.pendingUpdates() == 0);
    }

    /**
     * Background loop {@code loop} (a {@link io.tidings.util.Loop} name) began {@code n} more ticks: with {@code n = 2}
     * a tick that began after this call has ended, so whatever was there for the loop to do is done.
     */
    void awaitTicks(String loop, int n) {
        double before = ticks(loop);
        await(n + " more ticks of loop " + loop, () -> ticks(loop) >= before + n);
    }

    /** Ticks of this app's loop (its own meters: other apps in the JVM have loops of the same name). */
    private double ticks(String loop) {
        var counter = app.meters().find("tidings.loop.ticks").tag("loop", loop).counter();
        return counter == null ? 0 : counter.count();
    }

    static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    @Override
    public void close() {
        if (app != null) app.close();
        telegram.close();
        channels.close();
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }
}
