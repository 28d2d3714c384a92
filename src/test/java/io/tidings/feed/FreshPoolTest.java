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
}
