package io.tidings.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidings.store.Database;
import io.tidings.store.DatabaseConfig;
import io.tidings.store.ModelRepository;
import io.tidings.telegram.TelegramException;
import io.tidings.testkit.botapi.LocalBotApiServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A start that fails half-way closes what it opened: no embedded PostgreSQL process, no thread of ours, no
 * listening port is left behind.
 */
@org.junit.jupiter.api.parallel.Isolated("counts the threads an App leaves behind: counted alone")
class AppLifecycleTest {

    private static final String TOKEN = "333333:lifecycle";
    private static final List<String> OUR_THREADS = List.of("scoring", "training", "telegram-calls", "candidates", "tidings-db",
            "OkHttp Dispatcher");

    private Path dir;

    @BeforeEach
    void folder() throws IOException {
        dir = Files.createTempDirectory("tidings-lifecycle");
    }

    @AfterEach
    void removeFolder() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void aStoredModelThatCannotBeReadStopsStartUpAndLeavesNothingBehind() {
        // the embedded database of the app to come (a copy of the migrated template), holding a model version that is not
        // a model
        io.tidings.TestDatabase.seed(dir.resolve("pg"));
        try (Database db = Database.start(DatabaseConfig.custom().embeddedDataDir(dir.resolve("pg")).build())) {
            new ModelRepository(db).save("full", 1, 1, "not a model".getBytes(StandardCharsets.UTF_8),
                    "nor this".getBytes(StandardCharsets.UTF_8), "broken").block(Duration.ofSeconds(30));
        }
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        Config config = Config.fromEnv(Map.of("TELEGRAM_BOT_TOKEN", TOKEN, "TELEGRAM_API_URL", "http://127.0.0.1:9/bot",
                "DATA_DIR", dir.toString(), "HTTP_PORT", "0"));

        assertThatThrownBy(() -> App.start(config, App.Loops.ALL)).hasStackTraceContaining("not a tidings model");

        assertNothingLeft(before);
    }

    @Test
    void aTakenHttpPortStopsStartUpAfterTheClusterJoinedAndGivesEverythingBack() throws Exception {
        // an empty DATA_DIR: the app makes its embedded database (initdb and every migration) as in production
        try (ServerSocket taken = new ServerSocket(0);
             LocalBotApiServer telegram = LocalBotApiServer.start("444444:the-right-token")) {
            Set<Thread> before = Thread.getAllStackTraces().keySet();
            Config config = Config.fromEnv(Map.of("TELEGRAM_BOT_TOKEN", "444444:the-right-token",
                    "TELEGRAM_API_URL", telegram.apiUrl(), "DATA_DIR", dir.toString(),
                    "HTTP_PORT", Integer.toString(taken.getLocalPort())));

            assertThatThrownBy(() -> App.start(config, App.Loops.NO_INGEST_MAILINGS_TRAINING)).isNotNull();

            assertNothingLeft(before);
        }
    }

    @Test
    void telegramRefusingTheTokenDoesNotStopStartUpAndCloseGivesEverythingBack() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        io.tidings.TestDatabase.seed(dir.resolve("pg")); // a copy of the migrated template: the test is about closing
        try (LocalBotApiServer telegram = LocalBotApiServer.start("444444:the-right-token")) {
            Set<Thread> before = Thread.getAllStackTraces().keySet();
            Config config = Config.fromEnv(Map.of("TELEGRAM_BOT_TOKEN", "444444:a-wrong-token",
                    "TELEGRAM_API_URL", telegram.apiUrl(), "DATA_DIR", dir.toString(), "HTTP_PORT", Integer.toString(port),
                    "WEBHOOK_URL", "http://127.0.0.1:" + port + "/hook", "WEBHOOK_SECRET", "lifecycle-secret",
                    "HEARTBEAT_SECONDS", "1", "REPLICA_TTL_SECONDS", "3"));

            // start-up never depends on Telegram: the webhook is registered in the background once the token works
            App app = App.start(config, App.Loops.NO_INGEST_MAILINGS_TRAINING);
            io.tidings.Await.until("setWebhook tried and refused",
                    () -> telegram.calls("setWebhook").stream().anyMatch(c -> c.status() == 401)
                            || telegram.calls("getMe").stream().anyMatch(c -> c.status() == 401), Duration.ofSeconds(30));
            app.close();

            assertNothingLeft(before);
            try (ServerSocket again = new ServerSocket(port)) {
                assertThat(again.getLocalPort()).as("the HTTP port is free again").isEqualTo(port);
            }
        }
    }

    /** The app's embedded PostgreSQL has stopped, and no thread it started is alive. */
    private void assertNothingLeft(Set<Thread> before) {
        String data = dir.resolve("pg").toString();
        io.tidings.Await.until("the embedded PostgreSQL stopped", () -> postgresOf(data).isEmpty(), Duration.ofSeconds(30));
        assertThat(Files.exists(dir.resolve("pg").resolve("postmaster.pid"))).as("postmaster.pid").isFalse();
        io.tidings.Await.until("the app's threads ended", () -> ours(before).isEmpty(), Duration.ofSeconds(30));
    }

    private static List<String> postgresOf(String dataDir) {
        return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
                .map(p -> p.info().commandLine().orElse(""))
                .filter(cmd -> cmd.contains("postgres") && cmd.contains(dataDir)).toList();
    }

    /** Threads started since {@code before} that are ours, or that would keep the JVM alive. */
    private static List<String> ours(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.isAlive())
                .filter(t -> !t.isDaemon() || OUR_THREADS.stream().anyMatch(t.getName()::startsWith))
                .map(Thread::getName).toList();
    }
}
