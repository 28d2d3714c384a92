package io.tidings.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.pengrad.telegrambot.model.Update;
import com.pengrad.telegrambot.request.SetWebhook;
import io.tidings.TestDatabase;
import io.tidings.store.Database;
import io.tidings.telegram.TelegramClient;
import io.tidings.telegram.TelegramClientConfig;
import io.tidings.testkit.botapi.LocalBotApiServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/** The webhook: secret checked, bodies bounded, updates stored before 200, handled once by update_id. */
class WebhookTest {

    private static final Duration T = Duration.ofSeconds(30);
    private static final String TOKEN = "123456:webhook-test";
    private static final String SECRET = "s3cret_Token-1";

    private Database db;
    private Metrics metrics;
    private LocalBotApiServer telegram;
    private TelegramClient client;
    private final Map<Integer, AtomicInteger> handled = new ConcurrentHashMap<>();
    private UpdateInbox inbox;
    private UpdateInbox otherReplica;
    private WebServer web;
    private final List<Disposable> running = new java.util.ArrayList<>();

    @BeforeEach
    void setUp() {
        db = TestDatabase.reset();
        db.sql().update("TRUNCATE updates, replicas").block(T);
        metrics = Metrics.create();
        telegram = LocalBotApiServer.start(TOKEN);
        // a chat takes a message every 50 ms here instead of Telegram's second (ChatPaceTest and DeliveryE2eTest test that pace)
        client = TelegramClient.create(TelegramClientConfig.custom(TOKEN).apiUrl(telegram.apiUrl()).chatGap(Duration.ofMillis(50)).build());
        inbox = new UpdateInbox(db, "replica-a", this::count, 8, Duration.ofMinutes(1), metrics.registry());
        otherReplica = new UpdateInbox(db, "replica-b", this::count, 8, Duration.ofMinutes(1), metrics.registry());
        web = new WebServer(db, metrics, () -> true, new WebServer.Webhook("/telegram/webhook", SECRET, 64 * 1024), inbox)
                .start("127.0.0.1", 0);
    }

    @AfterEach
    void tearDown() {
        running.forEach(Disposable::dispose);
        db.sql().update("ALTER TABLE IF EXISTS updates_away RENAME TO updates").onErrorResume(e -> Mono.empty()).block(T);
        web.close();
        client.close();
        telegram.close();
        metrics.close();
    }

    private Mono<Void> count(Update u) {
        handled.computeIfAbsent(u.updateId(), k -> new AtomicInteger()).incrementAndGet();
        return Mono.empty();
    }

    private String url() {
        return "http://127.0.0.1:" + web.port() + "/telegram/webhook";
    }

    private void registerWebhook() {
        client.execute(new SetWebhook().url(url()).secretToken(SECRET).allowedUpdates("message", "callback_query")
                .maxConnections(40)).block(T);
    }

    private int post(String secret, String body) {
        return HttpClient.create()
                .headers(h -> {
                    h.set("Content-Type", "application/json");
                    if (secret != null) h.set("X-Telegram-Bot-Api-Secret-Token", secret);
                })
                .post().uri(url()).send((req, out) -> out.sendString(Mono.just(body)))
                .responseSingle((res, content) -> content.then(Mono.just(res.status().code())))
                .block(T);
    }

    private long stored() {
        return db.sql().one("SELECT count(*) AS n FROM updates", r -> r.get("n", Long.class)).block(T);
    }

    private static String message(int updateId, long user, String text) {
        return "{\"update_id\":" + updateId + ",\"message\":{\"message_id\":1,\"date\":1700000000,"
                + "\"chat\":{\"id\":" + user + ",\"type\":\"private\"},\"from\":{\"id\":" + user + ",\"is_bot\":false,"
                + "\"first_name\":\"Ann\"},\"text\":\"" + text + "\"}}";
    }

    private static void await(BooleanSupplier condition) {
        io.tidings.Await.until("condition", condition, T);
    }

