package io.tidings.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * {@link StepVerifier#withVirtualTime} makes virtual time every scheduler of the JVM ({@code Schedulers.parallel()},
 * {@code Mono.delay}) while it runs: isolated, as every timer of a class running beside it would stop.
 */
@Isolated("StepVerifier.withVirtualTime replaces the JVM's schedulers")
class LoopTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(Loop.class);
    /** What each tick reports: its number, or "cancelled N". */
    private final Sinks.Many<String> events = Sinks.many().replay().all();
    private final AtomicInteger started = new AtomicInteger();
    private Disposable loop;

    @BeforeEach
    void captureLogs() {
        logs.start();
        logger.addAppender(logs);
        logger.setLevel(Level.DEBUG);
    }

    @AfterEach
    void stop() {
        if (loop != null) loop.dispose();
        logger.detachAppender(logs);
        logger.setLevel(null);
    }

    /** Starts {@code loop} on the virtual clock and returns the tick events to verify. */
    private Flux<String> run(Loop.Builder builder, Supplier<Mono<?>> tick) {
        loop = builder.on(VirtualTimeScheduler.get()).meters(meters).start(tick);
        return events.asFlux();
    }

    private Mono<String> report(Mono<?> work) {
        int n = started.incrementAndGet();
        return work.then(Mono.fromRunnable(() -> events.tryEmitNext(String.valueOf(n))).thenReturn(""))
                .doOnCancel(() -> events.tryEmitNext("cancelled " + n));
    }

    private double count(String name, String... tags) {
        var c = meters.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    private List<ILoggingEvent> warnings() {
        return logs.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
    }

    @Test
    void aLoopWithoutARegistryDoesNotStart() {
        // no quiet fallback to Micrometer's global registry, where every app of a JVM would count the others' ticks
        assertThatThrownBy(() -> Loop.named("unmetered").every(Duration.ofSeconds(1)).timeout(Duration.ofSeconds(1))
                .start(Mono::empty)).isInstanceOf(IllegalStateException.class).hasMessageContaining("meters(registry)");
    }

    @Test
    void ticksEveryPeriodAndCountsThem() {
        StepVerifier.withVirtualTime(() -> run(Loop.named("steady").every(Duration.ofSeconds(10)).timeout(Duration.ofSeconds(5)),
                        () -> report(Mono.empty())))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(9999))
                .thenAwait(Duration.ofMillis(1))
                .expectNext("1")
                .expectNoEvent(Duration.ofMillis(9999))
                .thenAwait(Duration.ofMillis(1))
                .expectNext("2")
                .thenCancel()
                .verify(Duration.ofSeconds(5));
        assertThat(count("tidings.loop.ticks", "loop", "steady")).isEqualTo(2);
        assertThat(count("tidings.loop.failures", "loop", "steady", "kind", "error")).isZero();
    }

    @Test
    void aTickThatHangsIsCancelledAtTheTimeoutAndTheLoopGoesOn() {
        AtomicBoolean first = new AtomicBoolean(true);
        StepVerifier.withVirtualTime(() -> run(Loop.named("hangs").every(Duration.ofSeconds(1)).timeout(Duration.ofMillis(2500)),
                        () -> report(first.getAndSet(false) ? Mono.never() : Mono.empty())))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(3499)) // the first tick starts at 1 s and hangs
                .thenAwait(Duration.ofMillis(1))
                .expectNext("cancelled 1") // at 3.5 s
                .expectNoEvent(Duration.ofMillis(499)) // the ticks at 2 s and 3 s were dropped
                .thenAwait(Duration.ofMillis(1))
                .expectNext("2") // at 4 s
                .thenCancel()
                .verify(Duration.ofSeconds(5));
        assertThat(count("tidings.loop.failures", "loop", "hangs", "kind", "timeout")).isEqualTo(1);
        assertThat(count("tidings.loop.dropped", "loop", "hangs")).isEqualTo(2);
        assertThat(warnings()).singleElement().satisfies(w -> assertThat(w.getFormattedMessage()).contains("hangs", "longer than"));
    }

    @Test
    void aFailingTickIsLoggedOnceWithItsStackTraceAndTheLoopGoesOn() {
        AtomicInteger calls = new AtomicInteger();
        StepVerifier.withVirtualTime(() -> run(Loop.named("flaky").every(Duration.ofSeconds(1)).timeout(Duration.ofSeconds(1)),
                        () -> {
                            int n = calls.incrementAndGet();
                            if (n <= 3) throw new IllegalStateException("database gone");
                            if (n == 5) return Mono.error(new IllegalArgumentException("another bug"));
                            return report(Mono.empty());
                        }))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(3999)) // three failures at 1, 2 and 3 s
                .thenAwait(Duration.ofMillis(1))
                .expectNext("1") // the fourth tick works
                .expectNoEvent(Duration.ofMillis(1999)) // the fifth fails differently, at 5 s
                .thenAwait(Duration.ofMillis(1))
                .expectNext("2")
                .thenCancel()
                .verify(Duration.ofSeconds(5));
        assertThat(count("tidings.loop.ticks", "loop", "flaky")).isEqualTo(6);
        assertThat(count("tidings.loop.failures", "loop", "flaky", "kind", "error")).isEqualTo(4);
        List<ILoggingEvent> warned = warnings();
        assertThat(warned).hasSize(2);
        assertThat(warned.get(0).getThrowableProxy().getMessage()).isEqualTo("database gone");
        assertThat(warned.get(0).getThrowableProxy().getStackTraceElementProxyArray()).isNotEmpty();
        assertThat(warned.get(1).getThrowableProxy().getMessage()).isEqualTo("another bug");
        assertThat(logs.list).anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("flaky", "works again after 3"));
    }

    @Test
    void ticksThatOverrunThePeriodAreDroppedNotQueued() {
        StepVerifier.withVirtualTime(() -> run(Loop.named("slow").every(Duration.ofSeconds(1)).timeout(Duration.ofSeconds(10)),
                        () -> report(Mono.delay(Duration.ofMillis(2500), VirtualTimeScheduler.get()))))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(3499)) // starts at 1 s, ends at 3.5 s
                .thenAwait(Duration.ofMillis(1))
                .expectNext("1")
                .expectNoEvent(Duration.ofMillis(2999)) // the ticks at 2 and 3 s were dropped: the next starts at 4 s
                .thenAwait(Duration.ofMillis(1))
                .expectNext("2") // at 6.5 s
                .expectNoEvent(Duration.ofMillis(600))
                .thenCancel()
                .verify(Duration.ofSeconds(5));
        assertThat(count("tidings.loop.ticks", "loop", "slow")).isEqualTo(3); // the third started at 7 s
        assertThat(count("tidings.loop.dropped", "loop", "slow")).isEqualTo(4); // 2, 3, 5 and 6 s
    }

    @Test
    void aWakeUpDuringATickBringsExactlyOneMoreTick() {
        Sinks.Many<Boolean> wake = Sinks.many().multicast().directBestEffort();
        StepVerifier.withVirtualTime(() -> run(Loop.named("woken").every(Duration.ofMinutes(1)).timeout(Duration.ofSeconds(10))
                                .wakeUps(wake.asFlux()),
                        () -> report(Mono.delay(Duration.ofSeconds(1), VirtualTimeScheduler.get()))))
                .expectSubscription()
                .then(() -> wake.tryEmitNext(true))
                .expectNoEvent(Duration.ofMillis(500))
                .then(() -> {
                    wake.tryEmitNext(true); // three wake-ups during the first tick
                    wake.tryEmitNext(true);
                    wake.tryEmitNext(true);
                })
                .expectNoEvent(Duration.ofMillis(499))
                .thenAwait(Duration.ofMillis(1))
                .expectNext("1")
                .expectNoEvent(Duration.ofMillis(999))
                .thenAwait(Duration.ofMillis(1))
                .expectNext("2")
                .expectNoEvent(Duration.ofSeconds(50)) // nothing more until the timer
                .thenCancel()
                .verify(Duration.ofSeconds(5));
        assertThat(started).hasValue(2);
    }
}
