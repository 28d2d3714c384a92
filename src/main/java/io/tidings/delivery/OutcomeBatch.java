package io.tidings.delivery;

import io.tidings.store.DeliveryRepository.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Outcomes waiting to be written in one statement: when enough piled up, or a little while after the first.
 * Touched only on the send loop.
 */
final class OutcomeBatch {

    static final long FLUSH_EVERY = Duration.ofMillis(200).toNanos();

    private final List<Outcome> pending = new ArrayList<>();
    private long since;
    boolean writing;

    void add(Outcome o, long now) {
        if (pending.isEmpty()) since = now;
        pending.add(o);
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    /** When a write is due: now ({@code now} or earlier), later, or {@link Long#MAX_VALUE} when nothing waits. */
    long dueAt(long now, int rows, boolean hurry) {
        if (writing || pending.isEmpty()) return Long.MAX_VALUE;
        if (hurry || pending.size() >= rows || now - since >= FLUSH_EVERY) return now;
        return since + FLUSH_EVERY;
    }

    List<Outcome> take() {
        List<Outcome> out = List.copyOf(pending);
        pending.clear();
        return out;
    }
}
