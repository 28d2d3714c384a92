package io.tidings.telegram;

import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

/**
 * A 401 or 404 from the Bot API means a revoked token or a wrong API URL: every call would fail the same way, so
 * the first one closes this gate. While it is closed no call goes out (callers wait on {@link #whenOpen()}),
 * readiness is off, one ERROR line says why, and {@code getMe} is probed with backoff; the first probe that
 * succeeds opens the gate and everything resumes by itself. Thread-safe.
 */
final class AccessGuard implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AccessGuard.class);

    private final Supplier<Mono<?>> probe;
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final Scheduler timer;
    private final Object lock = new Object();
    private Sinks.Empty<Void> opened; // null while open
    private Disposable probing = Disposables.disposed();
    private volatile boolean closedForGood;
    private volatile java.util.function.Consumer<String> onPause = reason -> {};

    AccessGuard(Supplier<Mono<?>> probe, Duration minBackoff, Duration maxBackoff, Scheduler timer) {
        this.probe = probe;
        this.minBackoff = minBackoff;
        this.maxBackoff = maxBackoff;
        this.timer = timer;
    }

    /** True while Telegram accepts the token (the usual case). */
    boolean open() {
        synchronized (lock) {
            return opened == null;
        }
    }

    /** Completes at once while open, else when a probe succeeds. */
    Mono<Void> whenOpen() {
        synchronized (lock) {
            return opened == null ? Mono.empty() : opened.asMono();
        }
    }

    /** Called with the reason each time the gate closes (not again while it stays closed); must not block. */
    void onPause(java.util.function.Consumer<String> listener) {
        this.onPause = listener;
    }

    /** A call was refused with 401/404: close the gate (once) and start probing. */
    void refused(TelegramException.Unauthorized e) {
        synchronized (lock) {
            if (opened != null || closedForGood) return;
            opened = Sinks.empty();
            try {
                onPause.accept(e.errorCode() + " " + e.description() + " on " + e.method());
            } catch (RuntimeException listenerFailed) {
                log.warn("a listener of the pause failed: {}", listenerFailed.toString());
            }
            log.error("Telegram refuses the bot token or the API URL ({} {} on {}): all sending and polling paused, "
                    + "readiness off; probing getMe until it works", e.errorCode(), e.description(), e.method());
            probing = Mono.defer(probe)
                    .retryWhen(Retry.backoff(Long.MAX_VALUE, minBackoff).maxBackoff(maxBackoff).scheduler(timer))
                    .subscribe(ok -> reopen(), err -> log.error("getMe probing stopped: {}", err.toString()));
        }
    }

    private void reopen() {
        Sinks.Empty<Void> waiting;
        synchronized (lock) {
            waiting = opened;
            opened = null;
        }
        if (waiting != null) {
            log.info("Telegram accepts the bot token again: sending and polling resume");
            waiting.tryEmitEmpty();
        }
    }

    @Override
    public void close() {
        closedForGood = true;
        probing.dispose();
    }
}
