package io.tidings.feed;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/** The candidate index's ranking threads: runs numbered tasks on them and on the calling thread. */
final class RankWorkers implements AutoCloseable {
    private final int threads;
    private final ExecutorService workers;

    RankWorkers(int threads) {
        this.threads = Math.max(1, threads);
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(this.threads, r -> {
            Thread t = new Thread(r, "candidates-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs {@code task(0 .. n)} on the workers and the calling thread; returns when all are done. */
    void parallel(int n, IntConsumer task) {
        if (n <= 1 || threads == 1) {
            for (int i = 0; i < n; i++) task.accept(i);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        Runnable loop = () -> {
            for (int i; (i = next.getAndIncrement()) < n; ) task.accept(i);
        };
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 1; t < Math.min(threads, n); t++) futures.add(workers.submit(loop));
        try {
            loop.run();
            for (Future<?> f : futures) f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while ranking", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException("ranking failed", e.getCause());
        } finally {
            futures.forEach(f -> f.cancel(false));
        }
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
