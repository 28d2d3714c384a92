package io.tidings.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The sender's pacing on virtual time: an in-memory outbox with the database's rules, and a Telegram that
 * records when each call arrives after a latency the test chooses.
 */
class DeliverySenderVirtualTimeTest {

    private static final long SECOND = 1_000_000_000L;

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final io.micrometer.core.instrument.MeterRegistry meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    private final MemoryOutbox outbox = new MemoryOutbox();
    /** Arrivals at "Telegram": {virtual nanos, chat, delivery id}. */
    private final List<long[]> arrivals = Collections.synchronizedList(new ArrayList<>());
    private final List<Disposable> running = new ArrayList<>();

    @AfterEach
    void tearDown() {
        running.forEach(Disposable::dispose);
        time.dispose();
    }

    private long now() {
        return time.now(TimeUnit.NANOSECONDS);
    }

    /** Telegram on virtual time: a call arrives {@code latency} after it leaves and is answered at once. */
    private Courier telegram(LongFunction<Duration> latencyOfDelivery) {
        return o -> new Courier.Attempt() {
            @Override
            public Mono<Integer> send() {
                return Mono.delay(latencyOfDelivery.apply(o.id()), time).map(x -> {
                    arrivals.add(new long[] {now(), o.readerId(), o.id()});
                    return (int) o.id();
                });
            }

            @Override
            public int partsSent() {
                return 0;
            }
        };
    }

    private DeliverySender sender(String owner, double rate, Courier courier) {
        return new DeliverySender(outbox, courier, owner, rate, Duration.ofSeconds(1), Duration.ofMinutes(2), time, this::now);
    }

    /** {@code perReader} deliveries for each of {@code readers}, queued reader by reader as a mailing queues them. */
    private int queue(int readers, int perReader) {
        for (long r = 1; r <= readers; r++) {
            for (int p = 0; p < perReader; p++) outbox.enqueue(r);
        }
        return readers * perReader;
    }

    private List<long[]> sortedArrivals() {
        List<long[]> sorted = new ArrayList<>(arrivals);
        sorted.sort((a, b) -> Long.compare(a[0], b[0]));
        return sorted;
    }

    private static int mostInAnySecond(List<long[]> sorted) {
        int worst = 0;
        for (int start = 0, end = 0; end < sorted.size(); end++) {
            while (sorted.get(end)[0] - sorted.get(start)[0] >= SECOND) start++;
            worst = Math.max(worst, end - start + 1);
        }
        return worst;
    }

    private void assertEveryDeliverySentOnce(int n) {
        assertThat(outbox.count("sent")).isEqualTo(n);
        assertThat(arrivals).hasSize(n);
        assertThat(arrivals.stream().map(a -> a[2]).distinct().count()).isEqualTo(n);
    }

    private void assertNoChatGetsTwoWithinASecond() {
        Map<Long, Long> last = new HashMap<>();
        for (long[] a : sortedArrivals()) {
            Long before = last.put(a[1], a[0]);
            if (before != null) assertThat(a[0] - before).as("gap in chat %d", a[1]).isGreaterThanOrEqualTo(SECOND);
        }
    }

    @Test
    void aMailingToNReadersAtRateRTakesNOverRSecondsAndNoChatGetsTwoMessagesWithinASecond() {
        double rate = 50;
        int n = queue(200, 3);
        running.add(sender("a", rate, telegram(id -> Duration.ofMillis(3))).start(meters));

        time.advanceTimeBy(Duration.ofSeconds(60));

        assertEveryDeliverySentOnce(n);
        assertNoChatGetsTwoWithinASecond();
        List<long[]> sorted = sortedArrivals();
        double seconds = (sorted.get(n - 1)[0] - sorted.get(0)[0]) / 1e9;
        // n sends are n-1 gaps at the rate less its headroom, and at the end the last readers' later posts wait
        // for their chat's second
        double expected = (n - 1) / (rate * SendPace.HEADROOM);
        assertThat(seconds).isBetween((n - 1) / rate, expected + 1);
        long t0 = sorted.get(0)[0];
        long steady = sorted.stream().filter(a -> a[0] >= t0 + 2 * SECOND && a[0] < t0 + 10 * SECOND).count();
        assertThat(steady / 8.0).as("sends per second in the middle").isBetween(rate * 0.98, rate);
        assertThat(mostInAnySecond(sorted)).isLessThanOrEqualTo((int) rate);
    }

