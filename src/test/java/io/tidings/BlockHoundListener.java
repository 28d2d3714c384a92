package io.tidings;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;
import reactor.blockhound.BlockHound;

/**
 * Installs BlockHound (with the integrations listed in {@code META-INF/services}) before the first test runs, so a
 * blocking call on a Reactor non-blocking thread fails the test that made it. Installed when a plan starts executing,
 * not when the class loads: with several test JVMs Maven's own JVM loads the listeners only to list the test classes.
 */
public final class BlockHoundListener implements TestExecutionListener {

    private static final AtomicBoolean INSTALLED = new AtomicBoolean();

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        if (INSTALLED.compareAndSet(false, true)) BlockHound.install();
    }
}
