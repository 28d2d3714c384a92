package io.tidings.feed;

import io.tidings.store.DeliveryRepository;
import io.tidings.store.Post;
import io.tidings.store.Reader;
import io.tidings.store.ReaderRepository;
import io.tidings.store.VoteRepository;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * Picks posts for readers from their candidate sets (refilling the sets that cannot answer exactly) and queues them,
 * one statement per round, trying again for pairs that turned out to be queued before.
 */
final class Planner {

    private static final int ROUNDS = 4;
    private static final int REFILL_GROUP = 64;

    private final CandidateIndex index;
    private final CandidateRefresh refresh;
    private final DeliveryRepository deliveries;
    private final Scheduler scoring;
    private final Runnable wakeSender;
    private final ReaderPreferences prefs;

    Planner(CandidateIndex index, CandidateRefresh refresh, DeliveryRepository deliveries, Scheduler scoring, Runnable wakeSender,
            ReaderPreferences prefs) {
        this.index = index;
        this.refresh = refresh;
        this.deliveries = deliveries;
        this.scoring = scoring;
        this.wakeSender = wakeSender;
        this.prefs = prefs;
    }

    /** Queues the reader's best unseen fresh post; emits whether one was queued. */
    Mono<Boolean> next(long reader, String reason) {
        return plan(new long[] {reader}, new int[] {1}, reason).map(n -> n > 0).doOnNext(q -> { if (q) wakeSender.run(); });
    }

    /**
     * Picks {@code counts[i]} posts for each of {@code ids} from their candidate sets (refilling the sets that
     * cannot answer exactly), queues them in one statement per round, and tries again for pairs that turned
     * out to be queued before.
     */
    Mono<Long> plan(long[] ids, int[] counts, String reason) {
        return plan(ids, counts, reason, false);
    }

    /**
     * The same; with {@code digest} the picks are planned for a digest message each ({@link DeliveryRepository#enqueueAll}
     * in state 'digest'), and then each reader's picks become one queued digest message ({@link DeliveryRepository#bundleDigests}).
     * Emits how many posts were planned.
     */
    Mono<Long> plan(long[] ids, int[] counts, String reason, boolean digest) {
        int[] missing = counts.clone();
        Mono<Long> planned = Flux.range(0, ROUNDS)
                .concatMap(round -> pickRound(ids, missing, reason, round == 0, digest), 1)
                .takeUntil(n -> java.util.Arrays.stream(missing).allMatch(c -> c <= 0))
                .reduce(0L, Long::sum);
        if (!digest) return planned;
        return planned.flatMap(n -> deliveries.bundleDigests(java.util.Arrays.stream(ids).boxed().toArray(Long[]::new)).thenReturn(n));
    }

    private Mono<Long> pickRound(long[] ids, int[] missing, String reason, boolean exact, boolean digest) {
        return Mono.fromCallable(() -> takeAll(ids, missing, exact, null)).subscribeOn(scoring)
                .flatMap(first -> {
                    if (first.refill().length == 0) return Mono.just(first);
                    // the sets that cannot answer exactly: rank those readers against the whole pool, then pick again
                    long[] refill = first.refill();
                    return Flux.range(0, (refill.length + REFILL_GROUP - 1) / REFILL_GROUP)
                            .concatMap(g -> refresh.fillPage(null, java.util.Arrays.copyOfRange(refill, g * REFILL_GROUP,
                                    Math.min(refill.length, (g + 1) * REFILL_GROUP))), 1)
                            .then(Mono.fromCallable(() -> takeAll(ids, missing, false, first)).subscribeOn(scoring));
                })
                .flatMap(picked -> {
                    if (picked.size == 0) {
                        java.util.Arrays.fill(missing, 0); // nothing left to offer anyone in this batch
                        return Mono.just(0L);
                    }
                    Map<Long, Integer> slot = new HashMap<>();
                    for (int i = 0; i < ids.length; i++) slot.put(ids[i], i);
                    return deliveries.enqueueAll(java.util.Arrays.copyOf(picked.readers, picked.size),
                                    java.util.Arrays.copyOf(picked.posts, picked.size),
                                    java.util.Arrays.copyOf(picked.scores, picked.size),
                                    java.util.Arrays.copyOf(picked.explored, picked.size), reason, digest)
                            .doOnNext(s -> missing[slot.get(s.readerId())]--)
                            .count()
                            .doOnNext(n -> {
                                // readers whose sets ran dry get nothing more this time
                                for (int i = 0; i < ids.length; i++) if (!picked.hadAny[i]) missing[i] = 0;
                            });
                });
    }

    /** Picks of one round, in parallel primitive arrays. */
    private static final class Picked {
        long[] readers = new long[16];
        long[] posts = new long[16];
        float[] scores = new float[16];
        boolean[] explored = new boolean[16];
        int size;
        boolean[] hadAny;
        long[] refill = new long[0];

        void add(long reader, CandidateIndex.Pick p) {
            if (size == readers.length) {
                readers = java.util.Arrays.copyOf(readers, size * 2);
                posts = java.util.Arrays.copyOf(posts, size * 2);
                scores = java.util.Arrays.copyOf(scores, size * 2);
                explored = java.util.Arrays.copyOf(explored, size * 2);
            }
            readers[size] = reader;
            posts[size] = p.postId();
            explored[size] = p.explored();
            scores[size++] = p.score();
        }

        long[] refill() {
            return refill;
        }
    }

    /** Takes picks for every reader still missing some; {@code exact} lists the readers that need a refill instead. */
    private Picked takeAll(long[] ids, int[] missing, boolean exact, Picked previous) {
        Picked out = previous != null ? previous : new Picked();
        if (previous == null) out.hadAny = new boolean[ids.length];
        boolean[] pending = previous != null ? new boolean[ids.length] : null;
        if (previous != null) {
            for (long r : previous.refill) pending[indexOf(ids, r)] = true;
        }
        List<Long> refill = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            if (missing[i] <= 0 || (pending != null && !pending[i])) continue;
            CandidateIndex.Taken t = index.take(ids[i], missing[i], prefs, exact);
            if (t.refill() && exact) {
                refill.add(ids[i]);
                continue;
            }
            for (CandidateIndex.Pick p : t.picks()) out.add(ids[i], p);
            if (t.picks().length > 0) out.hadAny[i] = true;
        }
        out.refill = refill.stream().mapToLong(Long::longValue).toArray();
        return out;
    }

    private static int indexOf(long[] ids, long id) {
        for (int i = 0; i < ids.length; i++) if (ids[i] == id) return i;
        throw new IllegalStateException("reader " + id + " not in the page");
    }

}
