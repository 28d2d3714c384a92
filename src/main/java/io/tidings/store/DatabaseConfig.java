package io.tidings.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the database is and how long anything may take. Built once; {@code url} empty means
 * "start an embedded PostgreSQL with its data in {@code embeddedDataDir}".
 */
public final class DatabaseConfig {

    private final Optional<DatabaseUrl> url;
    private final Path embeddedDataDir;
    private final int poolMaxSize;
    private final Duration acquireTimeout;
    private final Duration connectTimeout;
    private final Duration statementTimeout;
    private final Duration startupWait;

    private DatabaseConfig(Builder b) {
        this.url = b.url;
        this.embeddedDataDir = b.embeddedDataDir;
        this.poolMaxSize = b.poolMaxSize;
        this.acquireTimeout = b.acquireTimeout;
        this.connectTimeout = b.connectTimeout;
        this.statementTimeout = b.statementTimeout;
        this.startupWait = b.startupWait;
    }

    public static Builder custom() {
        return new Builder();
    }

    public Optional<DatabaseUrl> url() { return url; }
    public Path embeddedDataDir() { return embeddedDataDir; }
    public int poolMaxSize() { return poolMaxSize; }
    public Duration acquireTimeout() { return acquireTimeout; }
    public Duration connectTimeout() { return connectTimeout; }
    public Duration statementTimeout() { return statementTimeout; }
    /** How long start-up waits for an external database that cannot be reached yet (it may be starting too). */
    public Duration startupWait() { return startupWait; }

    /** Builder with the documented defaults. */
    public static final class Builder {
        private Optional<DatabaseUrl> url = Optional.empty();
        private Path embeddedDataDir = Path.of("data", "pg");
        private int poolMaxSize = 10;
        private Duration acquireTimeout = Duration.ofSeconds(5);
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration statementTimeout = Duration.ofSeconds(30);
        private Duration startupWait = Duration.ofSeconds(60);

        /** {@code postgresql://user:password@host:port/database?sslmode=…}, as {@link DatabaseUrl#parse} reads it. */
        public Builder url(String url) {
            this.url = url == null || url.isBlank() ? Optional.empty() : Optional.of(DatabaseUrl.parse(url));
            return this;
        }

        public Builder embeddedDataDir(Path dir) { this.embeddedDataDir = Objects.requireNonNull(dir); return this; }
        public Builder poolMaxSize(int n) { this.poolMaxSize = n; return this; }
        public Builder acquireTimeout(Duration d) { this.acquireTimeout = d; return this; }
        public Builder connectTimeout(Duration d) { this.connectTimeout = d; return this; }
        public Builder statementTimeout(Duration d) { this.statementTimeout = d; return this; }
        public Builder startupWait(Duration d) { this.startupWait = Objects.requireNonNull(d); return this; }

        public DatabaseConfig build() {
            if (poolMaxSize < 1) {
                throw new IllegalArgumentException("database pool size must be at least 1");
            }
            return new DatabaseConfig(this);
        }
    }
}
