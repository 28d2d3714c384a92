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
 * Plans deliveries: the next post for one reader (after /start, a vote or "More"), scheduled mailings in
 * each reader's time zone, instant pushes of new posts, and operator broadcasts. Picks come from each
 * reader's candidate set ({@link CandidateIndex}), ranked against the whole fresh pool only when the set
 * cannot answer exactly; the outbox's (reader, post) key makes sure nothing is queued twice.
 */
public final class FeedService {

    private static final Logger log = LoggerFactory.getLogger(FeedService.class);
    private static final int ROUNDS = 4;
    private static final int REFILL_GROUP = 64;
    private static final int BUILD_PAGE = 4096;
    private static final int MAX_ARRIVALS = 100_000;
    private static final DateTimeFormatter HH_MM = DateTimeFormatter.ofPattern("HH:mm");

    private final FreshPool pool;
    private final CandidateIndex index;
    private final Supplier<CandidateIndex.ModelVersion> model;
    private final DeliveryRepository deliveries;
    private final ReaderRepository readers;
    private final VoteRepository votes; // null: exploration without rating counts
    private final Scheduler scoring;
    private final Runnable wakeSender;
    private final FeedConfig config;
    private final ReaderPreferences prefs;
    private final ConcurrentLinkedQueue<FreshPool.Entry> arrivals = new ConcurrentLinkedQueue<>();
    private final AtomicInteger arrivalCount = new AtomicInteger();
    private final AtomicBoolean arrivalsDropped = new AtomicBoolean();
    private final Sinks.Many<Boolean> arrived = Sinks.many().multicast().onBackpressureBuffer(1, false);
    private final java.util.concurrent.atomic.AtomicReference<Mono<Void>> running = new java.util.concurrent.atomic.AtomicReference<>();

    /** With candidate sets kept by {@code index} for the model {@code model} supplies (the current version). */
    public FeedService(FreshPool pool, CandidateIndex index, Supplier<CandidateIndex.ModelVersion> model,
                       DeliveryRepository deliveries, ReaderRepository readers, Scheduler scoring, Runnable wakeSender,
                       FeedConfig config, ReaderPreferences prefs) {
        this(pool, index, model, deliveries, readers, null, scoring, wakeSender, config, prefs);
    }

    /** The same, with each reader's votes per channel read from {@code votes} when sets are filled (for exploration). */
    public FeedService(FreshPool pool, CandidateIndex index, Supplier<CandidateIndex.ModelVersion> model,
                       DeliveryRepository deliveries, ReaderRepository readers, VoteRepository votes, Scheduler scoring,
                       Runnable wakeSender, FeedConfig config, ReaderPreferences prefs) {
        this.votes = votes;
        this.pool = pool;
        this.index = index;
        this.model = model;
        this.deliveries = deliveries;
        this.readers = readers;
        this.scoring = scoring;
        this.wakeSender = wakeSender;
        this.config = config;
        this.prefs = prefs;
    }

    // ---- background work ----------------------------------------------------------------------------

    /**
     * Starts keeping candidates: new posts are scored against every reader as they arrive, and the index is
     * re-ranked in the background whenever the model version changes (checked every {@code modelCheck}).
     */
    public Disposable start(Duration modelCheck) {
        Disposable posts = Flux.merge(Flux.interval(Duration.ofSeconds(1)).map(t -> Boolean.TRUE), arrived.asFlux())
                .onBackpressureLatest()
                .concatMap(t -> scoreArrivals().onErrorResume(e -> {
                    log.warn("scoring new posts failed: {}", e.toString());
                    return Mono.empty();
                }), 1)
                .subscribe();
        Disposable versions = Flux.interval(Duration.ZERO, modelCheck)
                .onBackpressureDrop()
                .concatMap(t -> model.get().version() != index.version() || arrivalsDropped.get()
                        ? rebuild().onErrorResume(e -> {
                            log.warn("re-ranking candidates failed, the old ones keep serving: {}", e.toString());
                            return Mono.empty();
                        })
                        : Mono.empty(), 1)
                .subscribe(null, e -> log.error("candidate re-ranking stopped: {}", e.toString()));
        return Disposables.composite(posts, versions);
    }

