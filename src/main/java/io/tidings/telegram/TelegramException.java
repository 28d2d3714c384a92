package io.tidings.telegram;

import io.tidings.render.Messages;
import java.time.Duration;
import java.util.Locale;

/**
 * A failed Telegram call, classified by what the caller should do: wait ({@link RetryAfter}), stop
 * messaging the chat ({@link Unreachable}), fix the request ({@link BadRequest}), fix the configuration
 * ({@link Unauthorized}, {@link Conflict}), retry later ({@link Transient}: the request provably did not reach
 * Telegram, or repeating it is harmless) or never repeat it ({@link OutcomeUnknown}: a send that may have reached
 * Telegram, since it has no idempotency key). Messages never contain the token.
 */
public abstract sealed class TelegramException extends RuntimeException {

    private final String method;
    private final int errorCode;
    private final String description;

    private TelegramException(String method, int errorCode, String description, Throwable cause) {
        super("telegram " + method + " failed: " + (errorCode > 0 ? errorCode + " " : "") + description, cause);
        this.method = method;
        this.errorCode = errorCode;
        this.description = description;
    }

    /** The Bot API method that failed. */
    public String method() {
        return method;
    }

    /** Telegram's error_code (the HTTP status), or 0 when no answer came. */
    public int errorCode() {
        return errorCode;
    }

    /** Telegram's description, or the (sanitized) I/O error. */
    public String description() {
        return description;
    }

    /** True when the same request may be sent again (after {@link RetryAfter#retryAfter()} for a 429). */
    public boolean isRetryable() {
        return this instanceof RetryAfter || this instanceof Transient;
    }

    /**
     * Methods that may be repeated whatever happened to an earlier attempt: reads, answers to a callback query,
     * webhook registration, and edits (a repeated edit is refused as "not modified", it changes nothing).
     */
    private static final java.util.Set<String> IDEMPOTENT = java.util.Set.of("getupdates", "answercallbackquery", "getme",
            "setwebhook", "deletewebhook", "getwebhookinfo", "editmessagereplymarkup", "getchat");

    /** True when {@code method} may be repeated after a failure whose outcome is unknown. */
    public static boolean idempotent(String method) {
        return IDEMPOTENT.contains(method.toLowerCase(Locale.ROOT));
    }

    /** Classifies a Telegram error answer; {@code description} must already be free of secrets. */
    static TelegramException of(String method, int errorCode, String description, Integer retryAfterSeconds) {
        String d = description == null ? "" : description;
        String lower = d.toLowerCase(Locale.ROOT);
        if (errorCode == 429) {
            return new RetryAfter(method, d, Duration.ofSeconds(retryAfterSeconds == null ? 1 : retryAfterSeconds));
        }
        if (errorCode == 403 || errorCode == 400 && (lower.contains("chat not found") || lower.contains("user not found")
                || lower.contains("peer_id_invalid"))) {
            return new Unreachable(method, errorCode, d);
        }
        if (errorCode == 401 || errorCode == 404) { // a revoked token, or an API URL that is not the Bot API
            return new Unauthorized(method, errorCode, d);
        }
        if (errorCode == 409) {
            return new Conflict(method, d);
        }
        if (errorCode >= 400 && errorCode < 500) {
            return new BadRequest(method, errorCode, d);
        }
        return idempotent(method) ? new Transient(method, errorCode, d, null) : new OutcomeUnknown(method, errorCode, d, null);
    }

    /** 429 Too Many Requests: wait {@link #retryAfter()} before sending anything to this bucket again. */
    public static final class RetryAfter extends TelegramException {
        private final Duration retryAfter;

        RetryAfter(String method, String description, Duration retryAfter) {
            super(method, 429, description, null);
            this.retryAfter = retryAfter;
        }

        public Duration retryAfter() {
            return retryAfter;
        }
    }

    /** The reader cannot be messaged (blocked the bot, deactivated, chat not found): stop until they write again. */
    public static final class Unreachable extends TelegramException {
        Unreachable(String method, int errorCode, String description) {
            super(method, errorCode, description, null);
        }
    }

    /** Telegram rejected the request itself (too long, bad markup, message not modified...): do not retry. */
    public static final class BadRequest extends TelegramException {
        BadRequest(String method, int errorCode, String description) {
            super(method, errorCode, description, null);
        }
    }

    /** 401 Unauthorized or 404 Not Found: the token is wrong or revoked, or the API URL is wrong. Nothing was done. */
    public static final class Unauthorized extends TelegramException {
        Unauthorized(String method, int errorCode, String description) {
            super(method, errorCode, description, null);
        }
    }

    /** 409 Conflict: another getUpdates consumer or a webhook is active for this token. */
    public static final class Conflict extends TelegramException {
        Conflict(String method, String description) {
            super(method, 409, description, null);
        }
    }

    /**
     * The request did not reach Telegram (connection refused, DNS, TLS handshake, a pooled connection found closed
     * before the request was written), or it is {@linkplain #idempotent idempotent} and met a 5xx or an I/O error:
     * may be sent again.
     */
    public static final class Transient extends TelegramException {
        Transient(String method, int errorCode, String description, Throwable cause) {
            super(method, errorCode, description, cause);
        }
    }

    /**
     * A request that is not idempotent (a send) may have reached Telegram: a 5xx answer, a read timeout, or a reset or
     * end of stream after it was written. Never send it again: that could deliver the message twice.
     */
    public static final class OutcomeUnknown extends TelegramException {
        OutcomeUnknown(String method, int errorCode, String description, Throwable cause) {
            super(method, errorCode, description, cause);
        }
    }
}
