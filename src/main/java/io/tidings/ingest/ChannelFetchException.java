package io.tidings.ingest;

import java.time.Duration;
import java.util.Optional;

/**
 * Reading a channel page failed for a reason that is not about the channel itself: 429, 5xx, timeouts and network
 * errors are {@link #retryable()}; an oversized body or an unexpected status is not.
 */
public final class ChannelFetchException extends RuntimeException {

    private final String channel;
    private final int status;
    private final boolean retryable;
    private final Duration retryAfter;

    public ChannelFetchException(String channel, int status, boolean retryable, Duration retryAfter, String message,
            Throwable cause) {
        super("channel @" + channel + ": " + message, cause);
        this.channel = channel;
        this.status = status;
        this.retryable = retryable;
        this.retryAfter = retryAfter;
    }

    public String channel() {
        return channel;
    }

    /** HTTP status, or 0 when no response arrived (timeout, connection error). */
    public int status() {
        return status;
    }

    public boolean retryable() {
        return retryable;
    }

    /** The server's {@code Retry-After}, when it sent one (429/503). */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
