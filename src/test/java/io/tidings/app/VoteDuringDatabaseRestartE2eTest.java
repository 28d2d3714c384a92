package io.tidings.app;

import io.tidings.TestDatabase;

import static io.tidings.app.E2e.T;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.render.Messages;
import io.tidings.store.Database;
import io.tidings.store.DatabaseConfig;
import io.tidings.testkit.botapi.SentMessage;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The database is stopped while a reader votes (its own embedded PostgreSQL, restarted on the same data and port):
 * a vote pressed during a short outage is retried and stored, and the reader is thanked as usual; one that cannot be
 * stored within the retries gets a polite "press again", never "that post is no longer available", and pressing
 * again once the database is back stores it.
 */
class VoteDuringDatabaseRestartE2eTest {

    private static final long READER = 4242;
    private static final Messages MESSAGES = new Messages();

    private Path dir;
    private EmbeddedPostgres postgres;
    private int port;
    private Database db;
    private E2e e2e;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("tidings-vote-pg");
        postgres = embedded(0);
        port = postgres.getPort();
        String url = TestDatabase.urlOf(postgres);
        db = Database.start(DatabaseConfig.custom().url(url).poolMaxSize(2).acquireTimeout(Duration.ofSeconds(2))
                .connectTimeout(Duration.ofSeconds(2)).build());
        e2e = new E2e(db, url).channel("alphanews", 4);
        e2e.start(List.of("alphanews"));
        assertThat(e2e.ingest()).isEqualTo(4);
    }

    private EmbeddedPostgres embedded(int onPort) throws IOException {
        return TestDatabase.ownServer(dir, onPort);
    }

    @AfterEach
    void tearDown() throws IOException {
        if (e2e != null) e2e.close();
        db.close();
        postgres.close();
    }

    @Test
    void aVotePressedWhileTheDatabaseRestartsIsStoredAndTheReaderThanked() throws IOException {
        SentMessage post = startAndGetAPost();
        int answers = answers().size();

        postgres.close();
        e2e.telegram.pushCallbackQuery(READER, post.messageId(), post.button("👍").callbackData());
        postgres = embedded(port);

        E2e.await("the vote answered", () -> answers().size() > answers, T);
        assertThat(answers().get(answers).param("text")).isEqualTo(MESSAGES.get("en", "vote.liked"));
        E2e.await("the vote stored", () -> likes() == 1, T);
        e2e.awaitPost(READER, 2); // and the next post follows, as after any first vote
    }

    @Test
    void aVoteThatCannotBeStoredGetsAPoliteAnswerAndPressingAgainLaterWorks() throws IOException {
        SentMessage post = startAndGetAPost();
        int answers = answers().size();

        postgres.close();
        e2e.telegram.pushCallbackQuery(READER, post.messageId(), post.button("👍").callbackData());
        E2e.await("the vote answered", () -> answers().size() > answers, T);
        String toast = answers().get(answers).param("text");
        // the reader's settings are read first, and cannot be: asked to try again (a vote that fails after
        // them is answered vote.not_saved, as politely)
        assertThat(toast).isEqualTo(MESSAGES.get("en", "try_again")).isNotEqualTo(MESSAGES.get("en", "callback.unknown_post"));

        postgres = embedded(port);
        e2e.telegram.pushCallbackQuery(READER, post.messageId(), post.button("👍").callbackData());
        E2e.await("the second press answered", () -> answers().size() > answers + 1, T);
        assertThat(answers().get(answers + 1).param("text")).isEqualTo(MESSAGES.get("en", "vote.liked"));
        E2e.await("the vote stored", () -> likes() == 1, T);
    }

    private SentMessage startAndGetAPost() {
        e2e.telegram.pushMessage(READER, "/start", "en");
        SentMessage post = e2e.awaitPost(READER, 1);
        e2e.awaitOutboxEmpty();
        return post;
    }

    private List<io.tidings.testkit.botapi.RecordedCall> answers() {
        return e2e.telegram.calls("answerCallbackQuery");
    }

    private long likes() {
        return db.sql().one("SELECT count(*) AS n FROM votes WHERE reader_id = $1 AND liked", r -> r.get("n", Long.class), READER)
                .onErrorReturn(-1L).block(T);
    }
}
