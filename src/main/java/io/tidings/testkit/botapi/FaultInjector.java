package io.tidings.testkit.botapi;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Faults to inject into the {@link LocalBotApiServer}'s answers: the next N calls of a method, or every
 * call addressed to a chat until cleared. Method-scoped faults win over chat-scoped ones. Thread-safe.
 */
public final class FaultInjector {

    /** Matches every method in {@link #next(String, Fault, int)}. */
    public static final String ANY_METHOD = "*";

    private final Object lock = new Object();
    private final Map<String, ArrayDeque<Pending>> byMethod = new HashMap<>();
    private final Map<Long, Fault> byChat = new HashMap<>();
    private long unauthorizedUntil;
    private boolean unauthorized;

    FaultInjector() {
    }

    /** Answers the next {@code times} calls of {@code method} (or {@link #ANY_METHOD}) with {@code fault}. */
    public FaultInjector next(String method, Fault fault, int times) {
        Objects.requireNonNull(fault, "fault");
        if (times <= 0) {
            throw new IllegalArgumentException("times must be positive: " + times);
        }
        synchronized (lock) {
            byMethod.computeIfAbsent(key(method), k -> new ArrayDeque<>()).addLast(new Pending(fault, times));
        }
        return this;
    }

    /** Answers every call addressed to {@code chatId} with {@code fault} until {@link #clearChat} or {@link #clear}. */
    public FaultInjector forChat(long chatId, Fault fault) {
        Objects.requireNonNull(fault, "fault");
        synchronized (lock) {
            byChat.put(chatId, fault);
        }
        return this;
    }

    /** Removes the persistent fault of one chat. */
    public FaultInjector clearChat(long chatId) {
        synchronized (lock) {
            byChat.remove(chatId);
        }
        return this;
    }

    /**
     * Answers every call (every method, getMe included) 401 "Unauthorized" for {@code period} from now, as
     * Telegram does while a token is revoked, then works again by itself.
     */
    public FaultInjector unauthorizedFor(Duration period) {
        synchronized (lock) {
            unauthorized = true;
            unauthorizedUntil = System.nanoTime() + period.toNanos();
        }
        return this;
    }

    /** Removes every fault. */
    public void clear() {
        synchronized (lock) {
            byMethod.clear();
            byChat.clear();
            unauthorized = false;
        }
    }

    /** The fault for this call, consuming one use of a method-scoped fault; null when none applies. */
    Fault take(String method, Long chatId) {
        synchronized (lock) {
            if (unauthorized && System.nanoTime() - unauthorizedUntil < 0) {
                return Fault.unauthorized();
            }
            Fault f = takeFrom(byMethod.get(key(method)));
            if (f == null) {
                f = takeFrom(byMethod.get(ANY_METHOD));
            }
            if (f == null && chatId != null) {
                f = byChat.get(chatId);
            }
            return f;
        }
    }

    private static Fault takeFrom(ArrayDeque<Pending> queue) {
        if (queue == null || queue.isEmpty()) {
            return null;
        }
        Pending head = queue.peekFirst();
        if (--head.remaining == 0) {
            queue.removeFirst();
        }
        return head.fault;
    }

    private static String key(String method) {
        return Objects.requireNonNull(method, "method").toLowerCase(Locale.ROOT);
    }

    private static final class Pending {
        final Fault fault;
        int remaining;

        Pending(Fault fault, int remaining) {
            this.fault = fault;
            this.remaining = remaining;
        }
    }
}
