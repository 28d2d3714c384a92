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
 * <p>
 * With several replicas each one holds a per-reader share: {@code burst / n} and {@code perMinute / n} for {@code n}
 * live replicas (at least one token). The Service spreads a reader's updates over the replicas, so together they allow
 * about one replica's limit; a Service that sends a reader to one replica only makes the limit stricter, never looser.
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
    private volatile java.util.function.IntSupplier replicas = () -> 1;
    private final ConcurrentHashMap<Long, AtomicReference<State>> states = new ConcurrentHashMap<>();

    FloodGuard(int burst, int perMinute, Duration silence, LongSupplier nanoTime) {
        if (burst < 1 || perMinute < 1) throw new IllegalArgumentException("burst and perMinute must be positive");
        this.burst = burst;
        this.tokensPerNano = perMinute / 60e9;
        this.silenceNanos = silence.toNanos();
        this.nanoTime = nanoTime;
    }

    /** Shares the limits among the live replicas from now on (see above). */
    void shareAmong(java.util.function.IntSupplier liveReplicas) {
        this.replicas = liveReplicas;
    }

    Verdict check(long key) {
        long now = nanoTime.getAsLong();
        int n = Math.max(1, replicas.getAsInt());
        double burst = Math.max(1, this.burst / n);
        double tokensPerNano = this.tokensPerNano / n;
        AtomicReference<State> ref = states.get(key);
        if (ref == null) {
            if (states.size() > EVICT_ABOVE) evictIdle(now, burst, tokensPerNano);
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
    private void evictIdle(long now, double burst, double tokensPerNano) {
        states.entrySet().removeIf(e -> {
            State s = e.getValue().get();
            return now - s.silentUntilNanos() >= 0 && s.tokens() + (now - s.atNanos()) * tokensPerNano >= burst;
        });
    }

    int size() {
        return states.size();
    }
}