    @Test
    void aWrongOrMissingSecretIsRejectedAndNothingIsStored() {
        running.add(inbox.start(Duration.ofMillis(100)));
        assertThat(post("wrong", message(1, 42, "/start"))).isEqualTo(401);
        assertThat(post(SECRET + "x", message(2, 42, "/start"))).isEqualTo(401);
        assertThat(post(null, message(3, 42, "/start"))).isEqualTo(401);
        assertThat(post("", message(4, 42, "/start"))).isEqualTo(401);
        assertThat(post(SECRET, message(5, 42, "/start"))).isEqualTo(200);
        await(() -> handled.containsKey(5));
        assertThat(stored()).isEqualTo(1);
        assertThat(handled.keySet()).containsExactly(5);
    }

    @Test
    void badOrOversizedBodiesAreRefusedWithoutStoringAnything() {
        assertThat(post(SECRET, "not json")).isEqualTo(400);
        assertThat(post(SECRET, "{\"message\":{}}")).isEqualTo(400);
        assertThat(post(SECRET, "[1,2,3]")).isEqualTo(400);
        assertThat(post(SECRET, "{\"update_id\":9,\"pad\":\"" + "x".repeat(70 * 1024) + "\"}")).isEqualTo(413);
        assertThat(stored()).isZero();
    }

    @Test
    void anUpdateDeliveredAgainOrToTwoReplicasIsHandledOnce() {
        running.add(inbox.start(Duration.ofMillis(50)));
        running.add(otherReplica.start(Duration.ofMillis(50)));
        for (int i = 0; i < 3; i++) {
            assertThat(post(SECRET, message(77, 42, "/start"))).isEqualTo(200); // Telegram repeats after a lost 200
        }
        // many updates, each posted twice at once, while two replicas drain the same inbox
        Flux.range(100, 200).flatMap(id -> Flux.range(0, 2)
                        .flatMap(k -> Mono.fromCallable(() -> post(SECRET, message(id, 1000 + id, "hi")))
                                .subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic())), 16)
                .blockLast(T);
        await(() -> handled.size() == 201);
        await(() -> pending() == 0);
        assertThat(handled.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
    }

    @Test
    void updatesPushedByTelegramArriveThroughTheWebhookAndAreHandledOnce() {
        running.add(inbox.start(Duration.ofMillis(100)));
        registerWebhook();
        assertThat(telegram.webhookUrl()).isEqualTo(url());
        var setWebhook = telegram.calls("setWebhook").get(0);
        assertThat(setWebhook.param("secret_token")).isEqualTo(SECRET);
        assertThat(setWebhook.param("allowed_updates")).contains("message").contains("callback_query");
        assertThat(setWebhook.param("max_connections")).isEqualTo("40");
        int a = telegram.pushMessage(42, "/start", "en");
        int b = telegram.pushCallbackQuery(42, 1, "x");
        await(() -> handled.containsKey(a) && handled.containsKey(b));
        await(() -> telegram.pendingWebhookDeliveries() == 0);
        assertThat(telegram.webhookAttempts()).extracting(LocalBotApiServer.WebhookAttempt::status).containsOnly(200);
        assertThat(handled.get(a).get()).isEqualTo(1);
    }

    @Test
    void whenTheDatabaseCannotStoreTheUpdateTelegramGetsA5xxAndTheRetryIsHandledOnce() {
        running.add(inbox.start(Duration.ofMillis(100)));
        registerWebhook();
        // the inbox table disappears: every write fails as it would with the database down
        db.sql().update("ALTER TABLE updates RENAME TO updates_away").block(T);
        int id = telegram.pushMessage(42, "/start", "en");
        await(() -> telegram.webhookAttempts().stream().filter(x -> x.updateId() == id && x.status() == 503).count() >= 2);
        assertThat(handled).isEmpty();
        db.sql().update("ALTER TABLE updates_away RENAME TO updates").block(T);
        await(() -> handled.containsKey(id));
        await(() -> telegram.pendingWebhookDeliveries() == 0);
        List<Integer> statuses = telegram.webhookAttempts().stream().filter(x -> x.updateId() == id)
                .map(LocalBotApiServer.WebhookAttempt::status).toList();
        assertThat(statuses).contains(503).endsWith(200);
        assertThat(statuses.stream().filter(s -> s == 200)).hasSize(1);
        assertThat(handled.get(id).get()).isEqualTo(1);
        assertThat(pending()).isZero();
    }

