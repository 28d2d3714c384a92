package io.tidings.feed;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class FreshPoolTest {

    private final Instant now = Instant.parse("2026-11-28T12:00:00Z");
    private final Clock clock = Clock.fixed(now, ZoneOffset.UTC);

    @Test
    void oldPostsStayOutAndExpiredOnesAreEvicted() {
        FreshPool pool = new FreshPool(Duration.ofDays(3), 100, clock);
        assertThat(pool.add(new FreshPool.Entry(1, 1, now.minus(Duration.ofDays(4))))).isFalse();
        assertThat(pool.add(new FreshPool.Entry(2, 1, now.minus(Duration.ofHours(1))))).isTrue();
        assertThat(pool.snapshot().postIds()).containsExactly(2);
        FreshPool later = new FreshPool(Duration.ofHours(1), 100, Clock.offset(clock, Duration.ofHours(2)));
        later.add(new FreshPool.Entry(3, 1, now.plus(Duration.ofMinutes(70))));
        later.add(new FreshPool.Entry(4, 1, now.plus(Duration.ofMinutes(119))));
        assertThat(later.size()).isEqualTo(2);
        assertThat(new FreshPool(Duration.ofMinutes(30), 100, Clock.offset(clock, Duration.ofHours(2))).evictExpired()).isZero();
    }

    @Test
    void thePoolIsBoundedByCountDroppingTheOldest() {
        FreshPool pool = new FreshPool(Duration.ofDays(3), 3, clock);
        for (int i = 1; i <= 5; i++) pool.add(new FreshPool.Entry(i, 1, now.minus(Duration.ofMinutes(10 - i))));
        assertThat(pool.size()).isEqualTo(3);
        assertThat(pool.snapshot().postIds()).containsExactlyInAnyOrder(3, 4, 5);
    }

    @Test
    void snapshotsAreRebuiltOnlyAfterAChange() {
        FreshPool pool = new FreshPool(Duration.ofDays(3), 10, clock);
        pool.add(new FreshPool.Entry(1, 7, now));
        FreshPool.Snapshot a = pool.snapshot();
        assertThat(pool.snapshot()).isSameAs(a);
        pool.add(new FreshPool.Entry(2, 8, now));
        assertThat(pool.snapshot()).isNotSameAs(a);
        assertThat(pool.snapshot().channelIds()).containsExactlyInAnyOrder(7, 8);
        pool.remove(1);
        assertThat(pool.snapshot().postIds()).containsExactly(2);
    }

    @Test
    void theTimerEvictsExpiredPostsByAgeWithoutAnyArrival() {
        java.util.concurrent.atomic.AtomicReference<Instant> time = new java.util.concurrent.atomic.AtomicReference<>(now);
        Clock moving = new Clock() {
            @Override public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
            @Override public Clock withZone(java.time.ZoneId zone) { return this; }
            @Override public Instant instant() { return time.get(); }
        };
        FreshPool pool = new FreshPool(Duration.ofHours(1), 1000, moving);
        // out of order, as ingest announces them
        for (int i = 1; i <= 500; i++) pool.add(new FreshPool.Entry(i, 1, now.minus(Duration.ofSeconds((i * 37L) % 3000))));
        assertThat(pool.size()).isEqualTo(500);
        time.set(now.plus(Duration.ofMinutes(20))); // posts older than 40 minutes at the start have expired
        long fresh = java.util.stream.LongStream.rangeClosed(1, 500).filter(i -> (i * 37L) % 3000 <= 2400).count();
        reactor.core.Disposable timer = pool.start(Duration.ofMillis(50), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        try {
            io.tidings.Await.until("the timer evicts what expired", () -> pool.size() == fresh, Duration.ofSeconds(30));
        } finally {
            timer.dispose();
        }
        for (long id : pool.snapshot().postIds()) assertThat((id * 37L) % 3000).as("post %d", id).isLessThanOrEqualTo(2400);
        assertThat(pool.evictExpired()).isZero();
    }

    @Test
    void atTheCapEachAddDropsExactlyTheOldestAndARemovedPostLeavesTheAgeOrderToo() {
        FreshPool pool = new FreshPool(Duration.ofDays(3), 10_000, clock);
        for (int i = 1; i <= 100_000; i++) pool.add(new FreshPool.Entry(i, 1, now.minus(Duration.ofSeconds(100_000 - i))));
        assertThat(pool.size()).isEqualTo(10_000);
        assertThat(pool.contains(90_001)).isTrue();
        assertThat(pool.contains(90_000)).isFalse();
        pool.remove(90_001);
        pool.add(new FreshPool.Entry(100_001, 1, now));
        assertThat(pool.size()).isEqualTo(10_000);
        assertThat(pool.contains(90_002)).as("the removed post was not counted as the oldest").isTrue();
    }
}
