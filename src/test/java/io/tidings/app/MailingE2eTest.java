package io.tidings.app;

import static io.tidings.app.E2e.T;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.feed.FreshPool;
import io.tidings.testkit.botapi.SentMessage;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Mailings: every active reader gets their best fresh post exactly once; paused and unreachable readers get nothing. */
class MailingE2eTest {

    private static final List<Long> ACTIVE = List.of(7001L, 7002L, 7003L);
    private static final long PAUSED = 7004;
    private static final long UNREACHABLE = 7005;
    private E2e e2e;

    @BeforeEach
    void setUp() {
        e2e = new E2e().channel("alphanews", 8).channel("betanews", 8).channel("gammanews", 8);
        e2e.start(List.of("alphanews", "betanews", "gammanews"));
        assertThat(e2e.ingest()).isEqualTo(24);
    }

    @AfterEach
    void tearDown() {
        if (e2e != null) e2e.close();
    }

    @Test
    void everyActiveReaderGetsTheirBestFreshPostExactlyOnce() {
        List<Long> everyone = E2e.concat(ACTIVE, List.of(PAUSED, UNREACHABLE));
        everyone.forEach(r -> e2e.telegram.pushMessage(r, "/start", "en"));
        everyone.forEach(r -> e2e.awaitPost(r, 1));
        // teach the model something so scores differ between posts: the first reader likes what they got
        long first = ACTIVE.get(0);
        SentMessage got = e2e.posts(first).get(0);
        e2e.telegram.pushCallbackQuery(first, got.messageId(), got.button("👍").callbackData());
        e2e.awaitPost(first, 2);
        assertThat(e2e.app().trainer().train().block(Duration.ofMinutes(1))).isTrue();
        e2e.app().feed().rebuild().block(T); // candidates re-ranked with the new model (the old ones serve until then)
        e2e.awaitOutboxEmpty();
        e2e.db.sql().update("UPDATE readers SET status = 'paused' WHERE id = $1", PAUSED).block(T);
        e2e.db.sql().update("UPDATE readers SET status = 'unreachable' WHERE id = $1", UNREACHABLE).block(T);
        int[] before = ACTIVE.stream().mapToInt(r -> e2e.posts(r).size()).toArray();

        assertThat(e2e.app().feed().mailing(1).block(T)).isEqualTo(ACTIVE.size());
        for (int i = 0; i < ACTIVE.size(); i++) e2e.awaitPost(ACTIVE.get(i), before[i] + 1);
        e2e.awaitOutboxEmpty();

        FreshPool.Snapshot pool = e2e.app().pool().snapshot();
        for (int i = 0; i < ACTIVE.size(); i++) {
            long reader = ACTIVE.get(i);
            assertThat(e2e.posts(reader)).as("reader %d", reader).hasSize(before[i] + 1);
            var rows = e2e.deliveries(reader);
            var mailed = rows.stream().filter(d -> d.reason().equals("mailing")).toList();
            assertThat(mailed).singleElement().satisfies(d -> assertThat(d.state()).isEqualTo("sent"));
            Set<Long> seenBefore = new HashSet<>();
            rows.stream().filter(d -> !d.reason().equals("mailing")).forEach(d -> seenBefore.add(d.post()));
            assertThat(seenBefore).doesNotContain(mailed.get(0).post());
            float[] scores = e2e.app().models().scorePosts(reader, pool.channelIds(), pool.postIds());
            float best = Float.NEGATIVE_INFINITY;
            for (int p = 0; p < pool.size(); p++) {
                if (!seenBefore.contains(pool.postIds()[p])) best = Math.max(best, scores[p]);
            }
            assertThat(mailed.get(0).score()).as("the mailed post is the reader's best unseen one").isCloseTo(best, org.assertj.core.data.Offset.offset(1e-5f)); // fast path vs ONNX (DESIGN.md §3)
            assertThat(e2e.posts(reader).stream().map(E2e::permalink).distinct().count()).isEqualTo(before[i] + 1);
        }
        assertThat(e2e.posts(PAUSED)).hasSize(1);
        assertThat(e2e.posts(UNREACHABLE)).hasSize(1);
        assertThat(e2e.deliveries(PAUSED)).hasSize(1);
        assertThat(e2e.deliveries(UNREACHABLE)).hasSize(1);

        // a second mailing brings each active reader one more new post, and still nothing to the others
        assertThat(e2e.app().feed().mailing(1).block(T)).isEqualTo(ACTIVE.size());
        for (int i = 0; i < ACTIVE.size(); i++) e2e.awaitPost(ACTIVE.get(i), before[i] + 2);
        e2e.awaitOutboxEmpty();
        for (int i = 0; i < ACTIVE.size(); i++) {
            List<SentMessage> posts = e2e.posts(ACTIVE.get(i));
            assertThat(posts).hasSize(before[i] + 2);
            assertThat(posts.stream().map(E2e::permalink).distinct().count()).isEqualTo(posts.size());
        }
        assertThat(e2e.telegram.sentTo(PAUSED)).hasSize(3);      // greeting, onboarding offer, first post; nothing since
        assertThat(e2e.telegram.sentTo(UNREACHABLE)).hasSize(3);
    }

    @Test
    void aMailingRidesOutAPoolThatHandsOutNoConnectionForAWhile() {
        ACTIVE.forEach(r -> e2e.telegram.pushMessage(r, "/start", "en"));
        ACTIVE.forEach(r -> e2e.awaitPost(r, 1));
        e2e.awaitOutboxEmpty();
        e2e.awaitUpdatesHandled();
        // every connection of the app's pool held for twice its 5 s acquire timeout, as busy handlers did in a soak
        var pool = e2e.app().database().pool();
        int size = pool.getMetrics().orElseThrow().getMaxAllocatedSize();
        List<io.r2dbc.spi.Connection> held = reactor.core.publisher.Flux.range(0, size)
                .flatMap(i -> pool.create()).collectList().block(T);
        assertThat(held).hasSize(size);
        reactor.core.publisher.Mono.delay(Duration.ofSeconds(12))
                .thenMany(reactor.core.publisher.Flux.fromIterable(held).concatMap(c -> c.close()))
                .subscribe();

        long t0 = System.nanoTime();
        assertThat(e2e.app().feed().mailing(1).block(Duration.ofMinutes(1))).isEqualTo(ACTIVE.size());
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("it had to wait past an acquire timeout")
                .isGreaterThan(Duration.ofSeconds(5));
        for (long r : ACTIVE) e2e.awaitPost(r, 2);
    }

    @Test
    void aMailingWithNothingNewQueuesNothing() {
        e2e.telegram.pushMessage(ACTIVE.get(0), "/start", "en");
        e2e.awaitPost(ACTIVE.get(0), 1);
        long total = 24;
        long mailed = 0;
        for (int i = 0; i < total + 2; i++) mailed += e2e.app().feed().mailing(1).block(T);
        assertThat(mailed).isEqualTo(total - 1);
        assertThat(e2e.deliveries(ACTIVE.get(0))).hasSize((int) total);
        assertThat(e2e.deliveries(ACTIVE.get(0)).stream().map(E2e.Delivery::post).distinct().count()).isEqualTo(total);
    }
}
