package io.tidings.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.app.App;
import io.tidings.app.Config;
import io.tidings.testkit.botapi.LocalBotApiServer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import reactor.netty.http.client.HttpClient;

/** The whole app in webhook mode: it registers the webhook (retrying while Telegram is down) and answers a reader who writes /start. */
class AppWebhookTest {

    private static final String TOKEN = "222222:app-webhook";

    @Test
    void theAppRegistersItsWebhookAndAnswersUpdatesDeliveredThroughIt() throws Exception {
        Path dir = Files.createTempDirectory("tidings-app-webhook");
        io.tidings.TestDatabase.seed(dir.resolve("pg")); // the app's embedded database: a copy of the migrated template
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (LocalBotApiServer telegram = LocalBotApiServer.start(TOKEN)) {
            Config config = Config.fromEnv(Map.of("TELEGRAM_BOT_TOKEN", TOKEN, "TELEGRAM_API_URL", telegram.apiUrl(),
                    "DATA_DIR", dir.toString(), "HTTP_PORT", Integer.toString(port),
                    "WEBHOOK_URL", "http://127.0.0.1:" + port + "/hook/tidings", "WEBHOOK_SECRET", "app-secret",
                    "WEBHOOK_MAX_CONNECTIONS", "7", "HEARTBEAT_SECONDS", "1", "REPLICA_TTL_SECONDS", "3"));
            // Telegram is down at start-up: the app starts anyway and registers the webhook when it can
            telegram.faults().next("setWebhook", io.tidings.testkit.botapi.Fault.serverError(), 2);
            App app = App.start(config, App.Loops.NO_INGEST_MAILINGS_TRAINING);
            try {
                long registered = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (telegram.calls("setWebhook").stream().noneMatch(c -> c.ok()) && System.nanoTime() < registered) Thread.sleep(50);
                var set = telegram.calls("setWebhook").stream().filter(c -> c.ok()).toList();
                assertThat(telegram.calls("setWebhook")).hasSize(3);
                assertThat(set).hasSize(1);
                assertThat(set.get(0).param("url")).isEqualTo("http://127.0.0.1:" + port + "/hook/tidings");
                assertThat(set.get(0).param("secret_token")).isEqualTo("app-secret");
                assertThat(set.get(0).param("max_connections")).isEqualTo("7");
                assertThat(set.get(0).param("allowed_updates")).contains("callback_query");

                telegram.pushMessage(42, "/start", "en");
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (telegram.sentTo(42).isEmpty() && System.nanoTime() < deadline) Thread.sleep(50);
                assertThat(telegram.sentTo(42)).isNotEmpty(); // the greeting
                assertThat(telegram.calls("getUpdates")).isEmpty();
                assertThat(app.cluster().liveReplicas()).isEqualTo(1);
                String metrics = HttpClient.create().get().uri("http://127.0.0.1:" + port + "/metrics")
                        .responseSingle((res, body) -> body.asString()).block(Duration.ofSeconds(10));
                assertThat(metrics).contains("tidings_updates_received_total{source=\"webhook\"} 1.0")
                        .contains("tidings_replicas_live 1.0").contains("tidings_deliveries_queued")
                        .contains("tidings_loop_ticks_total{loop=\"heartbeat\"}");
                // every background loop of the app counts on the registry /metrics shows (none on a JVM-wide one)
                for (String loop : List.of("heartbeat-watch", "take-over", "lease-expiry", "new-posts", "re-rank",
                        "fresh-pool-eviction", "preferences", "update-inbox", "model-watch")) {
                    assertThat(metrics).contains("tidings_loop_ticks_total{loop=\"" + loop + "\"}");
                }
            } finally {
                app.close(Duration.ofSeconds(5));
            }
            assertThat(app.database()).isNotNull();
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
