package io.tidings.feed;

import io.tidings.delivery.DeliverySender;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.Await;
import io.tidings.TestDatabase;
import io.tidings.store.Database;
import io.tidings.store.DatabaseConfig;
import io.tidings.store.DeliveryRepository;
import io.tidings.store.ReaderRepository;
import io.tidings.render.CallbackData;
import io.tidings.render.Messages;
import io.tidings.render.PostRenderer;
import io.tidings.telegram.TelegramClient;
import io.tidings.telegram.TelegramClientConfig;
import io.tidings.testkit.botapi.LocalBotApiServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;

/**
 * The database goes away in the middle of a mailing and comes back on the same data and port (its own
 * embedded PostgreSQL, not the shared one): the mailing completes, every reader gets the post exactly once,
 * and the outbox says so.
 */
class DatabaseRestartMailingTest {

    private static final Duration T = Duration.ofSeconds(30);
    private static final String TOKEN = "123456:restart";
    private static final int READERS = 600;
    private static final double RATE = 100;

    private Path dir;
    private EmbeddedPostgres postgres;
    private int port;
    private Database db;
    private LocalBotApiServer telegram;
    private TelegramClient client;
    private Disposable sending;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("tidings-restart-pg");
        postgres = embedded(0);
        port = postgres.getPort();
        db = Database.start(DatabaseConfig.custom().url(TestDatabase.urlOf(postgres))
                .poolMaxSize(6).acquireTimeout(Duration.ofSeconds(2)).connectTimeout(Duration.ofSeconds(2)).build());
        telegram = LocalBotApiServer.start(TOKEN);
        client = TelegramClient.create(TelegramClientConfig.custom(TOKEN).apiUrl(telegram.apiUrl()).build());
    }

    private EmbeddedPostgres embedded(int onPort) throws IOException {
        return TestDatabase.ownServer(dir, onPort);
    }

    @AfterEach
    void tearDown() throws IOException {
        if (sending != null) sending.dispose();
        client.close();
        telegram.close();
        db.close();
        postgres.close();
    }

    @Test
    void theDatabaseRestartedMidMailingLosesNothingAndRepeatsNothing() throws Exception {
        TestDatabase.queueMailing(db, READERS);
        telegram.simulateLimits((int) RATE, true);
        // a short lease, so claims whose answer the outage swallowed come back within the test
        DeliverySender sender = new DeliverySender(new DeliveryRepository(db), new ReaderRepository(db), client,
                new PostRenderer(new CallbackData("key".getBytes()), new Messages()), "restart", RATE, Duration.ofMillis(200),
                Duration.ofSeconds(3), Schedulers.parallel());
        sending = sender.start(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());

        Await.until("a quarter of the mailing sent", () -> sends() >= READERS / 4, Duration.ofSeconds(60));
        postgres.close();
        long sentWhileDown = sends();
        Thread.sleep(3000); // the sender runs dry: what it had marked goes out, nothing new can be claimed
        long sentDuringOutage = sends() - sentWhileDown;
        postgres = embedded(port);

        Await.until("the mailing completes", () -> open() == 0, Duration.ofSeconds(90));
        Await.until("every outcome recorded", () -> count("sent") == READERS, Duration.ofSeconds(30));

        for (long reader = 1; reader <= READERS; reader++) {
            assertThat(telegram.sentTo(reader)).as("messages to reader %d", reader).hasSize(1);
        }
        assertThat(telegram.calls().stream().filter(c -> c.status() == 429)).isEmpty();
        assertThat(sentDuringOutage).as("sends marked before the outage still go out, nothing more").isLessThan((long) RATE);
    }

    private long sends() {
        return telegram.calls("sendMessage").stream().filter(c -> c.ok()).count();
    }

    private long open() {
        return db.sql().one("SELECT count(*) AS n FROM deliveries WHERE state IN ('queued', 'claimed', 'sending')",
                r -> r.get("n", Long.class)).onErrorReturn(-1L).block(T);
    }

    private long count(String state) {
        return new DeliveryRepository(db).count(state).onErrorReturn(-1L).block(T);
    }
}
