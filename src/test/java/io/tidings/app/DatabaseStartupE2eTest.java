package io.tidings.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.TestDatabase;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A pod that starts while PostgreSQL is still starting (a database of the test's own, stopped, then started a few
 * seconds after the App): start-up waits for it with backoff instead of failing, and the bot then works.
 */
class DatabaseStartupE2eTest {

    private Path dir;
    private EmbeddedPostgres postgres;
    private E2e e2e;

    @AfterEach
    void tearDown() throws IOException {
        if (e2e != null) e2e.close();
        if (postgres != null) postgres.close();
    }

    @Test
    void theAppWaitsForADatabaseThatStartsAfterIt() throws Exception {
        dir = Files.createTempDirectory("tidings-startup-pg");
        EmbeddedPostgres first = TestDatabase.ownServer(dir, 0); // made once, so the data folder exists
        int port = first.getPort();
        String url = TestDatabase.urlOf(first);
        first.close();

        CompletableFuture<EmbeddedPostgres> later = CompletableFuture.supplyAsync(() -> {
            try {
                return TestDatabase.ownServer(dir, port);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, CompletableFuture.delayedExecutor(4, TimeUnit.SECONDS));

        e2e = new E2e(null, url).channel("alphanews", 3);
        long t0 = System.nanoTime();
        e2e.start(List.of("alphanews")); // blocks until the database is there and the App is up
        long waited = System.nanoTime() - t0;
        postgres = later.get(1, TimeUnit.MINUTES);

        assertThat(Duration.ofNanos(waited)).as("start-up waited for the database").isGreaterThanOrEqualTo(Duration.ofSeconds(3));
        assertThat(e2e.ingest()).isEqualTo(3);
        e2e.telegram.pushMessage(6001, "/start", "en");
        e2e.awaitPost(6001, 1);
    }
}
