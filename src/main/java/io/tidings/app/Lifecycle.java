package io.tidings.app;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the running system opened, closed in reverse order: on a normal stop and when start-up fails half-way,
 * so a failed start leaves no pool, thread, port or embedded database behind. Each close runs even when an
 * earlier one failed (the failure is logged).
 */
final class Lifecycle implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);

    /** How to close one resource. */
    @FunctionalInterface
    interface Closer<T> {
        void close(T resource) throws Exception;
    }

    private record Opened(String name, Runnable close) {}

    private final Deque<Opened> opened = new ArrayDeque<>();
    private boolean closed;

    /** Registers {@code resource} to be closed by {@code closer}, before everything opened earlier; returns it. */
    synchronized <T> T open(String name, T resource, Closer<? super T> closer) {
        if (closed) {
            quietly(name, () -> closer.close(resource));
            throw new IllegalStateException("already closed: " + name);
        }
        opened.push(new Opened(name, () -> quietly(name, () -> closer.close(resource))));
        return resource;
    }

    <T extends AutoCloseable> T open(String name, T resource) {
        return open(name, resource, AutoCloseable::close);
    }

    /** Closes everything opened, newest first; a second call does nothing. */
    @Override
    public void close() {
        while (true) {
            Opened next;
            synchronized (this) {
                closed = true;
                next = opened.poll();
            }
            if (next == null) return;
            next.close().run();
        }
    }

    /** Names of what is open, newest first (for tests and logs). */
    synchronized java.util.List<String> open() {
        return opened.stream().map(Opened::name).toList();
    }

    interface Action {
        void run() throws Exception;
    }

    /** Runs a shutdown step, logging (not throwing) its failure, so the steps after it still run. */
    static void quietly(String what, Action step) {
        try {
            step.run();
        } catch (Exception e) {
            log.warn("closing {} failed: {}", what, e.toString());
        }
    }

    static Duration remaining(long deadlineNanos) {
        return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
    }
}