    /** A post from ingest: into the fresh pool and, when new, to every reader's candidates. */
    public void postArrived(Post post) {
        FreshPool.Entry e = new FreshPool.Entry(post.id(), post.channelId(), post.publishedAt());
        if (!pool.contains(e.postId()) && pool.add(e) && index != null) {
            // a repeat of a fresh post is not offered on arrival: readers who lack the story have the first telling
            // in their sets, and those who got it must not get it twice; refills and re-ranks consider it like any post
            if (prefs.group(e.postId()) != e.postId()) return;
            if (arrivalCount.incrementAndGet() > MAX_ARRIVALS) {
                arrivalCount.decrementAndGet();
                arrivalsDropped.set(true); // the next re-rank picks it up from the pool
                return;
            }
            arrivals.add(e);
            arrived.tryEmitNext(Boolean.TRUE); // a failure means a wake-up is pending or racing: the timer catches it
        }
    }

    /** Scores the posts that arrived since the last call; queues instant pushes. Emits how many posts were scored. */
    public Mono<Integer> scoreArrivals() {
        return Mono.fromCallable(() -> {
                    List<FreshPool.Entry> batch = new ArrayList<>();
                    for (FreshPool.Entry e; batch.size() < 4096 && (e = arrivals.poll()) != null; ) {
                        arrivalCount.decrementAndGet();
                        batch.add(e);
                    }
                    float threshold = config.instantPush() || prefs != ReaderPreferences.NONE ? config.instantThreshold()
                            : Float.POSITIVE_INFINITY;
                    List<CandidateIndex.Hit> hits = batch.isEmpty() ? List.of()
                            : index.addPosts(batch, threshold, r -> prefs.instantPush(r, config.instantPush()));
                    return new Scored(batch.size(), hits);
                })
                .subscribeOn(scoring)
                .flatMap(s -> Flux.fromIterable(s.hits())
                        .filter(h -> prefs.admits(h.reader(), h.postId(), pool.channelOf(h.postId())))
                        .flatMap(h -> deliveries.enqueueInstant(h.reader(), h.postId(), h.score(), config.instantPerDay())
                                .publishOn(scoring) // forget takes the candidate lock: not on the driver's thread
                                .doOnNext(id -> index.forget(h.reader(), h.postId())), 4)
                        .count()
                        .doOnNext(n -> { if (n > 0) wakeSender.run(); })
                        .thenReturn(s.posts()));
    }

    private record Scored(int posts, List<CandidateIndex.Hit> hits) {}

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

