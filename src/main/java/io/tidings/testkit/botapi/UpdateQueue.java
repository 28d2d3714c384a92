package io.tidings.testkit.botapi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.IntFunction;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * The bot's unconfirmed updates and the one long poll waiting for them. A getUpdates with nothing to
 * return parks a {@link Sinks.One} (no thread waits); a push wakes it; a newer getUpdates ends the older
 * one with 409 Conflict, as Telegram does.
 */
final class UpdateQueue {

    static final String CONFLICT = "Conflict: terminated by other getUpdates request; "
            + "make sure that only one bot instance is running";

    private final Object lock = new Object();
    private final ArrayDeque<Entry> pending = new ArrayDeque<>();
    private final int capacity;
    private int nextId = 1;
    private Sinks.One<Boolean> waiter;

    UpdateQueue(int capacity) {
        this.capacity = capacity;
    }

    /** Adds an update built around its new id; returns that id. */
    int push(IntFunction<ObjectNode> build) {
        Sinks.One<Boolean> toWake;
        int id;
        synchronized (lock) {
            id = nextId++;
            pending.addLast(new Entry(id, build.apply(id)));
            if (pending.size() > capacity) {
                pending.removeFirst(); // Telegram too forgets old unconfirmed updates
            }
            toWake = waiter;
            waiter = null;
        }
        if (toWake != null) {
            toWake.tryEmitValue(Boolean.TRUE);
        }
        return id;
    }

    /** Takes the next update id for an update that does not wait in this queue (webhook delivery). */
    int reserveId() {
        synchronized (lock) {
            return nextId++;
        }
    }

    /** Unconfirmed updates not yet fetched by anyone. */
    int size() {
        synchronized (lock) {
            return pending.size();
        }
    }

    /**
     * getUpdates: confirms updates below {@code offset}, then answers at once when updates are there or
     * {@code timeout} is zero, else when one is pushed or the timeout ends (with an empty list).
     */
    Mono<List<ObjectNode>> poll(long offset, int limit, Duration timeout, Scheduler timer) {
        return Mono.defer(() -> {
            Sinks.One<Boolean> mine;
            Sinks.One<Boolean> older;
            synchronized (lock) {
                List<ObjectNode> batch = confirmAndPeek(offset, limit);
                if (!batch.isEmpty() || timeout.isZero() || timeout.isNegative()) {
                    return Mono.just(batch);
                }
                older = waiter;
                mine = Sinks.one();
                waiter = mine;
            }
            if (older != null) {
                older.tryEmitValue(Boolean.FALSE);
            }
            return mine.asMono()
                    .timeout(timeout, Mono.just(Boolean.TRUE), timer)
                    .flatMap(woken -> woken
                            ? Mono.fromSupplier(() -> peek(offset, limit))
                            : Mono.<List<ObjectNode>>error(new ApiError(409, CONFLICT, null)))
                    .doFinally(signal -> {
                        synchronized (lock) {
                            if (waiter == mine) {
                                waiter = null;
                            }
                        }
                    });
        });
    }

    private List<ObjectNode> peek(long offset, int limit) {
        synchronized (lock) {
            return confirmAndPeek(offset, limit);
        }
    }

    private List<ObjectNode> confirmAndPeek(long offset, int limit) {
        if (offset > 0) {
            while (!pending.isEmpty() && pending.peekFirst().id < offset) {
                pending.removeFirst();
            }
        }
        int skip = offset < 0 ? Math.max(0, pending.size() + (int) Math.max(offset, -pending.size())) : 0;
        List<ObjectNode> batch = new ArrayList<>(Math.min(limit, pending.size()));
        Iterator<Entry> it = pending.iterator();
        for (int i = 0; it.hasNext() && batch.size() < limit; i++) {
            Entry e = it.next();
            if (i >= skip) {
                batch.add(e.update.deepCopy());
            }
        }
        return batch;
    }

    private record Entry(int id, ObjectNode update) {
    }
}
