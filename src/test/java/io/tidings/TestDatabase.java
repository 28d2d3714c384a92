package io.tidings;

import io.tidings.store.ChannelRepository;
import io.tidings.store.Database;
import io.tidings.store.DatabaseConfig;
import io.tidings.store.PostKind;
import io.tidings.store.PostRepository;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One embedded PostgreSQL for the whole test JVM (starting one takes seconds), on a copy of the build's migrated
 * template ({@link PgTemplate}: made once by the same code as production). {@link #reset()} empties every table
 * between tests.
 */
public final class TestDatabase {

    private static Database shared;

    private TestDatabase() {}

    public static synchronized Database shared() {
        if (shared == null) {
            try {
                Path dir = Files.createTempDirectory("tidings-test-pg");
                PgTemplate.copyTo(dir.resolve("pg"));
                shared = Database.start(DatabaseConfig.custom().embeddedDataDir(dir.resolve("pg")).poolMaxSize(12).build());
                Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "test-db-stop"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shared;
    }

    /** A {@code DATABASE_URL} for the shared database, so an {@code App} under test connects to it instead of starting its own. */
    public static String url() {
        return shared().url();
    }

    /**
     * An embedded PostgreSQL of a test's own, on {@code dir}'s data (kept between starts; an empty {@code dir} gets a copy
     * of the migrated template), on {@code port} or any free one (0): a test stops it and starts it again on the same data
     * and port to see what a restart does.
     */
    public static io.zonky.test.db.postgres.embedded.EmbeddedPostgres ownServer(Path dir, int port) throws IOException {
        if (Files.notExists(dir)) {
            PgTemplate.copyTo(dir);
        } else {
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isEmpty()) PgTemplate.copyTo(dir);
            }
        }
        var b = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false)
                .setPGStartupWait(Duration.ofSeconds(60));
        if (port > 0) b.setPort(port);
        return b.start();
    }

    /**
     * Fills the absent or empty embedded data folder {@code dataDir} with a copy of the build's migrated template, so an
     * {@code App} or {@link Database#start} on it skips initdb (seconds, most of them fsync).
     */
    public static void seed(Path dataDir) {
        PgTemplate.copyTo(dataDir);
    }

    /** A {@code DATABASE_URL} for such a server (it has no TLS). */
    public static String urlOf(io.zonky.test.db.postgres.embedded.EmbeddedPostgres pg) {
        return "postgresql://postgres@localhost:" + pg.getPort() + "/postgres?sslmode=disable";
    }

    /** One post of one channel queued as a mailing for readers 1..{@code readers}, who are created here. */
    public static void queueMailing(Database db, int readers) {
        Duration t = Duration.ofSeconds(30);
        long channel = new ChannelRepository(db).ensure("news").block(t).id();
        long post = new PostRepository(db).insertIfAbsent(new PostRepository.NewPost(channel, 1, Instant.now(), PostKind.TEXT,
                "Big news", "Big news", List.of(), 100, null)).block(t).id();
        db.sql().update("INSERT INTO readers (id, first_name, language) SELECT g, 'r' || g, 'en' FROM generate_series(1, $1) g",
                readers).block(t);
        db.sql().update("INSERT INTO deliveries (reader_id, post_id, reason) SELECT g, $1, 'mailing' FROM generate_series(1, $2) g",
                post, readers).block(t);
    }

    /** Empties every table and restarts the sequences. */
    public static Database reset() {
        Database db = shared();
        // every table but Flyway's, as the catalog lists them: a table a migration adds is emptied too
        String tables = db.sql().query("SELECT quote_ident(tablename) AS t FROM pg_tables WHERE schemaname = current_schema()"
                        + " AND tablename <> 'flyway_schema_history'", r -> r.get("t", String.class))
                .collectList().map(names -> String.join(", ", names)).block(Duration.ofSeconds(30));
        db.sql().update("TRUNCATE " + tables + " RESTART IDENTITY CASCADE").block(Duration.ofSeconds(30));
        return db;
    }
}
