package io.tidings.delivery;

import io.tidings.store.DeliveryRepository.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Outcomes waiting to be written in one statement: when enough piled up, or a little while after the first.
 * Touched only on the send loop.
 */
final class OutcomeBatch {

    private static final Logger log = LoggerFactory.getLogger(OutcomeBatch.class);
    static final long FLUSH_EVERY = Duration.ofMillis(200).toNanos();

    private final DeliverySender sender;
    private final Outbox outbox;
    private final String owner;
    private final Intake intake;
    private final List<Outcome> pending = new ArrayList<>();
    private long since;
    private boolean writing;

    /** Written through {@code sender}'s outbox as {@code owner}; each write frees readers' next deliveries for {@code intake}. */
    OutcomeBatch(DeliverySender sender, Outbox outbox, String owner, Intake intake) {
        this.sender = sender;
        this.outbox = outbox;
        this.owner = owner;
        this.intake = intake;
    }

    void add(Outcome o, long now) {
        if (pending.isEmpty()) since = now;
        pending.add(o);
    }

    /** Nothing waits and nothing is being written. */
    boolean isDone() {
        return !writing && pending.isEmpty();
    }

    /** When a write is due: now ({@code now} or earlier), later, or {@link Long#MAX_VALUE} when nothing waits. */
    private long dueAt(long now, int rows, boolean hurry) {
        if (writing || pending.isEmpty()) return Long.MAX_VALUE;
        if (hurry || pending.size() >= rows || now - since >= FLUSH_EVERY) return now;
        return since + FLUSH_EVERY;
    }

    /** Writes what waits when it is due ({@code rows} piled up, or {@code hurry}); returns when to look again. */
    long flushIfDue(long now, int rows, boolean hurry) {
        long at = dueAt(now, rows, hurry);
        if (at - now > 0) return at;
        writing = true;
        List<Outcome> batch = List.copyOf(pending);
        pending.clear();
        sender.db(outbox.record(batch, owner)).subscribe(
                n -> sender.hop(() -> {
                    writing = false;
                    // a recorded outcome frees its reader's next delivery for claiming (one in flight per reader):
                    // look now rather than at the idle poll, or a reader's mailing leaves one post per poll
                    intake.lookBy(sender.now());
                }),
                e -> sender.hop(() -> {
                    // the rows stay "sending" under a lease: never re-sent, whatever happens to this process
                    writing = false;
                    log.warn("outcomes of {} deliveries not recorded: {}", batch.size(), e.toString());
                }));
        return Long.MAX_VALUE;
    }
}
