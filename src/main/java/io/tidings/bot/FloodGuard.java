package io.tidings.bot;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * A per-key token bucket for commands and button presses: {@code burst} at once, refilled at {@code perMinute}.
 * The first request over the limit gets {@link Verdict#WARN} (one polite warning), every further one {@link
 * Verdict#DROP} until {@code silence} has passed. Lock-free: one compare-and-set per request, never a wait, so it is
 * safe on an event loop.
 */
final class FloodGuard {

    /** What to do with a request. */
    enum Verdict { ALLOW, WARN, DROP }

    private record State(double tokens, long atNanos, long silentUntilNanos) {}

    private static final int EVICT_ABOVE = 10_000;

    private final double burst;
    private final double tokensPerNano;
    private final long silenceNanos;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<Long, AtomicReference<State>> states = new ConcurrentHashMap<>();

    FloodGuard(int burst, int perMinute, Duration silence, LongSupplier nanoTime) {
        if (burst < 1 || perMinute < 1) throw new IllegalArgumentException("burst and perMinute must be positive");
        this.burst = burst;
        this.tokensPerNano = perMinute / 60e9;
        this.silenceNanos = silence.toNanos();
        this.nanoTime = nanoTime;
    }

    Verdict check(long key) {
        long now = nanoTime.getAsLong();
        AtomicReference<State> ref = states.get(key);
        if (ref == null) {
            if (states.size() > EVICT_ABOVE) evictIdle(now);
            ref = states.computeIfAbsent(key, k -> new AtomicReference<>(new State(burst, now, now)));
        }
        while (true) {
            State s = ref.get();
            if (now - s.silentUntilNanos() < 0) return Verdict.DROP;
            double tokens = Math.min(burst, s.tokens() + Math.max(0, now - s.atNanos()) * tokensPerNano);
            State next;
            Verdict verdict;
            if (tokens >= 1) {
                next = new State(tokens - 1, now, s.silentUntilNanos());
                verdict = Verdict.ALLOW;
            } else {
                // over the limit: warn once, then stay silent; after the silence one request may pass at once
                next = new State(1, now + silenceNanos, now + silenceNanos);
                verdict = Verdict.WARN;
            }
            if (ref.compareAndSet(s, next)) return verdict;
        }
    }

    /** Forgets keys whose bucket is full again: they behave exactly like new ones. */
    private void evictIdle(long now) {
        states.entrySet().removeIf(e -> {
            State s = e.getValue().get();
            return now - s.silentUntilNanos() >= 0 && s.tokens() + (now - s.atNanos()) * tokensPerNano >= burst;
        });
    }

    int size() {
        return states.size();
    }
}
