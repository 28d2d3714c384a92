package io.tidings.app;

import static io.tidings.app.E2e.T;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidings.feed.FreshPool;
import io.tidings.model.ModelCodec;
import io.tidings.model.ModelStore;
import io.tidings.model.TrainedModel;
import io.tidings.store.ModelRepository;
import io.tidings.testkit.botapi.SentMessage;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;

/**
 * ROLE=serve: once the candidates are built with a model version, the registry serves it without its float reader table,
 * mailings still bring every reader their best unseen post (ranked from their row in the index), and no increment is
 * trained from the rowless version.
 */
class ServeRoleE2eTest {

    private static final List<Long> READERS = List.of(7101L, 7102L, 7103L);
    private E2e e2e;

    @BeforeEach
    void setUp() {
        e2e = new E2e().channel("alphanews", 8).channel("betanews", 8).channel("gammanews", 8);
        e2e.start(List.of("alphanews", "betanews", "gammanews"), java.util.Map.of("ROLE", "serve"));
        assertThat(e2e.ingest()).isEqualTo(24);
    }

    @AfterEach
    void tearDown() {
        if (e2e != null) e2e.close();
    }

    @Test
    void aServingPodLetsTheReaderTableGoOnceBuiltAndStillMailsEachReaderTheirBestPost() {
        READERS.forEach(r -> e2e.telegram.pushMessage(r, "/start", "en"));
        READERS.forEach(r -> e2e.awaitPost(r, 1));
        long first = READERS.get(0);
        SentMessage got = e2e.posts(first).get(0);
        e2e.telegram.pushCallbackQuery(first, got.messageId(), got.button("👍").callbackData());
        e2e.awaitPost(first, 2);
        e2e.awaitOutboxEmpty();
        // the serving pod trains no loop; a full training stands in for the trainer pod's stored version
        assertThat(e2e.app().trainer().train().block(Duration.ofMinutes(1))).isTrue();
        e2e.app().feed().rebuild().block(T);
        long version = e2e.app().models().version();
        assertThat(version).isPositive();
        try (var lease = e2e.app().models().current()) {
            assertThat(lease.model().version()).isEqualTo(version);
            assertThat(lease.model().model().keepsReaderRows()).as("the reader table went after the build").isFalse();
        }
        // what the whole version scores, read back from the store as the trainer saved it
        ModelRepository repository = new ModelRepository(e2e.db);
        TrainedModel whole = new ModelStore(repository, ModelCodec.DEFAULT_CHUNK_BYTES, Schedulers.boundedElastic())
                .load(repository.latest().block(T)).block(T);
        assertThat(whole.keepsReaderRows()).isTrue();

        int[] before = READERS.stream().mapToInt(r -> e2e.posts(r).size()).toArray();
        assertThat(e2e.app().feed().mailing(1).block(T)).isEqualTo(READERS.size());
        for (int i = 0; i < READERS.size(); i++) e2e.awaitPost(READERS.get(i), before[i] + 1);
        e2e.awaitOutboxEmpty();
        FreshPool.Snapshot pool = e2e.app().pool().snapshot();
        for (long reader : READERS) {
            var rows = e2e.deliveries(reader);
            var mailed = rows.stream().filter(d -> d.reason().equals("mailing")).toList();
            assertThat(mailed).singleElement().satisfies(d -> assertThat(d.state()).isEqualTo("sent"));
            Set<Long> seenBefore = new HashSet<>();
            rows.stream().filter(d -> !d.reason().equals("mailing")).forEach(d -> seenBefore.add(d.post()));
            float[] scores = whole.scorePostsJava(reader, pool.channelIds(), pool.postIds());
            float best = Float.NEGATIVE_INFINITY;
            for (int p = 0; p < pool.size(); p++) {
                if (!seenBefore.contains(pool.postIds()[p])) best = Math.max(best, scores[p]);
            }
            // ranked from the reader's int8 row in the index: within the rounding the index accepts (CandidateIndexTest)
            assertThat(mailed.get(0).score()).as("reader %d's mailed post is their best unseen one", reader)
                    .isCloseTo(best, org.assertj.core.data.Offset.offset(2e-3f));
        }

        // a new vote, then an increment: refused here (it would start from a model that forgot every reader)
        SentMessage next = e2e.posts(first).get(e2e.posts(first).size() - 1);
        e2e.telegram.pushCallbackQuery(first, next.messageId(), next.button("👍").callbackData());
        E2e.await("the vote stored", () -> e2e.db.sql().one("SELECT count(*) AS n FROM votes", r -> r.get("n", Long.class))
                .block(T) >= 2);
        assertThatThrownBy(() -> e2e.app().trainer().train().block(Duration.ofMinutes(1))).hasMessageContaining("ROLE=serve");
        assertThat(e2e.app().models().version()).isEqualTo(version);
    }
}
