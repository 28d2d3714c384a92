package io.tidings.model.serve;

import io.tidings.model.Fixtures;
import io.tidings.model.ModelConfig;
import io.tidings.model.TrainedModel;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

@org.junit.jupiter.api.parallel.Isolated("ONNX Runtime's open-tensor count is the JVM's: counted alone")
class HotSwapTest {
    private static final ModelConfig SMALL = ModelConfig.custom().readerDim(16).channelDim(12).postDim(4)
            .hidden(10).build();

    @Test
    void thousandSwapsUnderConcurrentScoringLeaveNoErrorAndNothingOpen() throws Exception {
        int kinds = 4;
        long[] channels = new long[500]; // one run per call: 500 < ScoringModel.MAX_BATCH
        long[] posts = new long[500];
        for (int i = 0; i < posts.length; i++) {
            channels[i] = 1000 + i % 9;
            posts[i] = 5000 + i;
        }
        List<TrainedModel> trained = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        for (int k = 0; k < kinds; k++) {
            TrainedModel m = Fixtures.randomModel(SMALL, 300 + k, 3, 7, 400);
            trained.add(m);
            expected.add(m.scorePostsJava(1, channels, posts));
        }
        long openBefore = NativeCounts.open();
        long tensorsBefore = NativeCounts.TENSORS_OPENED.get();
        List<ScoringModel> versions = new ArrayList<>();
        versions.add(new ScoringModel(0, trained.get(0)));
        ModelRegistry registry = new ModelRegistry(versions.get(0));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong runs = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<Thread> scorers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            Thread thread = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        try (ModelRegistry.Lease lease = registry.current()) {
                            ScoringModel m = lease.model();
                            float[] got = m.scorePosts(1, channels, posts);
                            float[] want = expected.get((int) (m.version() % kinds));
                            for (int i = 0; i < got.length; i += 37) {
                                if (Math.abs(got[i] - want[i]) > 1e-5f) {
                                    throw new AssertionError("version " + m.version() + " pair " + i);
                                }
                            }
                        }
                        registry.scorePosts(2, channels, posts); // the registry's own lease path
                        runs.incrementAndGet();
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }, "hot-swap-scorer-" + t);
            thread.start();
            scorers.add(thread);
        }
        for (int v = 1; v <= 1000 && errors.isEmpty(); v++) {
            ScoringModel next = new ScoringModel(v, trained.get(v % kinds));
            versions.add(next);
            registry.swap(next);
            if (v % 50 == 0) {
                long before = runs.get();
                while (runs.get() < before + 3 && errors.isEmpty()) {
                    Thread.onSpinWait(); // make sure scorers really overlap the swaps
                }
            }
        }
        stop.set(true);
        for (Thread t : scorers) {
            t.join(60_000);
            assertThat(t.isAlive()).isFalse();
        }
        assertThat(errors).isEmpty();
        assertThat(versions).hasSize(1001);
        assertThat(registry.version()).isEqualTo(1000);
        registry.close();
        for (ScoringModel m : versions) {
            assertThat(m.isClosed()).as("version %d closed", m.version()).isTrue();
            assertThat(m.sessionCloses()).as("version %d: its session, if it had one, closed once", m.version())
                    .isEqualTo(m.hasSession() ? 1 : 0);
        }
        assertThat(runs.get()).isGreaterThan(60);
        assertThat(NativeCounts.TENSORS_OPENED.get() - tensorsBefore).as("tensors created")
                .isGreaterThanOrEqualTo(3 * runs.get());
        assertThat(NativeCounts.open()).as("tensors and results still open").isEqualTo(openBefore);
    }
}