    private Mono<Void> fillPage(Object target, long[] ids) {
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

    // ---- pull ----------------------------------------------------------------------------------------

    /** Queues the reader's best unseen fresh post; emits whether one was queued. */
    public Mono<Boolean> next(long reader, String reason) {
        return plan(new long[] {reader}, new int[] {1}, reason).map(n -> n > 0).doOnNext(q -> { if (q) wakeSender.run(); });
    }

    // ---- mailings ------------------------------------------------------------------------------------

    /** Queues up to {@code perReader} fresh posts for every active reader, page by page. Emits how many were queued. */
    public Mono<Long> mailing(int perReader) {
        return pages(after -> readers.activeSincePage(config.skipInactiveAfter(), after, config.page()))
                .concatMap(page -> mailPage(page, perReader, "mailing"), 1)
                .reduce(0L, Long::sum)
                .doOnNext(n -> {
                    log.info("mailing queued {} deliveries", n);
                    wakeSender.run();
                });
    }

    /**
     * The scheduled mailing of one minute: every active reader for whom {@code minute} is a mailing time in
     * their own time zone gets their best posts. Runs once per minute across replicas; emits how many were queued.
     */
    public Mono<Long> mailingAt(Instant minute, String owner) {
        Instant m = minute.truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
        List<String> times = config.mailingTimes().stream().map(HH_MM::format).toList();
        return deliveries.claimMailingMinute(m, owner)
                .filter(Boolean::booleanValue)
                .flatMap(mine -> pages(after -> readers.dueForMailing(m, times, config.skipInactiveAfter(), after, config.page()))
                        .concatMap(page -> mailPage(page, -1, "mailing"), 1)
                        .reduce(0L, Long::sum))
                .doOnNext(n -> {
                    if (n > 0) log.info("mailing of {} queued {} deliveries", m, n);
                    wakeSender.run();
                })
                .defaultIfEmpty(0L);
    }

    private Flux<List<Reader>> pages(java.util.function.LongFunction<Flux<Reader>> page) {
        return page.apply(Long.MIN_VALUE).collectList()
                .expand(p -> p.size() < config.page() ? Mono.empty() : page.apply(p.get(p.size() - 1).id()).collectList())
                .filter(p -> !p.isEmpty());
    }

    private Mono<Long> mailPage(List<Reader> page, int perReader, String reason) {
        long[] ids = page.stream().mapToLong(Reader::id).toArray();
        int[] counts = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            counts[i] = perReader > 0 ? perReader : prefs.postsPerMailing(ids[i], config.postsPerMailing());
        }
        return plan(ids, counts, reason).doOnNext(n -> wakeSender.run());
    }

    /**
     * Picks {@code counts[i]} posts for each of {@code ids} from their candidate sets (refilling the sets that
     * cannot answer exactly), queues them in one statement per round, and tries again for pairs that turned
     * out to be queued before.
     */
    private Mono<Long> plan(long[] ids, int[] counts, String reason) {
        int[] missing = counts.clone();
        return Flux.range(0, ROUNDS)
                .concatMap(round -> pickRound(ids, missing, reason, round == 0), 1)
                .takeUntil(n -> java.util.Arrays.stream(missing).allMatch(c -> c <= 0))
                .reduce(0L, Long::sum);
    }

    private Mono<Long> pickRound(long[] ids, int[] missing, String reason, boolean exact) {
        return Mono.fromCallable(() -> takeAll(ids, missing, exact, null)).subscribeOn(scoring)
                .flatMap(first -> {
                    if (first.refill().length == 0) return Mono.just(first);
                    // the sets that cannot answer exactly: rank those readers against the whole pool, then pick again
                    long[] refill = first.refill();
                    return Flux.range(0, (refill.length + REFILL_GROUP - 1) / REFILL_GROUP)
                            .concatMap(g -> fillPage(null, java.util.Arrays.copyOfRange(refill, g * REFILL_GROUP,
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
                                    java.util.Arrays.copyOf(picked.scores, picked.size), reason)
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
        int size;
        boolean[] hadAny;
        long[] refill = new long[0];

        void add(long reader, CandidateIndex.Pick p) {
            if (size == readers.length) {
                readers = java.util.Arrays.copyOf(readers, size * 2);
                posts = java.util.Arrays.copyOf(posts, size * 2);
                scores = java.util.Arrays.copyOf(scores, size * 2);
            }
            readers[size] = reader;
            posts[size] = p.postId();
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

    // ---- broadcast -----------------------------------------------------------------------------------

    /** Queues one post for every active reader, due at {@code at} (now or later); emits how many were queued. */
    public Mono<Long> broadcast(long postId, Instant at) {
        int page = 5000;
        return deliveries.enqueueBroadcast(postId, at, Long.MIN_VALUE, page)
                .expand(p -> p.lastReader() == null ? Mono.empty() : deliveries.enqueueBroadcast(postId, at, p.lastReader(), page))
                .reduce(0L, (n, p) -> n + p.queued())
                .doOnNext(n -> {
                    log.info("broadcast of post {} at {} queued {} deliveries", postId, at, n);
                    wakeSender.run();
                });
    }

}
