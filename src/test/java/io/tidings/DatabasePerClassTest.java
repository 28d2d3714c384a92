package io.tidings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherConfig;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

/**
 * What the test run relies on when classes run side by side ({@link TestDatabase}, {@link DatabasePerClass}): two
 * classes running at once each get a server of their own, and asking from a thread that runs no class fails instead of
 * starting a server. The sample classes run in a JUnit launch of their own, two at a time.
 */
class DatabasePerClassTest {

    private static final Map<String, String> urls = new ConcurrentHashMap<>();
    private static final Map<String, Long> rowsAtStart = new ConcurrentHashMap<>();
    private static volatile CountDownLatch bothRunning;

    @Test
    void classesSideBySideHaveServersOfTheirOwn() {
        bothRunning = new CountDownLatch(2);

        launch(First.class, Second.class);
        assertThat(urls).containsOnlyKeys("First", "Second");
        assertThat(urls.get("First")).as("the two classes that ran at once").isNotEqualTo(urls.get("Second"));
        assertThat(rowsAtStart).as("each found its server emptied by reset()").containsEntry("First", 0L).containsEntry("Second", 0L);
    }

    @Test
    void aThreadThatRunsNoClassIsRefused() throws InterruptedException {
        var failure = new java.util.concurrent.atomic.AtomicReference<Throwable>();
        Thread other = new Thread(() -> {
            try {
                TestDatabase.shared();
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "not-a-test-class");
        other.start();
        other.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(failure.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("not-a-test-class");
    }

    private static void launch(Class<?>... classes) {
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request()
                .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true")
                .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
                .configurationParameter("junit.jupiter.execution.parallel.mode.default", "same_thread")
                .configurationParameter("junit.jupiter.execution.parallel.mode.classes.default", "concurrent")
                .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
                .configurationParameter("junit.jupiter.execution.parallel.config.fixed.parallelism", "2")
                .configurationParameter("junit.jupiter.execution.parallel.config.fixed.max-pool-size", "2");
        for (Class<?> c : classes) request.selectors(selectClass(c));
        LauncherDiscoveryRequest built = request.build();
        var summary = new SummaryGeneratingListener();
        // without the build's own listeners (BlockHound is already installed; CPU logging is the outer launch's)
        LauncherFactory.create(LauncherConfig.builder().enableTestExecutionListenerAutoRegistration(false).build())
                .execute(built, summary);
        summary.getSummary().getFailures().forEach(f -> {
            throw new AssertionError("sample class failed: " + f.getTestIdentifier().getDisplayName(), f.getException());
        });
        assertThat(summary.getSummary().getTestsSucceededCount()).isEqualTo(classes.length);
    }

    /** Takes its server (emptied), writes to it; the caller then waits until the other class has its server too. */
    private static void sample(String name) {
        var db = TestDatabase.reset();
        rowsAtStart.put(name, db.sql().one("SELECT count(*) AS n FROM channels", r -> r.get("n", Long.class)).block(Duration.ofSeconds(30)));
        db.sql().update("INSERT INTO channels (username, title) VALUES ($1, $1)", name.toLowerCase()).block(Duration.ofSeconds(30));
        urls.put(name, TestDatabase.url());
    }

    static class First {
        @Test
        void runs() throws InterruptedException {
            sample("First");
            bothRunning.countDown();
            assertThat(bothRunning.await(60, TimeUnit.SECONDS)).as("Second ran beside it").isTrue();
        }
    }

    static class Second {
        @Test
        void runs() throws InterruptedException {
            sample("Second");
            bothRunning.countDown();
            assertThat(bothRunning.await(60, TimeUnit.SECONDS)).as("First ran beside it").isTrue();
        }
    }
}