    @Test
    void aFailingUpdateIsRetriedThenSetAsideWithoutBlockingOthers() {
        AtomicInteger tries = new AtomicInteger();
        UpdateInbox flaky = new UpdateInbox(db, "replica-c", u -> {
            if (u.updateId() == 13) {
                tries.incrementAndGet();
                return Mono.error(new IllegalStateException("boom"));
            }
            return count(u);
        }, 4, Duration.ofMinutes(1), metrics.registry());
        flaky.store(13, message(13, 1, "x")).block(T);
        flaky.store(14, message(14, 1, "y")).block(T);
        flaky.drain().block(T);
        assertThat(handled.keySet()).containsExactly(14);
        assertThat(tries.get()).isEqualTo(1);
        // retries are due after a backoff; make them due now instead of waiting
        for (int i = 2; i <= UpdateInbox.MAX_ATTEMPTS; i++) {
            db.sql().update("UPDATE updates SET claimed_until = now() - interval '1 second' WHERE update_id = 13").block(T);
            flaky.drain().block(T);
        }
        assertThat(tries.get()).isEqualTo(UpdateInbox.MAX_ATTEMPTS);
        assertThat(pending()).isZero();
        String error = db.sql().one("SELECT error FROM updates WHERE update_id = 13", r -> r.get("error", String.class)).block(T);
        assertThat(error).contains("boom");
    }

    @Test
    void probesAndMetricsAnswer() {
        assertThat(get("/healthz")).isEqualTo("200 ok\n");
        assertThat(get("/readyz")).isEqualTo("200 ready\n");
        post(SECRET, message(1, 42, "/start"));
        String scrape = get("/metrics");
        assertThat(scrape).startsWith("200 ").contains("jvm_memory_used_bytes").contains("tidings_updates_received_total");
        web.drain();
        assertThat(get("/readyz")).startsWith("503 ").contains("shutting down");
        assertThat(post(SECRET, message(2, 42, "/start"))).isEqualTo(503);
    }

    @Test
    void readinessFailsWhileTheModelIsNotLoaded() {
        WebServer notYet = new WebServer(db, metrics, () -> false, null, null).start("127.0.0.1", 0);
        try {
            String answer = HttpClient.create().get().uri("http://127.0.0.1:" + notYet.port() + "/readyz")
                    .responseSingle((res, body) -> body.asString().defaultIfEmpty("").map(s -> res.status().code() + " " + s))
                    .block(T);
            assertThat(answer).startsWith("503 ").contains("model not loaded");
        } finally {
            notYet.close();
        }
    }

    private String get(String path) {
        return HttpClient.create().get().uri("http://127.0.0.1:" + web.port() + path)
                .responseSingle((res, body) -> body.asString().defaultIfEmpty("").map(s -> res.status().code() + " " + s))
                .block(T);
    }

    private long pending() {
        return inbox.pending().block(T);
    }

    @Test
    void aHandledUpdateKeepsOnlyItsIdAndGoesAfterTheRetention() {
        UpdateInbox pruning = new UpdateInbox(db, "replica-p", this::count, 8, Duration.ofMinutes(1), metrics.registry(),
                Duration.ofHours(48));
        assertThat(pruning.store(31, message(31, 5, "my private words")).block(T)).isTrue();
        assertThat(pruning.store(32, message(32, 5, "more private words")).block(T)).isTrue();
        pruning.drain().block(T);
        assertThat(handled).containsOnlyKeys(31, 32);
        assertThat(db.sql().query("SELECT body FROM updates", r -> r.get("body", String.class)).collectList().block(T))
                .as("bodies dropped once handled").containsOnly("");
        assertThat(pruning.store(31, message(31, 5, "my private words")).block(T)).as("a repeat is still recognised").isFalse();
        assertThat(pruning.prune().block(T)).as("nothing older than the retention").isZero();

        db.sql().update("UPDATE updates SET processed_at = now() - interval '49 hours' WHERE update_id = 31").block(T);
        assertThat(pruning.prune().block(T)).isEqualTo(1);
        assertThat(db.sql().query("SELECT update_id FROM updates", r -> r.get("update_id", Long.class)).collectList().block(T))
                .containsExactly(32L);
    }
}