    @Test
    void callsThatBunchOnTheWayNeverMakeMoreThanTheRateArriveInASecond() {
        double rate = 40;
        int n = queue(400, 1);
        // every 10th call stalls on the way for 700 ms, then arrives together with the ones sent after it
        running.add(sender("a", rate, telegram(id -> Duration.ofMillis(id % 10 == 0 ? 700 : 2))).start(meters));

        time.advanceTimeBy(Duration.ofSeconds(60));

        assertEveryDeliverySentOnce(n);
        assertThat(mostInAnySecond(sortedArrivals())).isLessThanOrEqualTo((int) rate);
    }

    @Test
    void rateChangesApplyToTheVerySecondThatFollows() {
        int n = queue(600, 1);
        DeliverySender sender = sender("a", 60, telegram(id -> Duration.ofMillis(2)));
        running.add(sender.start(meters));
        time.advanceTimeBy(Duration.ofSeconds(3));
        long changed = now();
        sender.setRate(20); // a second replica joined

        time.advanceTimeBy(Duration.ofSeconds(60));

        assertEveryDeliverySentOnce(n);
        List<long[]> after = sortedArrivals().stream().filter(a -> a[0] >= changed).toList();
        // the window that straddles the change still holds some sends at the old rate, none beyond the new cap
        List<long[]> later = after.stream().filter(a -> a[0] >= changed + SECOND).toList();
        assertThat(mostInAnySecond(later)).isLessThanOrEqualTo(20);
    }

    @Test
    void aGracefulStopSendsWhatItMarkedHandsBackWhatItClaimedAndRepeatsNothing() {
        int n = queue(300, 1);
        DeliverySender first = sender("first", 50, telegram(id -> Duration.ofMillis(3)));
        running.add(first.start(meters));
        time.advanceTimeBy(Duration.ofSeconds(2));

        StepVerifier.create(first.stop(Duration.ofSeconds(5)))
                .then(() -> time.advanceTimeBy(Duration.ofSeconds(20)))
                .expectComplete()
                .verify(Duration.ofSeconds(10));
        long sentByFirst = arrivals.size();
        assertThat(outbox.rows()).noneMatch(r -> r.state.equals("claimed") || r.state.equals("sending"));
        assertThat(outbox.count("sent")).isEqualTo(sentByFirst);
        assertThat(sentByFirst).isBetween(100L, 200L); // about two seconds' worth, and what was marked at the stop

        running.add(sender("second", 50, telegram(id -> Duration.ofMillis(3))).start(meters));
        time.advanceTimeBy(Duration.ofSeconds(30));

        assertEveryDeliverySentOnce(n);
    }

    @Test
    void aCallStillOnTheWireAtTheStopDeadlineIsNeverRepeated() {
        int n = queue(20, 1);
        // Telegram hangs: nothing is answered within the deadline
        DeliverySender first = sender("first", 10, telegram(id -> Duration.ofSeconds(30)));
        running.add(first.start(meters));
        time.advanceTimeBy(Duration.ofMillis(500));

        StepVerifier.create(first.stop(Duration.ofSeconds(1)))
                .then(() -> time.advanceTimeBy(Duration.ofSeconds(10)))
                .expectComplete()
                .verify(Duration.ofSeconds(10));
        List<Long> onTheWire = outbox.rows().stream().filter(r -> r.state.equals("sending")).map(r -> r.id).toList();
        assertThat(onTheWire).isNotEmpty();
        assertThat(outbox.rows()).noneMatch(r -> r.state.equals("claimed"));

        running.add(sender("second", 10, telegram(id -> Duration.ofMillis(3))).start(meters));
        time.advanceTimeBy(Duration.ofSeconds(60));

        // the second sender sent everything else; what was on the wire stays with its first attempt
        assertThat(outbox.count("sent")).isEqualTo(n - onTheWire.size());
        assertThat(arrivals.stream().map(a -> a[2]).distinct().count()).isEqualTo(arrivals.size());
        assertThat(arrivals.stream().map(a -> a[2]).filter(onTheWire::contains).count())
                .as("calls of the stopped sender arrive late, once each").isEqualTo(onTheWire.size());
    }
}
