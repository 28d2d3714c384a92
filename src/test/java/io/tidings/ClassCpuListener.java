package io.tidings;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * With {@code -Dtests.cpuLog=FILE}: appends the CPU seconds of this test JVM (user + system, all its threads) spent
 * before the first test and in each test class, one line each, so the cost of a class can be read from a whole run
 * (classes in one JVM run one after another). Without the property it does nothing. With classes side by side (the
 * default, {@code tests.classesPerJvm}) a class's figure includes whatever ran beside it: run
 * {@code -Dtests.forks=N -Dtests.classesPerJvm=1} for figures of one class each.
 */
public final class ClassCpuListener implements TestExecutionListener {

    private static final String FILE = System.getProperty("tests.cpuLog");
    private final Map<String, long[]> started = new ConcurrentHashMap<>();

    private static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static void write(String line) {
        if (FILE == null) return;
        try {
            Files.writeString(Path.of(FILE), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("tests.cpuLog: " + e);
        }
    }

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        if (FILE != null) write(String.format("%d start %.2f", ProcessHandle.current().pid(), cpu() / 1e9));
    }

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        if (FILE != null) write(String.format("%d end %.2f", ProcessHandle.current().pid(), cpu() / 1e9));
    }

    @Override
    public void executionStarted(TestIdentifier id) {
        if (FILE != null && id.getSource().orElse(null) instanceof ClassSource) {
            started.put(id.getUniqueId(), new long[] {cpu(), System.nanoTime()});
        }
    }

    @Override
    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        long[] s = FILE == null ? null : started.remove(id.getUniqueId());
        if (s != null && id.getSource().get() instanceof ClassSource c) {
            write(String.format("%d class %s %.2f %.2f", ProcessHandle.current().pid(), c.getClassName(),
                    (cpu() - s[0]) / 1e9, (System.nanoTime() - s[1]) / 1e9));
        }
    }
}
