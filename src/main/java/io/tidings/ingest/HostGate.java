package io.tidings.ingest;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.github.resilience4j.reactor.ratelimiter.operator.RateLimiterOperator;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

/**
 * Politeness towards one host (t.me): every request waits for a permit of a shared rate limiter, is retried on 429,
 * 5xx, timeouts and network errors (honouring {@code Retry-After}, otherwise with doubling backoff), and all of it sits
 * inside one circuit breaker that pauses the host after too many failures (breaker outside retry, so one request that
 * needed three attempts counts once).
 */
final class HostGate {

    private final RateLimiter limiter;
    private final CircuitBreaker breaker;
    private final IngestConfig config;
    private final Scheduler timer;
    private final IngestMetrics metrics;

    HostGate(IngestConfig config, Scheduler timer, IngestMetrics metrics) {
        this.config = config;
        this.timer = timer;
        this.metrics = metrics;
        double rps = config.requestsPerSecond();
        RateLimiterConfig limits = rps >= 1
                ? RateLimiterConfig.custom().limitForPeriod((int) Math.round(rps)).limitRefreshPeriod(Duration.ofSeconds(1))
                        .timeoutDuration(Duration.ofMinutes(10)).build()
                : RateLimiterConfig.custom().limitForPeriod(1).limitRefreshPeriod(Duration.ofMillis(Math.round(1000 / rps)))
                        .timeoutDuration(Duration.ofMinutes(10)).build();
        this.limiter = RateLimiter.of("tme", limits);
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
        return Mono.defer(request)
                .transformDeferred(RateLimiterOperator.of(limiter))
                .retryWhen(retry())
                .transformDeferred(CircuitBreakerOperator.of(breaker));
    }

    CircuitBreaker.State state() {
        return breaker.getState();
    }

    CircuitBreaker breaker() {
        return breaker;
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
