package io.tidings.util;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A named background loop: runs a tick every period, one tick at a time (a tick that overruns the period makes the
 * ticks it covered be dropped, not queued), each under a timeout. A failed tick never stops the loop; its error is
 * logged with its stack trace once, then only counted while the same error repeats, and a recovery is logged.
 * Meters (Prometheus names): {@code tidings_loop_ticks_total{loop}}, {@code tidings_loop_failures_total{loop,kind}}
 * with kind {@code error} or {@code timeout}, and {@code tidings_loop_dropped_total{loop}} (ticks skipped while one
 * ran). Start one with {@code Loop.named("heartbeat").every(period).timeout(limit).meters(registry).start(() -> work())}.
 */
public final class Loop {

    private static final Logger log = LoggerFactory.getLogger(Loop.class);

    private final String name;
    private final Duration timeout;
    private final Scheduler scheduler;
    private final Counter ticks;
    private final Counter errors;
    private final Counter timeouts;
    private final Counter dropped;
    /** Only touched from inside the loop, one tick at a time. */
    private String lastFailure;
    private long failuresInARow;

    private Loop(Builder b) {
        this.name = b.name;
        this.timeout = b.timeout;
        this.scheduler = b.scheduler;
        this.ticks = Counter.builder("tidings.loop.ticks").tag("loop", name)
                .description("Ticks run by a background loop").register(b.meters);
        this.errors = Counter.builder("tidings.loop.failures").tag("loop", name).tag("kind", "error")
                .description("Ticks of a background loop that failed").register(b.meters);
        this.timeouts = Counter.builder("tidings.loop.failures").tag("loop", name).tag("kind", "timeout")
                .description("Ticks of a background loop that failed").register(b.meters);
        this.dropped = Counter.builder("tidings.loop.dropped").tag("loop", name)
                .description("Ticks of a background loop skipped because the previous one was still running")
                .register(b.meters);
    }

    /** Starts building a loop; {@code name} shows in logs and in the meters' {@code loop} tag. */
    public static Builder named(String name) {
        return new Builder(name);
    }

    private Mono<Void> tick(Supplier<? extends Publisher<?>> work) {
        return Mono.defer(() -> {
                    ticks.increment();
                    return Flux.from(work.get()).then();
                })
                .timeout(timeout, scheduler)
                .doOnSuccess(v -> recovered())
                .onErrorResume(e -> {
                    failed(e);
                    return Mono.empty();
                });
    }

    private void recovered() {
        if (failuresInARow > 0) {
            log.info("loop {} works again after {} failed tick(s)", name, failuresInARow);
        }
        failuresInARow = 0;
        lastFailure = null;
    }

    private void failed(Throwable e) {
        boolean timedOut = e instanceof TimeoutException;
        (timedOut ? timeouts : errors).increment();
        failuresInARow++;
        String what = e.getClass().getName() + ": " + e.getMessage();
        if (what.equals(lastFailure)) {
            log.debug("loop {}: tick failed again ({} in a row): {}", name, failuresInARow, what);
            return;
        }
        lastFailure = what;
        if (timedOut) {
            log.warn("loop {}: tick took longer than {}, cancelled; the loop goes on", name, timeout);
        } else {
            log.warn("loop {}: tick failed; the loop goes on (the same error again is only counted)", name, e);
        }
    }

    /** Settings of one loop; {@link #every}, {@link #timeout} and {@link #meters} are required. */
    public static final class Builder {
        private final String name;
        private Duration period;
        private Duration firstDelay;
        private Duration timeout;
        private Publisher<?> wakeUps;
        private Scheduler scheduler = Schedulers.parallel();
        private MeterRegistry meters;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        /** A tick every {@code period}; the first one after a period, unless {@link #firstAfter} says otherwise. */
        public Builder every(Duration period) {
            if (period.isNegative() || period.isZero()) throw new IllegalArgumentException("period must be > 0: " + period);
            this.period = period;
            return this;
        }

        /** When the first tick runs (e.g. {@link Duration#ZERO}: at once). */
        public Builder firstAfter(Duration delay) {
            this.firstDelay = delay;
            return this;
        }

        /** A tick still running after {@code limit} is cancelled and counted as a failure (kind {@code timeout}). */
        public Builder timeout(Duration limit) {
            if (limit.isNegative() || limit.isZero()) throw new IllegalArgumentException("timeout must be > 0: " + limit);
            this.timeout = limit;
            return this;
        }

        /**
         * Signals that ask for a tick now besides the timer. A signal that arrives while a tick runs is kept (one
         * at most), so the work it announced is picked up by one more tick right after.
         */
        public Builder wakeUps(Publisher<?> signals) {
            this.wakeUps = signals;
            return this;
        }

        /** Where the timer and the timeout run (a virtual-time scheduler in tests); default {@link Schedulers#parallel()}. */
        public Builder on(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /**
         * Where the loop's counters go (required): the app's registry, which its {@code /metrics} shows. Not Micrometer's
         * global one: every app of a JVM (tests run several) would count the others' ticks.
         */
        public Builder meters(MeterRegistry meters) {
            this.meters = Objects.requireNonNull(meters, "meters");
            return this;
        }

        /** Runs {@code work} on every tick until the returned {@link Disposable} is disposed. */
        public Disposable start(Supplier<? extends Publisher<?>> work) {
            Objects.requireNonNull(work, "work");
            if (period == null) throw new IllegalStateException("loop " + name + ": every(period) is required");
            if (timeout == null) throw new IllegalStateException("loop " + name + ": timeout(limit) is required");
            if (meters == null) throw new IllegalStateException("loop " + name + ": meters(registry) is required");
            Loop loop = new Loop(this);
            Flux<Long> timer = Flux.interval(firstDelay == null ? period : firstDelay, period, scheduler);
            Flux<?> triggers = wakeUps == null
                    ? timer.onBackpressureDrop(t -> loop.dropped.increment())
                    : Flux.merge(timer, Flux.from(wakeUps).map(s -> 0L)).onBackpressureLatest();
            // prefetch 0: the next trigger is asked for only when the tick is done, so overrun ticks are dropped
            return triggers.concatMap(t -> loop.tick(work), 0)
                    .subscribe(null, e -> log.error("loop {} stopped", name, e));
        }
    }
}
