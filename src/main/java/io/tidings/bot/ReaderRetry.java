package io.tidings.bot;

import io.tidings.store.DatabaseRetry;
import java.time.Duration;
import reactor.util.retry.RetryBackoffSpec;

/**
 * How a reader's press or message rides out a database blip (a failover, a restart): a read or an idempotent write
 * is tried again, 250 ms doubling to 2 s, for about ten seconds, before the reader is asked to try again.
 */
final class ReaderRetry {

    static final int RETRIES = 7;

    private ReaderRetry() {}

    /** The retry of {@code what} (for the log): transient database failures only (see {@link DatabaseRetry}). */
    static RetryBackoffSpec of(String what) {
        return DatabaseRetry.backoff(RETRIES, Duration.ofMillis(250), Duration.ofSeconds(2), what);
    }
}
