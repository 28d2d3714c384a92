package io.tidings.bot;

import static io.tidings.bot.FloodGuard.Verdict.ALLOW;
import static io.tidings.bot.FloodGuard.Verdict.DROP;
import static io.tidings.bot.FloodGuard.Verdict.WARN;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FloodGuardTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final FloodGuard guard = new FloodGuard(3, 6, Duration.ofSeconds(60), now::get); // a token every 10 s

    @Test
    void aBurstPassesThenOneWarningThenSilence() {
        List<FloodGuard.Verdict> verdicts = new ArrayList<>();
        for (int i = 0; i < 10; i++) verdicts.add(guard.check(1));
        assertThat(verdicts).containsExactly(ALLOW, ALLOW, ALLOW, WARN, DROP, DROP, DROP, DROP, DROP, DROP);
    }

    @Test
    void silenceEndsAndTheBucketRefillsAtItsRate() {
        for (int i = 0; i < 4; i++) guard.check(1);
        advance(Duration.ofSeconds(59));
        assertThat(guard.check(1)).isEqualTo(DROP);
        advance(Duration.ofSeconds(2));
        assertThat(guard.check(1)).as("one may pass right after the silence").isEqualTo(ALLOW);
        advance(Duration.ofSeconds(10));
        assertThat(guard.check(1)).isEqualTo(ALLOW);
        assertThat(guard.check(1)).as("flooding again earns a new warning").isEqualTo(WARN);
    }

    @Test
    void readersAreLimitedEachOnTheirOwn() {
        for (int i = 0; i < 5; i++) guard.check(1);
        assertThat(guard.check(2)).isEqualTo(ALLOW);
    }

    @Test
    void aReaderWhoPacesThemselvesIsNeverLimited() {
        for (int i = 0; i < 100; i++) {
            assertThat(guard.check(7)).isEqualTo(ALLOW);
            advance(Duration.ofSeconds(10));
        }
    }

    @Test
    void concurrentPressesAdmitExactlyTheBurstAndWarnOnce() throws InterruptedException {
        FloodGuard g = new FloodGuard(50, 1, Duration.ofMinutes(1), now::get);
        AtomicInteger allowed = new AtomicInteger();
        AtomicInteger warned = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 100; i++) {
                    switch (g.check(9)) {
                        case ALLOW -> allowed.incrementAndGet();
                        case WARN -> warned.incrementAndGet();
                        default -> { }
                    }
                }
            });
            thread.start();
            threads.add(thread);
        }
        go.countDown();
        for (Thread t : threads) t.join();
        assertThat(allowed.get()).isEqualTo(50);
        assertThat(warned.get()).isEqualTo(1);
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    /** A reader pressing 100 times at once, and again 10 s later, the presses going round-robin to the replicas' guards. */
    private int allowedInTwoFloods(List<FloodGuard> replicas) {
        int allowed = 0;
        for (int flood = 0; flood < 2; flood++) {
            for (int i = 0; i < 100; i++) if (replicas.get(i % replicas.size()).check(99) == ALLOW) allowed++;
            advance(Duration.ofSeconds(10));
        }
        return allowed;
    }

    @Test
    void twoReplicasTogetherHoldOneReplicasLimit() {
        // a burst of 20 and 120 a minute; the silence after a warning short, so the second flood meets the refilled bucket
        int alone = allowedInTwoFloods(List.of(new FloodGuard(20, 120, Duration.ofMillis(1), now::get)));
        FloodGuard a = new FloodGuard(20, 120, Duration.ofMillis(1), now::get);
        FloodGuard b = new FloodGuard(20, 120, Duration.ofMillis(1), now::get);
        int unshared = allowedInTwoFloods(List.of(a, b));
        FloodGuard sharedA = new FloodGuard(20, 120, Duration.ofMillis(1), now::get);
        FloodGuard sharedB = new FloodGuard(20, 120, Duration.ofMillis(1), now::get);
        sharedA.shareAmong(() -> 2);
        sharedB.shareAmong(() -> 2);
        int shared = allowedInTwoFloods(List.of(sharedA, sharedB));
        System.out.printf("flood guard, a reader flooding twice 10 s apart: one replica allows %d, two replicas without "
                + "sharing %d, two sharing %d%n", alone, unshared, shared);
        assertThat(alone).isEqualTo(40); // the burst of 20; 10 s later 20 again (the bucket refilled)
        assertThat(unshared).as("each replica counting alone: twice the limit").isEqualTo(2 * alone);
        assertThat(shared).as("two replicas sharing: one limit").isEqualTo(alone);
    }
}
