package io.tidings.telegram;

import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * One message at a time per chat, and the next only a gap after Telegram answered the last (Telegram takes about
 * one message a second per chat; a faster one earns a 429). Every message the client sends to a chat passes here,
 * whoever sends it (the outbox's sender, replies to commands, alerts), so they all keep one pace per replica.
 * A chat that had nothing for a gap is not waited on: the call leaves at once. Waits are timers, never a parked
 * thread; calls to one chat leave in the order they asked. Thread-safe.
 */
final class ChatPace {

    /** Chats idle this long past their gap are forgotten (looked for at most this often). */
    private static final long EVICT_EVERY = Duration.ofSeconds(10).toNanos();

    private final long gap;
    private final Scheduler timer;
    private final LongSupplier clock;
    private final Map<String, Slot> slots = new HashMap<>(); // guarded by this
    private long lastEviction;

    /** What one chat is waiting for: {@code free} completes when the last call queued for it is answered, plus the gap. */
    private static final class Slot {
        Mono<Void> free = Mono.empty();
        int queued;
        long freeAt;
    }

    ChatPace(Duration gap, Scheduler timer, LongSupplier clock) {
        this.gap = gap.toNanos();
        this.timer = timer;
        this.clock = clock;
    }

    /** Methods that put a message into a chat (Telegram's per-chat limit counts them). */
    static boolean paced(String method) {
        String m = method.toLowerCase(java.util.Locale.ROOT);
        return m.startsWith("send") && !m.equals("sendchataction") || m.startsWith("copymessage")
                || m.startsWith("forwardmessage");
    }

    /**
     * {@code call} once the chat is free: at once when nothing went to it within the gap, else after the calls
     * queued before it were answered and a gap passed. A call cancelled before it left passes its turn on.
     */
    <R> Mono<R> paced(Object chatId, Mono<R> call) {
        if (gap <= 0 || chatId == null) return call;
        String chat = String.valueOf(chatId);
        return Mono.defer(() -> {
            Sinks.Empty<Void> mine = Sinks.empty();
            Mono<Void> before;
            long now = clock.getAsLong();
            synchronized (this) {
                evictIdle(now);
                Slot s = slots.computeIfAbsent(chat, k -> new Slot());
                before = s.queued > 0 ? s.free
                        : s.freeAt - now > 0 ? Mono.delay(Duration.ofNanos(s.freeAt - now), timer).then().cache()
                        : Mono.empty();
                s.free = mine.asMono();
                s.queued++;
            }
            AtomicBoolean left = new AtomicBoolean();
            return before.then(Mono.defer(() -> {
                left.set(true);
                return call;
            })).doFinally(signal -> {
                if (left.get()) { // answered, failed or cancelled on the wire: it may have counted, so a gap from now
                    long at = clock.getAsLong() + gap;
                    synchronized (this) {
                        Slot s = slots.get(chat);
                        if (s != null) {
                            s.queued--;
                            if (at - s.freeAt > 0) s.freeAt = at;
                        }
                    }
                    timer.schedule(mine::tryEmitEmpty, gap, java.util.concurrent.TimeUnit.NANOSECONDS);
                } else { // never left: the next in line goes when this one would have
                    synchronized (this) {
                        Slot s = slots.get(chat);
                        if (s != null) s.queued--;
                    }
                    before.subscribe(null, e -> mine.tryEmitEmpty(), mine::tryEmitEmpty);
                }
            });
        });
    }

    /**
     * When the next message to {@code chatId} could leave by this replica's pace ({@code clock} time; at or before now:
     * at once; {@link Long#MIN_VALUE} for a chat it does not remember). A chat with a call queued or on the wire is busy
     * for at least a gap from now.
     */
    long freeAt(long chatId) {
        long now = clock.getAsLong();
        synchronized (this) {
            Slot s = slots.get(String.valueOf(chatId));
            if (s == null) return Long.MIN_VALUE; // never "now": a caller's own now is a little earlier, and would wait
            return s.queued > 0 ? Math.max(s.freeAt, now + gap) : s.freeAt;
        }
    }

    private void evictIdle(long now) {
        if (now - lastEviction < EVICT_EVERY) return;
        lastEviction = now;
        for (Iterator<Slot> it = slots.values().iterator(); it.hasNext(); ) {
            Slot s = it.next();
            if (s.queued == 0 && now - s.freeAt > 0) it.remove();
        }
    }

    /** Chats remembered now (tests: bounded). */
    synchronized int size() {
        return slots.size();
    }
}
