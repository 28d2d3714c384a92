package io.tidings.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidings.TestDatabase;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** What the shared database retry tries again, on errors the real database gives, and what it does not. */
class DatabaseRetryTest {

    private static final Duration T = Duration.ofSeconds(30);

    private static Throwable errorOf(String statement) {
        Throwable[] e = new Throwable[1];
        TestDatabase.shared().sql().update(statement).onErrorResume(x -> {
            e[0] = x;
            return Mono.empty();
        }).block(T);
        assertThat(e[0]).as("an error from %s", statement).isNotNull();
        return e[0];
    }

    @Test
    void aStatementTheDatabaseRefusesIsNotTransient() {
        assertThat(DatabaseRetry.isTransient(errorOf("DO $$ BEGIN RAISE EXCEPTION 'injected'; END $$"))).isFalse();
        assertThat(DatabaseRetry.isTransient(errorOf("SELECT no_such_column FROM readers"))).isFalse();
        assertThat(DatabaseRetry.isTransient(errorOf("SELECT 1 / 0"))).isFalse();
        assertThat(DatabaseRetry.isTransient(new IllegalStateException("a bug"))).isFalse();
    }

    @Test
    void aServerAwayOrBusyForAMomentIsTransient() {
        assertThat(DatabaseRetry.isTransient(errorOf(
                "DO $$ BEGIN RAISE EXCEPTION 'statement timeout' USING ERRCODE = 'query_canceled'; END $$"))).isTrue();
        assertThat(DatabaseRetry.isTransient(errorOf(
                "DO $$ BEGIN RAISE EXCEPTION 'terminating connection' USING ERRCODE = 'admin_shutdown'; END $$"))).isTrue();
        assertThat(DatabaseRetry.isTransient(errorOf(
                "DO $$ BEGIN RAISE EXCEPTION 'could not serialize' USING ERRCODE = 'serialization_failure'; END $$"))).isTrue();
        assertThat(DatabaseRetry.isTransient(new RuntimeException(new java.net.ConnectException("Connection refused")))).isTrue();
        assertThat(DatabaseRetry.isTransient(new io.r2dbc.spi.R2dbcTimeoutException("Connection acquisition timed out"))).isTrue();
        assertThat(DatabaseRetry.isTransient(new io.r2dbc.spi.R2dbcNonTransientResourceException(
                "connection refused", "08001", new javax.net.ssl.SSLHandshakeException("PKIX path building failed")))).isFalse();
    }

    @Test
    void onlyATransientFailureIsTriedAgainAndTheLastFailureIsWhatRemains() {
        AtomicInteger calls = new AtomicInteger();
        assertThat(failingFirst(calls, 2, new io.r2dbc.spi.R2dbcTransientResourceException("away")).block(T)).isEqualTo(7);
        assertThat(calls).hasValue(3);

        calls.set(0);
        assertThatThrownBy(() -> failingFirst(calls, 100, new io.r2dbc.spi.R2dbcBadGrammarException("bad")).block(T))
                .isInstanceOf(io.r2dbc.spi.R2dbcBadGrammarException.class);
        assertThat(calls).hasValue(1);

        calls.set(0);
        assertThatThrownBy(() -> failingFirst(calls, 100, new io.r2dbc.spi.R2dbcTransientResourceException("still away")).block(T))
                .isInstanceOf(io.r2dbc.spi.R2dbcTransientResourceException.class).hasMessage("still away");
        assertThat(calls).hasValue(4);
    }

    /** A step that fails with {@code error} its first {@code failures} times, then gives 7; three retries at most. */
    private static Mono<Integer> failingFirst(AtomicInteger calls, int failures, RuntimeException error) {
        return Mono.fromCallable(() -> {
            if (calls.incrementAndGet() <= failures) throw error;
            return 7;
        }).retryWhen(DatabaseRetry.backoff(3, Duration.ofMillis(1), Duration.ofMillis(5), "a test"));
    }
}
