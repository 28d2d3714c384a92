package io.tidings.app;

import static io.tidings.app.E2e.T;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.render.Messages;
import io.tidings.testkit.botapi.SentMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An update whose handling fails (here: the database refuses to store one reader, by a trigger that raises an error a
 * given number of times) arriving by long polling: tried again a few times, and when it keeps failing, set aside in the
 * updates table with its error, counted in {@code tidings_updates_given_up_total}, and the reader asked to try again;
 * the updates after it are handled as usual.
 */
class UpdateFailuresE2eTest {

    private static final Messages MESSAGES = new Messages();
    private static final Pattern GIVEN_UP = Pattern.compile("(?m)^tidings_updates_given_up_total(?:\\{[^}]*})? (\\S+)$");

    private E2e e2e;

    @BeforeEach
    void setUp() {
        e2e = new E2e().channel("alphanews", 4);
        // the shared test database is emptied between tests, not rebuilt: the trigger goes in @AfterEach
        e2e.db.sql().update("CREATE SEQUENCE test_refusals").block(T);
        e2e.db.sql().update("CREATE TABLE test_refused (reader bigint PRIMARY KEY, times bigint NOT NULL)").block(T);
        e2e.db.sql().update("CREATE FUNCTION test_refuse_reader() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                + " IF EXISTS (SELECT 1 FROM test_refused WHERE reader = NEW.id AND times >= nextval('test_refusals'))"
                + " THEN RAISE EXCEPTION 'injected fault: reader % not stored', NEW.id; END IF; RETURN NEW; END $$").block(T);
        e2e.db.sql().update("CREATE TRIGGER test_refuse_reader BEFORE INSERT ON readers FOR EACH ROW"
                + " EXECUTE FUNCTION test_refuse_reader()").block(T);
        // the same for a reader's deliveries: a write that comes after the bot has replied (the greeting of /start)
        e2e.db.sql().update("CREATE TABLE test_refused_deliveries (reader bigint PRIMARY KEY, times bigint NOT NULL)").block(T);
        e2e.db.sql().update("CREATE FUNCTION test_refuse_delivery() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                + " IF EXISTS (SELECT 1 FROM test_refused_deliveries WHERE reader = NEW.reader_id AND times >= nextval('test_refusals'))"
                + " THEN RAISE EXCEPTION 'injected fault: post for reader % not queued', NEW.reader_id; END IF; RETURN NEW; END $$")
                .block(T);
        e2e.db.sql().update("CREATE TRIGGER test_refuse_delivery BEFORE INSERT ON deliveries FOR EACH ROW"
                + " EXECUTE FUNCTION test_refuse_delivery()").block(T);
        e2e.start(List.of("alphanews"));
        e2e.ingest();
    }

    @AfterEach
    void tearDown() {
        try {
            if (e2e != null) e2e.close();
        } finally {
            var sql = io.tidings.TestDatabase.shared().sql();
            sql.update("DROP TRIGGER IF EXISTS test_refuse_reader ON readers").block(T);
            sql.update("DROP FUNCTION IF EXISTS test_refuse_reader()").block(T);
            sql.update("DROP TABLE IF EXISTS test_refused").block(T);
            sql.update("DROP TRIGGER IF EXISTS test_refuse_delivery ON deliveries").block(T);
            sql.update("DROP FUNCTION IF EXISTS test_refuse_delivery()").block(T);
            sql.update("DROP TABLE IF EXISTS test_refused_deliveries").block(T);
            sql.update("DROP SEQUENCE IF EXISTS test_refusals").block(T);
        }
    }

    /** The chat of {@code reader}, whom the database refuses to store the next {@code times} times it is asked. */
    private Chat refused(long reader, int times) {
        e2e.db.sql().update("INSERT INTO test_refused (reader, times) VALUES ($1, $2 + nextval('test_refusals'))",
                reader, times).block(T);
        return new Chat(e2e, reader, "en");
    }

