package io.tidings.bot;

import java.time.Duration;
import reactor.util.retry.Retry;
import reactor.util.retry.RetryBackoffSpec;

/**
 * How a reader's press or message rides out a database blip (a failover, a restart): a read or an idempotent write
 * is tried again, 250 ms doubling to 2 s, for about ten seconds, before the reader is asked to try again.
 */
final class DatabaseRetry {

    static final int RETRIES = 7;

    private DatabaseRetry() {}

    static RetryBackoffSpec spec() {
        return Retry.backoff(RETRIES, Duration.ofMillis(250)).maxBackoff(Duration.ofSeconds(2));
    }
}
