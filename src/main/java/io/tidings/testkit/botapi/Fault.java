package io.tidings.testkit.botapi;

import java.time.Duration;
import java.util.Objects;

/**
 * A fault the {@link LocalBotApiServer} injects into one call. {@link Mode#ANSWER}: an error answer instead of the
 * real result (or, with a delay and no status, the real result late). The other modes handle the call first (the
 * message is sent, as far as the simulated readers can tell) and then lose the answer the way real networks and
 * Telegram do: a 5xx, a dropped connection, or no answer at all (the client's read timeout).
 */
public record Fault(int status, String description, Integer retryAfterSeconds, Duration delay, Mode mode) {

    /** What happens to the call. */
    public enum Mode {
        /** Answer with the error (or, a delay fault, the normal answer after the delay) without handling the call. */
        ANSWER,
        /** Handle the call, then answer {@code status} instead of the result. */
        HANDLE_THEN_ERROR,
        /** Handle the call, then close the connection without an answer. */
        HANDLE_THEN_DROP,
        /** Handle the call, then keep the connection silent for {@code delay} and close it (a read timeout). */
        HANDLE_THEN_SILENCE,
        /** Close the connection without handling the call. */
        DROP
    }

    public Fault {
        Objects.requireNonNull(mode, "mode");
        if (mode == Mode.ANSWER && delay == null || mode == Mode.HANDLE_THEN_ERROR) {
            Objects.requireNonNull(description, "description");
        }
        if (mode == Mode.HANDLE_THEN_SILENCE) {
            Objects.requireNonNull(delay, "delay");
        }
    }

    /** 429 "Too Many Requests: retry after N" with {@code parameters.retry_after = N}. */
    public static Fault tooManyRequests(int retryAfterSeconds) {
        return new Fault(429, "Too Many Requests: retry after " + retryAfterSeconds, retryAfterSeconds, null, Mode.ANSWER);
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

    /** 500 "Internal Server Error", the call not handled. */
    public static Fault serverError() {
        return error(500, "Internal Server Error");
    }

    /** 401 "Unauthorized": a revoked token. */
    public static Fault unauthorized() {
        return error(401, "Unauthorized");
    }

    /** Any error answer, the call not handled. */
    public static Fault error(int status, String description) {
        return new Fault(status, description, null, null, Mode.ANSWER);
    }

    /** The normal answer, but only after {@code delay} (waited on a timer, no thread is blocked). */
    public static Fault delay(Duration delay) {
        return new Fault(0, null, null, Objects.requireNonNull(delay, "delay"), Mode.ANSWER);
    }

    /** The call is handled (the message goes out), then answered 500: the sender cannot know it went out. */
    public static Fault handledThenServerError() {
        return new Fault(500, "Internal Server Error", null, null, Mode.HANDLE_THEN_ERROR);
    }

    /** The call is handled, then the connection is closed without an answer (end of stream or reset). */
    public static Fault handledThenDropped() {
        return new Fault(0, null, null, null, Mode.HANDLE_THEN_DROP);
    }

    /** The call is handled, then nothing is answered for {@code silence} (longer than the client's read timeout). */
    public static Fault handledThenSilence(Duration silence) {
        return new Fault(0, null, null, Objects.requireNonNull(silence, "silence"), Mode.HANDLE_THEN_SILENCE);
    }

    /** The connection is closed before the call is handled: nothing was sent, but the client cannot know. */
    public static Fault dropped() {
        return new Fault(0, null, null, null, Mode.DROP);
    }

    /** True when this fault only slows the normal answer down. */
    public boolean isDelay() {
        return mode == Mode.ANSWER && delay != null && description == null;
    }
}
