package io.tidings.model.serve;

import io.tidings.model.Fixtures;
import io.tidings.model.ModelConfig;
import io.tidings.model.TrainedModel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ModelRegistryTest {
    private static final ModelConfig SMALL = ModelConfig.custom().readerDim(16).channelDim(12).postDim(4)
            .hidden(10).build();
    private static final long[] CHANNELS = new long[300];
    private static final long[] POSTS = new long[300];

    static {
        for (int i = 0; i < POSTS.length; i++) {
            CHANNELS[i] = 1000 + i % 7;
            POSTS[i] = 5000 + i;
        }
    }

    @Test
    void coldStartScoresEveryPostOneHalf() {
        try (ModelRegistry registry = ModelRegistry.coldStart(ModelConfig.defaults())) {
            assertThat(registry.version()).isZero();
            assertThat(registry.scorePosts(42, CHANNELS, POSTS)).hasSize(300).containsOnly(0.5f);
        }
    }

    @Test
    void replacedModelStaysOpenUntilItsLastLeaseIsReleased() {
        ScoringModel first = new ScoringModel(1, Fixtures.randomModel(SMALL, 1, 3, 7, 300));
        ScoringModel second = new ScoringModel(2, Fixtures.randomModel(SMALL, 2, 3, 7, 300));
        try (ModelRegistry registry = new ModelRegistry(first)) {
            ModelRegistry.Lease lease = registry.current();
            registry.swap(second);
            assertThat(registry.version()).isEqualTo(2);
            assertThat(first.isClosed()).isFalse();
            assertThat(first.hasSession()).as("no session until something scores through ONNX").isFalse();
            float[] old = lease.model().scorePosts(1, CHANNELS, POSTS); // still runs on the old session
            assertThat(old[0]).isCloseTo(first.model().score(1, CHANNELS[0], POSTS[0]), within(1e-5f));
            lease.close();
            lease.close(); // twice is harmless
            assertThat(first.isClosed()).isTrue();
            assertThat(first.sessionCloses()).isEqualTo(1);
            assertThat(second.isClosed()).isFalse();
            assertThat(second.hasSession()).isFalse();
        }
        assertThat(second.isClosed()).isTrue();
        assertThatThrownBy(second::scorer).as("a closed version opens no session").isInstanceOf(IllegalStateException.class);
    }

    @Test
    void swappingWhileOtherThreadsScoreNeverMixesOrCrashesAndClosesEveryOldSession() throws Exception {
        int versions = 25;
        List<ScoringModel> models = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        for (int v = 0; v < versions; v++) {
            TrainedModel m = Fixtures.randomModel(SMALL, 100 + v, 3, 7, 300);
            models.add(new ScoringModel(v, m));
            expected.add(m.scorePostsJava(1, CHANNELS, POSTS));
        }
        ModelRegistry registry = new ModelRegistry(models.get(0));
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        AtomicInteger runs = new AtomicInteger();
        List<Thread> scorers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            Thread thread = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        try (ModelRegistry.Lease lease = registry.current()) {
                            ScoringModel m = lease.model();
                            float[] got = m.scorePosts(1, CHANNELS, POSTS);
                            float[] want = expected.get((int) m.version());
                            for (int i = 0; i < got.length; i++) {
                                if (Math.abs(got[i] - want[i]) > 1e-5f) {
                                    throw new AssertionError("version " + m.version() + " pair " + i);
                                }
                            }
                            runs.incrementAndGet();
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }, "scorer-" + t);
            thread.start();
            scorers.add(thread);
        }
        for (int v = 1; v < versions; v++) {
            int before = runs.get();
            while (runs.get() < before + 3 && errors.isEmpty()) {
                Thread.onSpinWait(); // let scorers run on the current version before swapping again
            }
            registry.swap(models.get(v));
        }
        int before = runs.get();
        while (runs.get() < before + 3 && errors.isEmpty()) {
            Thread.onSpinWait();
        }
        stop.set(true);
        for (Thread t : scorers) {
            t.join(60_000);
            assertThat(t.isAlive()).isFalse();
        }
        assertThat(errors).isEmpty();
        for (int v = 0; v < versions - 1; v++) {
            assertThat(models.get(v).isClosed()).as("version %d closed", v).isTrue();
            assertThat(models.get(v).sessionCloses()).isEqualTo(models.get(v).hasSession() ? 1 : 0);
        }
        assertThat(models.get(versions - 1).isClosed()).isFalse();
        registry.close();
        assertThat(models.get(versions - 1).sessionCloses()).isEqualTo(models.get(versions - 1).hasSession() ? 1 : 0);
        assertThat(models.stream().filter(ScoringModel::hasSession).count()).as("scored versions had sessions")
                .isGreaterThan(0);
        assertThatThrownBy(registry::current).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void droppingTheReaderRowsServesTheSameVersionWithoutThemAndLetsTheReaderTableGoAfterTheLastLease() {
        TrainedModel whole = Fixtures.randomModel(SMALL, 1, 50, 7, 300);
        float[] prior = whole.readers().prior();
        try (ModelRegistry registry = new ModelRegistry(new ScoringModel(1, whole))) {
            java.lang.ref.WeakReference<?> table = new java.lang.ref.WeakReference<>(whole.readers());
            ModelRegistry.Lease held = registry.current(); // a scorer still running with the whole version
            assertThat(registry.dropReaderRows(2)).as("not the served version").isFalse();
            assertThat(registry.dropReaderRows(1)).isTrue();
            assertThat(registry.dropReaderRows(1)).as("already dropped").isFalse();
            assertThat(registry.version()).isEqualTo(1);
            try (ModelRegistry.Lease lease = registry.current()) {
                TrainedModel kept = lease.model().model();
                assertThat(kept.keepsReaderRows()).isFalse();
                assertThat(kept.network()).isSameAs(whole.network());
                assertThat(kept.channels()).isSameAs(whole.channels());
                assertThat(kept.posts()).isSameAs(whole.posts());
                assertThat(kept.readers().size()).isZero();
                assertThat(kept.readers().prior()).as("a reader reads what a new reader reads").containsExactly(prior);
                float[] u = new float[SMALL.readerDim()];
                kept.readers().copyInto(999_999L, u, 0);
                assertThat(u).containsExactly(whole.readers().vector(999_999L));
                assertThatThrownBy(() -> kept.score(1, CHANNELS[0], POSTS[0])).isInstanceOf(IllegalStateException.class);
            }
            assertThatThrownBy(() -> registry.scorePosts(1, CHANNELS, POSTS)).as("a known reader is scored by the index")
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("candidate index");
            assertThat(held.model().model().keepsReaderRows()).as("the lease taken before keeps its whole version").isTrue();
            whole = null;
            held.close();
            held = null;
            io.tidings.Await.collected("the reader table", table, java.time.Duration.ofSeconds(30));
        }
    }


    @Test
    void swapIntoAClosedRegistryClosesTheNewModel() {
        ModelRegistry registry = ModelRegistry.coldStart(SMALL);
        registry.close();
        ScoringModel next = new ScoringModel(1, TrainedModel.untrained(SMALL, 3));
        assertThatThrownBy(() -> registry.swap(next)).isInstanceOf(IllegalStateException.class);
        assertThat(next.isClosed()).isTrue();
        assertThat(next.hasSession()).isFalse();
    }

    @Test
    void scoringAClosedScorerFailsCleanly() {
        OnnxScorer scorer = new OnnxScorer(TrainedModel.untrained(SMALL, 3).toOnnx());
        scorer.close();
        assertThatThrownBy(() -> scorer.score(new float[16], new float[12], new float[4], 1))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThat(scorer.tryAcquire()).isFalse();
    }
}
