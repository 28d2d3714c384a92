package io.tidings.store;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.postgresql.client.SSLMode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.resources.LoopResources;

/**
 * The running database: an external PostgreSQL or an embedded one, migrated with Flyway over a short
 * JDBC connection, then reached through an R2DBC connection pool.
 */
public final class Database implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Database.class);

    private final EmbeddedPostgres embedded;
    private final ConnectionPool pool;
    private final LoopResources loops;
    private final Sql sql;
    private final Target target;

    private Database(EmbeddedPostgres embedded, ConnectionPool pool, LoopResources loops, Target target) {
        this.embedded = embedded;
        this.pool = pool;
        this.loops = loops;
        this.sql = new Sql(pool);
        this.target = target;
    }

    /** Starts (when embedded), migrates and connects. Blocking: call at start-up, not on an event loop. */
    public static Database start(DatabaseConfig config) {
        EmbeddedPostgres embedded = null;
        Target target;
        try {
            if (config.url().isPresent()) {
                target = Target.of(config.url().get());
            } else {
                Files.createDirectories(config.embeddedDataDir());
                embedded = EmbeddedPostgres.builder()
                        .setDataDirectory(config.embeddedDataDir())
                        .setCleanDataDirectory(false)
                        .setPGStartupWait(Duration.ofSeconds(60))
                        .start();
                target = new Target("localhost", embedded.getPort(), "postgres", "postgres", "", SSLMode.DISABLE, null);
                log.info("embedded PostgreSQL on port {} with data in {}", embedded.getPort(), config.embeddedDataDir());
            }
            long deadline = System.nanoTime() + config.startupWait().toNanos();
            try {
                untilReachable(target, deadline, () -> migrate(target, config));
            } catch (RuntimeException e) {
                // the driver's message, said once and plainly, without the password
                throw new IllegalStateException("cannot reach the database " + target + ": " + target.scrub(rootMessage(e)), null);
            }
            // the driver's I/O threads, this database's own rather than the process-wide TcpResources: closing it
            // stops them, and another Database in the process (tests run several apps in one JVM) never waits behind
            // this one's work on them
            LoopResources loops = LoopResources.create("tidings-db", Math.max(2, Runtime.getRuntime().availableProcessors()), true);
            try {
                ConnectionPool pool = pool(target, config, loops);
                try {
                    // the first connections, made now: under load one can take longer than the connect timeout
                    untilReachable(target, deadline, () -> pool.warmup().block(config.connectTimeout().multipliedBy(2)));
                } catch (RuntimeException e) {
                    pool.dispose();
                    throw new IllegalStateException("cannot connect to the database " + target + ": " + target.scrub(rootMessage(e)), null);
                }
                return new Database(embedded, pool, loops, target);
            } catch (RuntimeException e) { // the pool not made or not connected: its threads go too
                loops.dispose();
                throw e;
            }
        } catch (IOException e) {
            closeQuietly(embedded);
            throw new UncheckedIOException("could not start the embedded PostgreSQL", e);
        } catch (RuntimeException e) {
            closeQuietly(embedded);
            throw e;
        }
    }

    /**
     * Runs {@code step} until it works or {@code deadline} (nanoTime) passes, waiting 0.5 s, then twice as long up to 5 s,
     * between attempts, while the failure says the server is not there or not ready yet (a database starting beside the
     * application); any other failure (a wrong password, say) at once. Each attempt is logged, without the password.
     */
    static void untilReachable(Object target, long deadline, Runnable step) {
        long wait = 500;
        for (int attempt = 1; ; attempt++) {
            try {
                step.run();
                if (attempt > 1) log.info("database {} reached (attempt {})", target, attempt);
                return;
            } catch (RuntimeException e) {
                if (!notThereYet(e) || System.nanoTime() + wait * 1_000_000 - deadline > 0) throw e;
                log.warn("database {} not reachable yet (attempt {}: {}); trying again in {} ms", target, attempt,
                        target instanceof Target t ? t.scrub(rootMessage(e)) : rootMessage(e), wait);
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException x) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                wait = Math.min(5_000, wait * 2);
            }
        }
    }

    /**
     * A failure that a server still starting (or a network not up yet) gives: SQLSTATE class 08 (connection exception),
     * 57P03 (cannot connect now: starting up), or a refused, reset or timed-out connection.
     */
    static boolean notThereYet(Throwable e) {
        // what a running server's blip gives (DatabaseRetry), and while it starts any resource failure (57P03 among them)
        return !DatabaseRetry.tlsRefused(e) && DatabaseRetry.anyCause(e, t -> DatabaseRetry.awayForAMoment(t)
                || t instanceof io.r2dbc.spi.R2dbcNonTransientResourceException || t instanceof io.r2dbc.spi.R2dbcTransientException);
    }

    private static void migrate(Target t, DatabaseConfig config) {
        Flyway.configure()
                .dataSource(t.jdbcUrl() + "&connectTimeout=" + config.connectTimeout().toSeconds(), t.user(), t.password())
                .locations("classpath:db/migration")
                .load()
                .migrate();
    }

    private static ConnectionPool pool(Target t, DatabaseConfig config, LoopResources loops) {
        PostgresqlConnectionConfiguration.Builder b = PostgresqlConnectionConfiguration.builder().sslMode(t.sslMode());
        if (t.sslMode() != SSLMode.DISABLE) {
            // trust material and a seeded random made now, so no connection reads a file on an event loop
            b.sslContextBuilderCustomizer(TlsMaterial.of(t.sslMode(), t.sslRootCert())::customize);
        }
        PostgresqlConnectionFactory factory = new PostgresqlConnectionFactory(b
                .host(t.host())
                .port(t.port())
                .database(t.database())
                .username(t.user())
                .password(t.password())
                .applicationName("tidings")
                .loopResources(loops)
                .connectTimeout(config.connectTimeout())
                .statementTimeout(config.statementTimeout())
                .build());
        return new ConnectionPool(ConnectionPoolConfiguration.builder(factory)
                .name("tidings")
                .initialSize(Math.min(2, config.poolMaxSize()))
                .maxSize(config.poolMaxSize())
                .maxAcquireTime(config.acquireTimeout())
                .maxCreateConnectionTime(config.connectTimeout())
                .maxIdleTime(Duration.ofMinutes(10))
                .maxValidationTime(Duration.ofSeconds(2))
                .validationQuery("SELECT 1")
                .build());
    }

    public Sql sql() { return sql; }

    public ConnectionPool pool() { return pool; }

    /**
     * A {@code DATABASE_URL} for this database without the password, e.g. so a second process or an
     * {@code App} in a test can connect to an embedded PostgreSQL started here.
     */
    public String url() {
        // with its sslmode: the embedded server has no TLS, and "prefer" would have the driver build a TLS context
        // (reading key material, a blocking call on an event loop) for every connection only to be told no
        return "postgresql://" + java.net.URLEncoder.encode(target.user(), StandardCharsets.UTF_8) + "@" + target.host() + ":"
                + target.port() + "/" + target.database() + "?sslmode="
                + target.sslMode().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    @Override
    public void close() {
        try {
            pool.disposeLater().block(Duration.ofSeconds(10));
        } catch (RuntimeException e) { // e.g. a connection the server already closed: nothing is left open on it
            log.warn("connection pool did not close cleanly: {}", e.toString());
        } finally {
            try {
                loops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
            } catch (RuntimeException e) {
                log.warn("database I/O threads did not stop cleanly: {}", e.toString());
            }
            closeQuietly(embedded);
        }
    }

    private static void closeQuietly(EmbeddedPostgres pg) {
        if (pg == null) return;
        try {
            pg.close();
        } catch (IOException | RuntimeException e) {
            log.warn("embedded PostgreSQL did not stop cleanly: {}", e.toString());
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    private record Target(String host, int port, String database, String user, String password, SSLMode sslMode, String sslRootCert) {
        static Target of(DatabaseUrl url) {
            return new Target(url.host(), url.port(), url.database(), url.user(), url.password(), url.sslMode(), url.sslRootCert());
        }

        String jdbcUrl() {
            return new DatabaseUrl(host, port, database, user, password, sslMode, sslRootCert).jdbcUrl();
        }

        /** A driver's message with the password taken out, should it ever repeat it. */
        String scrub(String message) {
            return password.isEmpty() ? message : message.replace(password, "<password>");
        }

        @Override
        public String toString() {
            return host + ":" + port + "/" + database + " as " + user + " (sslmode=" + sslMode.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + ")";
        }
    }
}
