package io.tidings.delivery;

import io.tidings.telegram.TelegramException;
import java.time.Duration;

/**
 * What a failed send means for its delivery. The rule behind it: Telegram has no idempotency key, so only what
 * provably did not reach Telegram is sent again (a 429, a refused connection, a request that never left); a send
 * that may have reached it is {@code unknown} and never repeated; a reader who cannot be reached gets nothing more.
 * Pure: the send loop carries the decision out.
 */
final class FailurePolicy {

    /** 429s one delivery may meet before it is given up. */
    static final int MAX_RATE_LIMITED = 10;
    /** Quick retries in hand of a send that provably did not leave, before it goes back to the queue. */
    static final int QUICK_RETRIES = 3;
    /** Claims of a delivery that keeps not leaving before it is given up. */
    static final int MAX_ATTEMPTS = 5;

    enum Kind {
        /** Wait {@code delay} (all sending pauses: the limit is per token), then this one first. */
        RATE_LIMITED,
        /** Telegram refuses the token: nothing was sent; all sending waits until it works again, this one first. */
        ACCESS_REFUSED,
        /** Did not leave: try again in hand after {@code delay}. */
        RETRY_SOON,
        /** Did not leave, several times: back to the queue, due after {@code delay}. */
        REQUEUE,
        /** May have reached Telegram: recorded unknown, never sent again. */
        UNKNOWN,
        /** The reader blocked the bot or is gone: stop messaging them. */
        UNREACHABLE,
        /** Refused for good (a bad request, or given up): failed with the reason. */
        FAILED
    }

    record Decision(Kind kind, Duration delay, String reason) {
    }

    private FailurePolicy() {
    }

    static Decision decide(Throwable err, Entry e) {
        String reason = abbreviate(err.toString());
        if (err instanceof TelegramException.RetryAfter ra) {
            return e.rateLimitedRetries < MAX_RATE_LIMITED
                    ? new Decision(Kind.RATE_LIMITED, ra.retryAfter(), reason)
                    : new Decision(Kind.FAILED, null, "rate limited " + MAX_RATE_LIMITED + " times: " + reason);
        }
        if (err instanceof TelegramException.Unauthorized) {
            return new Decision(Kind.ACCESS_REFUSED, null, reason);
        }
        if (err instanceof TelegramException.Transient) {
            if (e.transientRetries < QUICK_RETRIES) {
                return new Decision(Kind.RETRY_SOON, Duration.ofMillis(500L << e.transientRetries), reason);
            }
            return e.o.attempts() < MAX_ATTEMPTS
                    ? new Decision(Kind.REQUEUE, Duration.ofSeconds(30L * e.o.attempts()), reason)
                    : new Decision(Kind.FAILED, null, "not sent after " + MAX_ATTEMPTS + " attempts: " + reason);
        }
        if (err instanceof TelegramException.OutcomeUnknown) {
            return new Decision(Kind.UNKNOWN, null, reason);
        }
        if (err instanceof TelegramException.Unreachable) {
            return new Decision(Kind.UNREACHABLE, null, "unreachable");
        }
        if (err instanceof TelegramException) {
            return new Decision(Kind.FAILED, null, reason);
        }
        // not a Telegram answer: a bug on our side, perhaps after the request left. Never repeat it.
        return new Decision(Kind.UNKNOWN, null, reason);
    }

    static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) : s;
    }
}
