package io.tidings.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

class OutboxTest {

    private static final Duration T = Duration.ofSeconds(30);
    private Database db;
    private DeliveryRepository deliveries;
    private long channel;

    @BeforeEach
    void setUp() {
        db = TestDatabase.reset();
        deliveries = new DeliveryRepository(db);
        channel = new ChannelRepository(db).ensure("durov").block(T).id();
    }

    private long post(long messageId) {
        return new PostRepository(db).insertIfAbsent(new PostRepository.NewPost(channel, messageId, Instant.now(), PostKind.TEXT,
                "hello " + messageId, "hello " + messageId, List.of(), 10, null)).block(T).id();
    }

    @Test
    void aPostIsStoredOnceAndAnnouncedOnlyTheFirstTime() {
        long id = post(7);
        var again = new PostRepository(db).insertIfAbsent(new PostRepository.NewPost(channel, 7, Instant.now(), PostKind.TEXT,
                "changed", "changed", List.of(), 10, null)).blockOptional(T);
        assertThat(again).isEmpty();
        assertThat(new PostRepository(db).find(id).block(T).text()).isEqualTo("hello 7");
        assertThat(new ChannelRepository(db).ensure("durov").block(T).id()).isEqualTo(channel);
    }

    @Test
    void aPostCanBeQueuedForAReaderOnlyOnce() {
        new ReaderRepository(db).start(1, "Ann", "en").block(T);
        long p = post(1);
        assertThat(deliveries.enqueue(1, p, "mailing", 0.5f).blockOptional(T)).isPresent();
        assertThat(deliveries.enqueue(1, p, "next", 0.9f).blockOptional(T)).isEmpty();
        assertThat(deliveries.seenBy(1, Instant.EPOCH).collectList().block(T)).containsExactly(p);
    }

    @Test
    void aDigestIsOneDeliveryAndEachOfItsPostsCanBeAskedForOnce() {
        new ReaderRepository(db).start(1, "Ann", "en").block(T);
        long a = post(1), b = post(2), c = post(3);
        assertThat(deliveries.enqueueAll(new long[] {1, 1, 1}, new long[] {a, b, c}, new float[] {0.2f, 0.9f, 0.5f}, new boolean[3], "mailing", true)
                .count().block(T)).isEqualTo(3);
        assertThat(deliveries.open().block(T)).as("posts planned for a digest are not queued by themselves").isZero();
        assertThat(deliveries.bundleDigests(new Long[] {1L}).block(T)).isEqualTo(1);
        assertThat(deliveries.bundleDigests(new Long[] {1L}).block(T)).as("bundled once").isZero();
        assertThat(deliveries.enqueue(1, b, "next", 1f).blockOptional(T)).as("a listed post is never queued again").isEmpty();

        List<DeliveryRepository.Outgoing> claimed = deliveries.claim("w", Duration.ofMinutes(1), 10).collectList().block(T);
        assertThat(claimed).singleElement().satisfies(o -> {
            assertThat(o.isDigest()).isTrue();
            assertThat(o.post()).isNull();
            assertThat(o.digest()).extracting(Post::id).containsExactly(b, c, a); // best first
        });
        deliveries.markSending(new Long[] {claimed.get(0).id()}, "w", Duration.ofMinutes(1)).blockLast(T);
        deliveries.recordOutcomes(List.of(DeliveryRepository.Outcome.sent(claimed.get(0).id(), 77)), "w").block(T);

        // two presses of the same "full post" button at once: one queues it, the other finds it gone
        List<Long> queued = Flux.range(0, 8).flatMap(i -> deliveries.openDigestEntry(1, c).subscribeOn(Schedulers.parallel()), 8)
                .collectList().block(T);
        assertThat(queued).hasSize(1);
        assertThat(deliveries.openDigestEntry(1, 999_999).blockOptional(T)).as("a post not in a digest of theirs").isEmpty();
        List<DeliveryRepository.Outgoing> full = deliveries.claim("w", Duration.ofMinutes(1), 10).collectList().block(T);
        assertThat(full).singleElement().satisfies(o -> {
            assertThat(o.isDigest()).isFalse();
            assertThat(o.post().id()).isEqualTo(c);
        });
    }

    @Test
    void concurrentWorkersNeverClaimTheSameDelivery() {
        ReaderRepository readers = new ReaderRepository(db);
        long p = post(1);
        for (long r = 1; r <= 200; r++) {
            readers.start(r, "r" + r, "en").block(T);
            deliveries.enqueue(r, p, "mailing", 0.5f).block(T);
        }
        List<Long> claimed = Flux.range(0, 8)
                .flatMap(w -> Flux.range(0, 10).concatMap(i -> deliveries.claim("w" + w, Duration.ofMinutes(1), 7))
                        .subscribeOn(Schedulers.parallel()), 8)
                .map(DeliveryRepository.Outgoing::id)
                .collectList().block(T);
        Set<Long> unique = new HashSet<>(claimed);
        assertThat(claimed).hasSize(200);
        assertThat(unique).hasSize(200);
        assertThat(deliveries.claim("late", Duration.ofMinutes(1), 10).collectList().block(T)).isEmpty();
    }

    @Test
    void changingAVoteUpdatesItAndRepeatingItChangesNothing() {
        new ReaderRepository(db).start(5, null, "ru").block(T);
        long p = post(3);
        VoteRepository votes = new VoteRepository(db);
        votes.upsert(5, p, true).block(T);
        long seq1 = votes.maxSeq().block(T);
        assertThat(votes.upsert(5, p, true).block(T)).isZero();
        assertThat(votes.maxSeq().block(T)).isEqualTo(seq1);
        votes.upsert(5, p, false).block(T);
        assertThat(votes.find(5, p).block(T)).isFalse();
        assertThat(votes.count().block(T)).isEqualTo(1);
        assertThat(votes.maxSeq().block(T)).isGreaterThan(seq1);
    }

    @Test
    void anUnreachableReaderLosesQueuedDeliveriesOnly() {
        ReaderRepository readers = new ReaderRepository(db);
        readers.start(9, "x", "en").block(T);
        long a = post(1), b = post(2);
        long sent = deliveries.enqueue(9, a, "mailing", 0f).block(T);
        deliveries.claim("w", Duration.ofMinutes(1), 1).blockLast(T);
        deliveries.markSending(new Long[] {sent}, "w", Duration.ofMinutes(1)).blockLast(T);
        deliveries.recordOutcomes(List.of(DeliveryRepository.Outcome.sent(sent, 100)), "w").block(T);
        deliveries.enqueue(9, b, "mailing", 0f).block(T);
        readers.markUnreachable(9).block(T);
        assertThat(deliveries.dropQueued(9, "blocked").block(T)).isEqualTo(1);
        assertThat(deliveries.count("sent").block(T)).isEqualTo(1);
        assertThat(readers.find(9).block(T).active()).isFalse();
        assertThat(readers.start(9, "x", "en").block(T).active()).isTrue();
    }
}
