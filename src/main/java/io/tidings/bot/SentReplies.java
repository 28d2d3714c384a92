package io.tidings.bot;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

/**
 * The replies an update has had, so that an update tried again (its handling failed after the reader was answered: a
 * database write after the greeting, say) does not answer the reader twice. Each attempt at an update counts its
 * replies by what they say (chat and text); one that an earlier attempt at the same update already sent as often is
 * not sent again. An update's record is kept until it is handled or given up, or for {@link #KEPT} (longer than the
 * retries of long polling and of the webhook inbox), at most {@link #MAX_UPDATES} at a time.
 */
final class SentReplies {

    static final Duration KEPT = Duration.ofMinutes(10);
    static final int MAX_UPDATES = 10_000;
    private static final Object ATTEMPT = Attempt.class;

    private final LongSupplier nanoTime;
    private final Map<Integer, Sent> byUpdate = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Sent> eldest) {
            return size() > MAX_UPDATES || nanoTime.getAsLong() - eldest.getValue().since > KEPT.toNanos();
        }
    };

    SentReplies(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** Runs {@code handling} as one attempt at update {@code updateId} ({@code null}: an update without id, not kept). */
    Mono<Void> attempt(Integer updateId, Mono<Void> handling) {
        if (updateId == null) return handling;
        return Mono.defer(() -> handling.contextWrite(Context.of(ATTEMPT, new Attempt(sent(updateId)))))
                .doOnSuccess(x -> forget(updateId));
    }

    /** Update {@code updateId} is done with (given up): nothing of it is tried again. */
    synchronized void forget(Integer updateId) {
        if (updateId != null) byUpdate.remove(updateId);
    }

    /** Sends {@code reply} unless the update being handled already had it (an earlier attempt sent it). */
    static Mono<Void> once(String key, Mono<Void> reply) {
        return Mono.deferContextual(c -> {
            Attempt a = c.getOrDefault(ATTEMPT, null);
            if (a == null) return reply;
            int n = a.ask(key);
            return a.sentBefore(key, n) ? Mono.<Void>empty() : reply.doOnSuccess(x -> a.sent(key, n));
        });
    }

    private synchronized Sent sent(Integer updateId) {
        return byUpdate.computeIfAbsent(updateId, id -> new Sent(nanoTime.getAsLong()));
    }

    /** What went out for one update, over all its attempts: how many of each reply. */
    private static final class Sent {
        final long since;
        final Map<String, Integer> count = new HashMap<>();

        Sent(long since) {
            this.since = since;
        }
    }

    /** One attempt: how many of each reply it has asked for so far. */
    private static final class Attempt {
        private final Sent sent;
        private final Map<String, Integer> asked = new HashMap<>();

        Attempt(Sent sent) {
            this.sent = sent;
        }

        /** Counts one more of {@code key} asked for by this attempt; returns which (1 for the first). */
        synchronized int ask(String key) {
            return asked.merge(key, 1, Integer::sum);
        }

        boolean sentBefore(String key, int n) {
            synchronized (sent) {
                return sent.count.getOrDefault(key, 0) >= n;
            }
        }

        void sent(String key, int n) {
            synchronized (sent) {
                sent.count.merge(key, n, Math::max);
            }
        }
    }
}
