package io.tidings.ingest;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

/**
 * Politeness towards one host (t.me): every request waits for its slot of a shared rate limit, is retried on 429,
 * 5xx, timeouts and network errors (honouring {@code Retry-After}, otherwise with doubling backoff), and all of it sits
 * inside one circuit breaker that pauses the host after too many failures (breaker outside retry, so one request that
 * needed three attempts counts once).
 */
final class HostGate {

    /** Longest a request waits for its slot; beyond that it is refused (and the channel polled later). */
    static final Duration MAX_PERMIT_WAIT = Duration.ofMinutes(10);

    private final AtomicLong nextSlot = new AtomicLong(System.nanoTime());
    private final long spacingNanos;
    private final CircuitBreaker breaker;
    private final IngestConfig config;
    private final Scheduler timer;
    private final IngestMetrics metrics;

    HostGate(IngestConfig config, Scheduler timer, IngestMetrics metrics) {
        this.config = config;
        this.timer = timer;
        this.metrics = metrics;
        this.spacingNanos = Math.max(1, Math.round(1e9 / config.requestsPerSecond()));
        this.breaker = CircuitBreaker.of("tme", CircuitBreakerConfig.custom()
                .failureRateThreshold(config.breakerFailureRate())
                .slidingWindowSize(config.breakerWindow())
                .minimumNumberOfCalls(config.breakerWindow())
                .waitDurationInOpenState(config.breakerOpenFor())
                .permittedNumberOfCallsInHalfOpenState(1)
                .recordException(e -> e instanceof ChannelFetchException f && f.retryable())
                .ignoreExceptions(ChannelUnavailableException.class, IllegalArgumentException.class)
                .build());
    }

    /** Runs {@code request} (subscribed once per attempt) under the limiter, the retry policy and the breaker. */
    <T> Mono<T> call(Supplier<Mono<T>> request) {
        return permit().then(Mono.defer(request))
                .retryWhen(retry())
                .transformDeferred(CircuitBreakerOperator.of(breaker));
    }

    /**
     * Requests are spaced {@code 1 / requestsPerSecond} apart: each takes the next free slot (a lock-free
     * compare-and-set, nothing parks) and waits for it on the timer. resilience4j's AtomicRateLimiter parks the thread
     * on contention, which an event loop must never do.
     */
    private Mono<Void> permit() {
        return Mono.defer(() -> {
            while (true) {
                long now = System.nanoTime();
                long free = nextSlot.get();
                long slot = Math.max(now, free);
                long wait = slot - now;
                if (wait > MAX_PERMIT_WAIT.toNanos()) {
                    return Mono.error(new RateLimitedException());
                }
                if (nextSlot.compareAndSet(free, slot + spacingNanos)) {
                    return wait <= 0 ? Mono.empty() : Mono.delay(Duration.ofNanos(wait), timer).then();
                }
            }
        });
    }

    /** No request slot within {@link #MAX_PERMIT_WAIT}: too many requests queued for the configured rate. */
    static final class RateLimitedException extends RuntimeException {
        RateLimitedException() {
            super("no request slot within " + MAX_PERMIT_WAIT + " at the configured rate", null, false, false);
        }
    }

    CircuitBreaker.State state() {
        return breaker.getState();
    }

    private Retry retry() {
        return Retry.from(signals -> signals.concatMap(signal -> {
            Throwable e = signal.failure();
            Duration delay = e instanceof ChannelFetchException f ? delayFor(f, signal.totalRetries(), config) : null;
            if (delay == null) {
                return Mono.error(e);
            }
            metrics.retried();
            return Mono.delay(delay, timer);
        }));
    }

    /**
     * How long to wait before retry number {@code attempt + 1}, or {@code null} not to retry: not retryable, out of
     * attempts, or the server asked for a longer pause than we wait for one request.
     */
    static Duration delayFor(ChannelFetchException f, long attempt, IngestConfig config) {
        if (!f.retryable() || attempt >= config.retries()) {
            return null;
        }
        if (f.retryAfter().isPresent()) {
            Duration asked = f.retryAfter().get();
            return asked.compareTo(config.retryMaxBackoff()) > 0 ? null : asked;
        }
        long base = config.retryMinBackoff().toMillis() << Math.min(attempt, 20);
        long capped = Math.min(base, config.retryMaxBackoff().toMillis());
        double jitter = 0.75 + 0.5 * ThreadLocalRandom.current().nextDouble();
        return Duration.ofMillis(Math.max(1, Math.round(capped * jitter)));
    }
}
