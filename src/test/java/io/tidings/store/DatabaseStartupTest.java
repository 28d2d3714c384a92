package io.tidings.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Start-up waits, with backoff, for a database that is not there yet, and only for that. */
class DatabaseStartupTest {

    @Test
    void aDatabaseThatNeverComesIsGivenUpAfterTheWaitWithAClearMessageAndNoPassword() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // nothing listens here once closed
        }
        DatabaseConfig config = DatabaseConfig.custom().url("postgresql://tidings:s3cret-pw@localhost:" + port + "/db?sslmode=disable")
                .startupWait(Duration.ofSeconds(3)).connectTimeout(Duration.ofSeconds(1)).build();
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> Database.start(config))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot reach the database localhost:" + port + "/db as tidings")
                .hasMessageNotContaining("s3cret-pw");
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(took).as("tried for the wait, then stopped").isBetween(Duration.ofMillis(1400), Duration.ofSeconds(30));
    }

    @Test
    void onlyAServerNotThereYetIsWaitedFor() {
        assertThat(Database.notThereYet(new io.r2dbc.spi.R2dbcPermissionDeniedException("password authentication failed",
                "28P01"))).isFalse();
        assertThat(Database.notThereYet(new java.sql.SQLException("the database system is starting up", "57P03"))).isTrue();
        assertThat(Database.notThereYet(new RuntimeException(new java.net.ConnectException("Connection refused")))).isTrue();
        assertThat(Database.notThereYet(new java.sql.SQLException("Connection to localhost:5 refused", "08001"))).isTrue();
        assertThat(Database.notThereYet(new java.sql.SQLException("password authentication failed", "28P01"))).isFalse();
        assertThat(Database.notThereYet(new IllegalArgumentException("bad"))).isFalse();
        // sslmode=require against a server without TLS (PgJDBC's words, SQLSTATE 08004): it will not grow TLS by waiting
        assertThat(Database.notThereYet(new java.sql.SQLException("The server does not support SSL.", "08004"))).isFalse();
    }
}
