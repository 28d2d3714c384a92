package io.tidings.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a reader has seen, for their candidate sets: a fresh post delivered long ago still counts as seen. */
class SeenByAllTest {

    private static final Duration T = Duration.ofSeconds(30);

    @Test
    void aFreshPostQueuedBeforeTheFreshnessWindowIsStillSeen() {
        Database db = TestDatabase.reset();
        DeliveryRepository deliveries = new DeliveryRepository(db);
        long channel = new ChannelRepository(db).ensure("news").block(T).id();
        long fresh = post(db, channel, 1, Instant.now().minus(Duration.ofDays(2)));
        long old = post(db, channel, 2, Instant.now().minus(Duration.ofDays(30)));
        long other = post(db, channel, 3, Instant.now().minus(Duration.ofHours(1)));
        db.sql().update("INSERT INTO readers (id, first_name, language) VALUES (1, 'a', 'en'), (2, 'b', 'en')").block(T);
        deliveries.enqueue(1, fresh, "mailing", 0.5f).block(T);
        deliveries.enqueue(1, old, "mailing", 0.5f).block(T);
        deliveries.enqueue(2, other, "mailing", 0.5f).block(T);
        // queued a week ago (a post's time can be later than when we first saw it: an edit, a re-import)
        db.sql().update("UPDATE deliveries SET created_at = now() - interval '7 days'").block(T);

        List<DeliveryRepository.Seen> seen = deliveries.seenByAll(new Long[] {1L, 2L}, Instant.now().minus(Duration.ofDays(3)))
                .collectList().block(T);
        assertThat(seen).containsExactlyInAnyOrder(new DeliveryRepository.Seen(1, fresh), new DeliveryRepository.Seen(2, other));
    }

    private static long post(Database db, long channel, long message, Instant at) {
        return new PostRepository(db).insertIfAbsent(new PostRepository.NewPost(channel, message, at, PostKind.TEXT, "p", "p",
                List.of(), 1, null)).block(T).id();
    }
}
