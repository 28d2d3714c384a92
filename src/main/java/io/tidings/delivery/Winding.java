package io.tidings.delivery;

import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;

/**
 * The sender's graceful stop: what was claimed goes back to the queue at once; what is marked "sending" is sent until
 * the deadline, and what is then still ready (never given to Telegram) goes back too; the last outcome writes and
 * hand-backs get {@link #FINAL_WRITES} more. Calls on the wire at the deadline are left alone (never repeated).
 * Touched only on the send loop.
 */
final class Winding {

    private static final Logger log = LoggerFactory.getLogger(Winding.class);
    /** After a stop's deadline, how long the last outcome writes and hand-backs may take. */
    private static final long FINAL_WRITES = Duration.ofSeconds(5).toNanos();
    private static final long NEVER = ClaimWindow.NEVER;

    private final DeliverySender sender;
    private final Outbox outbox;
    private final ClaimWindow window;
    private final SendPace pace;
    private final String owner;
    private final Scheduler timer;
    private long deadline;
    private MonoSink<Void> stopped;
    private boolean releasing;

    Winding(DeliverySender sender, Outbox outbox, ClaimWindow window, SendPace pace, String owner, Scheduler timer) {
        this.sender = sender;
        this.outbox = outbox;
        this.window = window;
        this.pace = pace;
        this.owner = owner;
        this.timer = timer;
    }

    /** The stop begins: done by {@code deadline} (nanoseconds on the sender's clock), then {@code stopped} is told. */
    void begin(long deadline, MonoSink<Void> stopped) {
        this.deadline = deadline;
        this.stopped = stopped;
    }

    long deadline() {
        return deadline;
    }

    /** Hands back what was claimed, and at the deadline what is ready but never sent; returns when to look again. */
    long step(long now) {
        if (releasing) return NEVER;
        List<Entry> back = window.releaseClaimed();
        boolean late = now - deadline >= 0 || pace.pausedUntil() - deadline >= 0;
        // when late, everything ready never left (a send that may have is recorded at once): hand it back
        List<Entry> marked = late ? window.releaseReady() : List.of();
        if (!back.isEmpty() || !marked.isEmpty()) {
            releasing = true;
            Long[] ids = back.stream().map(e -> e.o.id()).toArray(Long[]::new);
            Long[] sending = marked.stream().map(e -> e.o.id()).toArray(Long[]::new);
            Integer[] parts = marked.stream().map(Entry::partsSent).toArray(Integer[]::new);
            outbox.release(ids, sending, parts, owner).timeout(Duration.ofSeconds(10), timer).subscribe(
                    n -> sender.hop(() -> {
                        releasing = false;
                        log.info("stopping: {} deliveries handed back to the queue", n);
                    }),
                    e -> sender.hop(() -> {
                        releasing = false; // their leases run out and they are taken over
                        log.warn("stopping: {} deliveries not handed back: {}", ids.length + sending.length, e.toString());
                    }));
        }
        return late ? deadline + FINAL_WRITES : deadline;
    }

    /**
     * Before the deadline: everything sent and recorded ({@code written}, and nothing {@code busy}). After it: what
     * is known recorded and the rest handed back, calls on the wire left alone; the last writes get a few seconds more.
     */
    boolean finished(long now, boolean written, boolean busy) {
        written = written && !releasing;
        if (now - deadline < 0) return written && !busy;
        return written || now - deadline >= FINAL_WRITES;
    }

    /** The sender has stopped with {@code inFlight} calls on the wire: whoever asked for the stop is told. */
    void done(int inFlight) {
        if (stopped == null) return;
        if (inFlight > 0) log.info("stopped with {} calls still on the wire (their deliveries are not repeated)", inFlight);
        stopped.success();
    }
}
