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
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The test's embedded PostgreSQL (starting one takes seconds), on a copy of the build's migrated template
 * ({@link PgTemplate}: made once by the same code as production). {@link #reset()} empties every table between tests.
 *
 * <p>Test classes run side by side in one JVM (JUnit's parallel classes), so every running class has a server of its
 * own: {@link DatabasePerClass} lends one to a class on the thread that runs it and takes it back when the class ends,
 * for the next class to reuse (emptied by its {@link #reset()}); one class at a time, one server serves them all. Servers take
 * ports below the kernel's ephemeral range ({@link TestPorts}), so an outgoing connection can never sit on a port a
 * server is about to bind, or one a test stopped its server on and means to start it on again.
 */
public final class TestDatabase {

    private static final Logger log = LoggerFactory.getLogger(TestDatabase.class);
    /** Servers no running class holds, the most recently returned first (its pages are warm). */
    private static final Deque<Database> idle = new ArrayDeque<>();
    /** The loans of the classes running on this thread, innermost last: a thread can start a class inside another. */
    private static final ThreadLocal<Deque<Loan>> loans = ThreadLocal.withInitial(ArrayDeque::new);

    private TestDatabase() {}

    /** A class's claim on a server, made when it starts and filled at its first use (most unit classes never use it). */
    static final class Loan {
        private Database db;
    }

    public static Database shared() {
        Loan loan = loans.get().peekLast();
        if (loan == null) {
            throw new IllegalStateException("TestDatabase.shared() on thread " + Thread.currentThread().getName()
                    + ", which runs no test class: with classes side by side each has its own database, lent on the"
                    + " class's thread; call it from the test's thread");
        }
        if (loan.db == null) loan.db = borrow();
        return loan.db;
    }

    static void classStarted() {
        loans.get().addLast(new Loan());
    }

    static void classFinished() {
        Loan loan = loans.get().pollLast();
        if (loan != null && loan.db != null) giveBack(loan.db);
    }

    private static Database borrow() {
        synchronized (idle) {
            Database db = idle.pollFirst();
            if (db != null) return db;
        }
        return start();
    }

    private static void giveBack(Database db) {
        synchronized (idle) {
            idle.addFirst(db);
        }
    }

    private static Database start() {
        try {
            Path dir = Files.createTempDirectory("tidings-test-pg");
            EmbeddedPostgres pg = ownServer(dir.resolve("pg"), 0);
            Database db;
            try {
                db = Database.start(DatabaseConfig.custom().url(urlOf(pg)).poolMaxSize(12).build());
            } catch (RuntimeException e) {
                pg.close();
                throw e;
            }
            log.info("test database on port {} for {}", pg.getPort(), Thread.currentThread().getName());
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                db.close();
                try {
                    pg.close();
                } catch (IOException e) {
                    log.warn("test database on port {} did not stop cleanly: {}", pg.getPort(), e.toString());
                }
            }, "test-db-stop"));
            return db;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A {@code DATABASE_URL} for the test's database ({@link #shared()}), so an {@code App} under test connects to it instead of starting its own. */
    public static String url() {
        return shared().url();
    }

    /**
     * An embedded PostgreSQL of a test's own, on {@code dir}'s data (kept between starts; an empty {@code dir} gets a copy
     * of the migrated template), on {@code port} or any free one (0): a test stops it and starts it again on the same data
     * and port to see what a restart does.
     */
    public static EmbeddedPostgres ownServer(Path dir, int port) throws IOException {
        if (Files.notExists(dir)) {
            PgTemplate.copyTo(dir);
        } else {
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isEmpty()) PgTemplate.copyTo(dir);
            }
        }
        if (port > 0) return server(dir, port);
        IOException failed = null;
        for (int attempt = 0; attempt < 3; attempt++) { // a port another build's JVM just took: the next one
            try {
                return server(dir, TestPorts.next());
            } catch (IOException | RuntimeException e) {
                if (failed == null) failed = new IOException("embedded PostgreSQL did not start on three ports");
                failed.addSuppressed(e);
                log.warn("embedded PostgreSQL did not start (attempt {}): {}", attempt + 1, e.toString());
            }
        }
        throw failed;
    }

    private static EmbeddedPostgres server(Path dir, int port) throws IOException {
        return EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false)
                .setPGStartupWait(Duration.ofSeconds(60)).setPort(port).start();
    }

    /**
     * Fills the absent or empty embedded data folder {@code dataDir} with a copy of the build's migrated template, so an
     * {@code App} or {@link Database#start} on it skips initdb (seconds, most of them fsync).
     */
    public static void seed(Path dataDir) {
        PgTemplate.copyTo(dataDir);
    }

    /** A {@code DATABASE_URL} for such a server (it has no TLS). */
    public static String urlOf(EmbeddedPostgres pg) {
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