    /** The database refuses to queue posts for {@code reader} the next {@code times} times it is asked. */
    private void refuseDeliveries(long reader, int times) {
        e2e.db.sql().update("INSERT INTO test_refused_deliveries (reader, times) VALUES ($1, $2 + nextval('test_refusals'))",
                reader, times).block(T);
    }

    /** The bot's replies to {@code reader} that start with {@code start}. */
    private static List<String> repliesStartingWith(Chat reader, String start) {
        return reader.replies().stream().map(SentMessage::textOrCaption).filter(t -> t.startsWith(start)).toList();
    }

    @Test
    void aFailureAfterTheReplyIsTriedAgainWithoutSendingTheReplyAgain() {
        double before = givenUp();
        refuseDeliveries(5301, 1);
        Chat reader = new Chat(e2e, 5301, "en");
        assertThat(reader.say("/start").text()).startsWith("Hi");

        e2e.awaitPost(5301, 1); // the second attempt queued the first post
        e2e.awaitUpdatesHandled();
        assertThat(repliesStartingWith(reader, "Hi")).hasSize(1);
        assertThat(e2e.count("SELECT count(*) FROM updates WHERE error IS NOT NULL")).isZero();
        assertThat(givenUp()).isEqualTo(before);
    }

    @Test
    void aFailureAfterTheReplyThatLastsGetsOneReplyAndOneApology() {
        refuseDeliveries(5401, 1000);
        Chat reader = new Chat(e2e, 5401, "en");
        assertThat(reader.say("/start").text()).startsWith("Hi");

        E2e.await("the update set aside", () -> e2e.count("SELECT count(*) FROM updates WHERE processed_at IS NOT NULL"
                + " AND attempts = 3 AND error LIKE '%injected fault: post for reader 5401 not queued%'") == 1);
        E2e.await("the apology", () -> repliesStartingWith(reader, MESSAGES.get("en", "try_again")).size() == 1);
        e2e.awaitUpdatesHandled();
        assertThat(repliesStartingWith(reader, "Hi")).hasSize(1);
        assertThat(reader.replies()).hasSize(2);
    }

    @Test
    void aFailureThatPassesIsRiddenOutByTryingAgain() {
        double before = givenUp();
        Chat reader = refused(5101, 2);
        SentMessage greeting = reader.say("/start");

        assertThat(greeting.text()).startsWith("Hi");
        e2e.awaitPost(5101, 1);
        assertThat(e2e.count("SELECT count(*) FROM readers WHERE id = 5101")).isEqualTo(1);
        assertThat(e2e.count("SELECT count(*) FROM updates WHERE error IS NOT NULL")).isZero();
        assertThat(givenUp()).isEqualTo(before);
    }

    @Test
    void aFailureThatLastsIsSetAsideWithItsErrorCountedAndTheReaderAskedToTryAgain() {
        double before = givenUp();
        Chat reader = refused(5201, 1000);
        SentMessage answer = reader.say("/start");

        assertThat(answer.text()).isEqualTo(MESSAGES.get("en", "try_again"));
        assertThat(e2e.count("SELECT count(*) FROM readers WHERE id = 5201")).isZero();
        E2e.await("the update set aside", () -> e2e.count("SELECT count(*) FROM updates WHERE processed_at IS NOT NULL"
                + " AND attempts = 3 AND error LIKE '%injected fault: reader 5201 not stored%'") == 1);
        E2e.await("counted", () -> givenUp() == before + 1);
        assertThat(e2e.db.sql().one("SELECT error FROM updates", r -> r.get("error", String.class)).block(T))
                .doesNotContain(E2e.TOKEN).doesNotContain("password");

        // the next reader, and the same one once the database stores them again, are served as usual
        Chat next = new Chat(e2e, 5202, "en");
        assertThat(next.say("/start").text()).startsWith("Hi");
        e2e.db.sql().update("DELETE FROM test_refused").block(T);
        assertThat(reader.say("/start").text()).startsWith("Hi");
        e2e.awaitPost(5201, 1);
    }

    private double givenUp() {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + e2e.app().httpPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            Matcher m = GIVEN_UP.matcher(r.body());
            return m.find() ? Double.parseDouble(m.group(1)) : 0;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
