package io.tidings.store;

import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTransientException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.util.retry.Retry;
import reactor.util.retry.RetryBackoffSpec;

/**
 * How a database step rides out a blip (a failover, a restart, a pool with no connection free in time): tried again
 * with backoff when, and only when, its failure was {@link #isTransient transient}; each retry logged; when the
 * retries run out, the last failure itself is what the step fails with. The callers choose how long they wait.
 */
public final class DatabaseRetry {

    private static final Logger log = LoggerFactory.getLogger(DatabaseRetry.class);

    private DatabaseRetry() {}

    /**
     * Up to {@code retries} retries of a step ({@code what}, for the log), {@code first} doubling up to {@code max}
     * apart, of transient failures only.
     */
    public static RetryBackoffSpec backoff(int retries, Duration first, Duration max, String what) {
        return Retry.backoff(retries, first).maxBackoff(max)
                .filter(DatabaseRetry::isTransient)
                .doBeforeRetry(r -> log.warn("{} failed, trying again: {}", what, r.failure().toString()))
                .onRetryExhaustedThrow((spec, r) -> r.failure());
    }

    /**
     * A failure that the same statement may not meet a moment later: the driver's transient ones (a timeout, a pool
     * that handed out no connection in time, a serialization failure or deadlock), a lost or refused connection
     * (SQLSTATE class 08, a server shutting down or starting: 57P01 to 57P03, too many connections: class 53, a
     * connection the driver saw close), a statement timeout (57014), or a network failure under one of them. Not: a statement the database refuses
     * (bad SQL, a constraint, an error raised by a trigger), a TLS refusal, a host name that does not resolve, a bug.
     */
    public static boolean isTransient(Throwable e) {
        return !tlsRefused(e) && anyCause(e, t -> t instanceof R2dbcTransientException || awayForAMoment(t));
    }

    /** {@code e} or one of its causes is what {@code test} looks for. */
    static boolean anyCause(Throwable e, java.util.function.Predicate<Throwable> test) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (test.test(t)) return true;
        }
        return false;
    }

    /** TLS refused (a certificate not trusted, a host it does not name): waiting will not change it. */
    static boolean tlsRefused(Throwable e) {
        return anyCause(e, t -> {
            String m = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
            return t instanceof javax.net.ssl.SSLException || t instanceof java.security.cert.CertificateException
                    || m.contains("ssl error") || m.contains("certificate") || m.contains("pkix") || m.contains("could not be verified")
                    // a server without TLS for sslmode=require: waiting will not change it
                    || m.contains("does not support ssl");
        });
    }

    /**
     * One throwable (not its causes) that says the database was away or busy for a moment: the connection lost,
     * refused or never made, the server shutting down or starting, too many connections, a statement timed out.
     */
    static boolean awayForAMoment(Throwable t) {
        String state = t instanceof java.sql.SQLException sql ? sql.getSQLState()
                : t instanceof R2dbcException r ? r.getSqlState() : null;
        if (state != null) return state.startsWith("08") || state.startsWith("53") || state.matches("57P0[123]") || state.equals("57014");
        return t instanceof R2dbcNonTransientResourceException // the driver's "connection closed": no SQLSTATE
                || t instanceof java.util.concurrent.TimeoutException
                // refused, reset, broken pipe, closed channel, timed out; a name that does not resolve is a setting
                || t instanceof java.io.IOException && !(t instanceof java.net.UnknownHostException);
    }
}
