package io.tidings.testkit.botapi;

import java.time.Duration;
import java.util.Objects;

/**
 * A fault the {@link LocalBotApiServer} answers instead of (or before) the real result: an error
 * with Telegram's status and description, or a non-blocking delay before the normal answer.
 */
public record Fault(int status, String description, Integer retryAfterSeconds, Duration delay) {

    public Fault {
        if (delay == null) {
            Objects.requireNonNull(description, "description");
        }
    }

    /** 429 "Too Many Requests: retry after N" with {@code parameters.retry_after = N}. */
    public static Fault tooManyRequests(int retryAfterSeconds) {
        return new Fault(429, "Too Many Requests: retry after " + retryAfterSeconds, retryAfterSeconds, null);
    }

    /** 403 "Forbidden: bot was blocked by the user". */
    public static Fault blocked() {
        return error(403, "Forbidden: bot was blocked by the user");
    }

    /** 403 "Forbidden: user is deactivated". */
    public static Fault userDeactivated() {
        return error(403, "Forbidden: user is deactivated");
    }

    /** 400 "Bad Request: chat not found". */
    public static Fault chatNotFound() {
        return error(400, "Bad Request: chat not found");
    }

    /** 500 "Internal Server Error". */
    public static Fault serverError() {
        return error(500, "Internal Server Error");
    }

    /** Any error answer. */
    public static Fault error(int status, String description) {
        return new Fault(status, description, null, null);
    }

    /** The normal answer, but only after {@code delay} (waited on a timer, no thread is blocked). */
    public static Fault delay(Duration delay) {
        return new Fault(0, null, null, Objects.requireNonNull(delay, "delay"));
    }

    /** True when this fault only slows the answer down. */
    public boolean isDelay() {
        return delay != null;
    }
}
