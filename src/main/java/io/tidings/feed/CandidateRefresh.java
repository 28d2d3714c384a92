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
 * Re-ranks readers against the whole fresh pool: every active reader when the model version changes (page by page,
 * with what each has seen and their votes per channel), and single readers whose set cannot answer exactly.
 */
final class CandidateRefresh {

    private static final Logger log = LoggerFactory.getLogger(CandidateRefresh.class);
    private static final int BUILD_PAGE = 4096;

    private final FreshPool pool;
    private final CandidateIndex index;
    private final Supplier<CandidateIndex.ModelVersion> model;
    private final DeliveryRepository deliveries;
    private final ReaderRepository readers;
    private final VoteRepository votes; // null: exploration without rating counts
    private final Scheduler scoring;
    private final AtomicBoolean arrivalsDropped;
    private final ReaderPreferences prefs;
    private final java.util.concurrent.atomic.AtomicReference<Mono<Void>> running = new java.util.concurrent.atomic.AtomicReference<>();

    CandidateRefresh(FreshPool pool, CandidateIndex index, Supplier<CandidateIndex.ModelVersion> model, DeliveryRepository deliveries,
                     ReaderRepository readers, VoteRepository votes, Scheduler scoring, AtomicBoolean arrivalsDropped, ReaderPreferences prefs) {
        this.pool = pool;
        this.index = index;
        this.model = model;
        this.deliveries = deliveries;
        this.readers = readers;
        this.votes = votes;
        this.scoring = scoring;
        this.arrivalsDropped = arrivalsDropped;
        this.prefs = prefs;
    }

    /**
     * Re-ranks every active reader with the current model; the old candidates serve meanwhile. Joins a
     * re-rank already running, and runs again while the model changed underneath (at most three times).
     */
    public Mono<Void> rebuild() {
        return Mono.defer(this::rebuildOnce)
                .repeat(2, () -> index.version() != model.get().version() || arrivalsDropped.get())
                .then();
    }

    private Mono<Void> rebuildOnce() {
        Mono<Void> mine = Mono.defer(() -> {
            arrivalsDropped.set(false);
            CandidateIndex.ModelVersion mv = model.get();
            long started = System.nanoTime();
            Object build = index.beginBuild(mv, Math.max(index.readers(), 1024));
            return readers.activePage(Long.MIN_VALUE, BUILD_PAGE).collectList()
                    .expand(page -> page.size() < BUILD_PAGE ? Mono.empty()
                            : readers.activePage(page.get(page.size() - 1).id(), BUILD_PAGE).collectList())
                    .concatMap(page -> fillPage(build, page.stream().mapToLong(Reader::id).toArray()), 1)
                    .then(Mono.fromRunnable(() -> index.finishBuild(build)).subscribeOn(scoring))
                    .doOnSuccess(v -> log.info("candidates re-ranked with model {} for {} readers in {} ms", mv.version(),
                            index.readers(), (System.nanoTime() - started) / 1_000_000))
                    .doOnError(e -> index.abortBuild(build))
                    .then();
        }).doFinally(s -> running.set(null)).cache();
        while (true) {
            Mono<Void> current = running.get();
            if (current != null) return current;
            if (running.compareAndSet(null, mine)) return mine;
        }
    }

    /** Ranks {@code ids} into the build {@code target}, or (null) refills them in the serving sets. */
    Mono<Void> fillPage(Object target, long[] ids) {
        if (ids.length == 0) return Mono.empty();
        return Mono.zip(seenOf(ids), ratedOf(ids))
                .flatMap(t -> Mono.fromRunnable(() -> index.fill(target, ids, seenList(ids, t.getT1()),
                        votes == null ? null : ratedList(ids, t.getT2()))).subscribeOn(scoring))
                .then();
    }

    private Mono<Map<Long, Map<Long, Integer>>> ratedOf(long[] ids) {
        if (votes == null) return Mono.just(Map.of());
        Long[] boxed = new Long[ids.length];
        for (int i = 0; i < ids.length; i++) boxed[i] = ids[i];
        return votes.perChannel(boxed).collect(HashMap::new,
                (m, v) -> m.computeIfAbsent(v.reader(), k -> new HashMap<>()).put(v.channel(), v.votes()));
    }

    private static List<Map<Long, Integer>> ratedList(long[] ids, Map<Long, Map<Long, Integer>> rated) {
        List<Map<Long, Integer>> out = new ArrayList<>(ids.length);
        for (long id : ids) out.add(rated.getOrDefault(id, Map.of()));
        return out;
    }

    private Mono<Map<Long, Set<Long>>> seenOf(long[] ids) {
        Long[] boxed = new Long[ids.length];
        for (int i = 0; i < ids.length; i++) boxed[i] = ids[i];
        return deliveries.seenByAll(boxed, pool.oldestAllowed())
                .collect(HashMap::new, (m, s) -> m.computeIfAbsent(s.readerId(), k -> new HashSet<>()).add(s.postId()));
    }

    /** Per reader, the posts never to offer: those seen, and those their mutes and filters keep out. */
    private List<Set<Long>> seenList(long[] ids, Map<Long, Set<Long>> seen) {
        List<Set<Long>> out = new ArrayList<>(ids.length);
        for (long id : ids) {
            Set<Long> s = seen.getOrDefault(id, Set.of());
            out.add(prefs == ReaderPreferences.NONE ? s : new Unadmitted(s, id, prefs, pool));
        }
        return out;
    }

}
