package io.tidings;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition until it holds, failing the test with {@code what} after {@code limit}. */
public final class Await {

    private Await() {}

    /** Polls until {@code ref} is cleared, asking for a collection before each look. */
    public static void collected(String what, java.lang.ref.Reference<?> ref, Duration limit) {
        until(what + " collected", () -> {
            System.gc();
            return ref.get() == null;
        }, limit);
    }

    public static void until(String what, BooleanSupplier condition, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError(what + ": not met in " + limit);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what, e);
            }
        }
    }
}
