package io.tidings.feed;

import io.tidings.store.DatabaseRetry;
import io.tidings.store.DeliveryRepository;
import io.tidings.store.MailingRuns;
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
 * Mailings and broadcasts: every active reader (or every reader due at this minute in their own time zone) gets
 * their best posts, read and planned page by page; a broadcast queues one post for every active reader.
 */
final class Mailings {

    private static final Logger log = LoggerFactory.getLogger(Mailings.class);
    private static final DateTimeFormatter HH_MM = DateTimeFormatter.ofPattern("HH:mm");

    private final ReaderRepository readers;
    private final DeliveryRepository deliveries;
    private final MailingRuns runs;
    private final Planner planner;
    private final Runnable wakeSender;
    private final FeedConfig config;
    private final ReaderPreferences prefs;

    Mailings(ReaderRepository readers, DeliveryRepository deliveries, Planner planner, Runnable wakeSender, FeedConfig config,
             ReaderPreferences prefs) {
        this.readers = readers;
        this.deliveries = deliveries;
        this.runs = deliveries.mailingRuns();
        this.planner = planner;
        this.wakeSender = wakeSender;
        this.config = config;
        this.prefs = prefs;
    }

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
     * The run records its progress per page under a lease; afterwards this replica also resumes any run of the last
     * day that a replica left unfinished (it died, or failed half-way), after the last reader it planned.
     */
    public Mono<Long> mailingAt(Instant minute, String owner) {
        Instant m = minute.truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
        return runs.claimMinute(m, owner, config.lease())
                .flatMap(run -> runMailing(run, owner))
                .defaultIfEmpty(0L)
                .flatMap(n -> resumeAbandoned(owner).map(r -> n + r));
    }

    /** Resumes, one after another, every mailing run left unfinished; emits how many deliveries they queued. */
    Mono<Long> resumeAbandoned(String owner) {
        // one run at a time: claim, finish, then look for the next
        return runs.claimAbandoned(owner, config.lease())
                .flatMap(run -> {
                    log.info("resuming the mailing of {} after reader {}", run.minute(), run.afterReader());
                    return runMailing(run, owner);
                })
                .map(java.util.Optional::of)
                .defaultIfEmpty(java.util.Optional.empty())
                .repeat()
                .takeWhile(java.util.Optional::isPresent)
                .reduce(0L, (n, r) -> n + r.get());
    }

    private Mono<Long> runMailing(MailingRuns.MailingRun run, String owner) {
        Instant m = run.minute();
        List<String> times = config.mailingTimes().stream().map(HH_MM::format).toList();
        java.util.concurrent.atomic.AtomicBoolean mine = new java.util.concurrent.atomic.AtomicBoolean(true);
        return pages(run.afterReader(), after -> readers.dueForMailing(m, times, config.skipInactiveAfter(), after, config.page()))
                .takeWhile(page -> mine.get())
                .concatMap(page -> notYetMailed(page, run)
                        .flatMap(todo -> todo.isEmpty() ? Mono.just(0L) : mailPage(todo, -1, "mailing"))
                        .flatMap(n -> runs.advance(m, owner, page.get(page.size() - 1).id(), n, config.lease())
                                .doOnNext(held -> {
                                    if (!held) {
                                        log.warn("the mailing of {} was taken over by another replica", m);
                                        mine.set(false);
                                    }
                                })
                                .thenReturn(n)), 1)
                .reduce(0L, Long::sum)
                .flatMap(n -> (mine.get() ? runs.finish(m, owner) : Mono.just(false)).thenReturn(n))
                .doOnNext(n -> {
                    if (n > 0) log.info("mailing of {} queued {} deliveries", m, n);
                    wakeSender.run();
                })
                .onErrorResume(e -> runs.release(m, owner).onErrorResume(x -> Mono.empty())
                        .then(Mono.error(new IllegalStateException("the mailing of " + m + " stopped half-way, to be resumed: " + e, e))));
    }

    /** A resumed run's page may have been planned in part before the crash: only readers with no mailing since it started. */
    private Mono<List<Reader>> notYetMailed(List<Reader> page, MailingRuns.MailingRun run) {
        if (!run.resumed()) return Mono.just(page);
        return deliveries.queuedSince(page.stream().map(Reader::id).toArray(Long[]::new), "mailing", run.startedAt())
                .collect(java.util.stream.Collectors.toSet())
                .map(done -> page.stream().filter(r -> !done.contains(r.id())).toList());
    }

    private Flux<List<Reader>> pages(java.util.function.LongFunction<Flux<Reader>> page) {
        return pages(Long.MIN_VALUE, page);
    }

    private Flux<List<Reader>> pages(long after, java.util.function.LongFunction<Flux<Reader>> page) {
        return ridingOut(page.apply(after).collectList(), "reading a page of readers")
                .expand(p -> p.size() < config.page() ? Mono.empty()
                        : ridingOut(page.apply(p.get(p.size() - 1).id()).collectList(), "reading a page of readers"))
                .filter(p -> !p.isEmpty());
    }

    private Mono<Long> mailPage(List<Reader> page, int perReader, String reason) {
        return ridingOut(readers.wantingDigest(page.stream().map(Reader::id).toArray(Long[]::new))
                        .collect(java.util.stream.Collectors.toSet()), "reading who wants a digest")
                .flatMap(digest -> {
                    List<Reader> separate = page.stream().filter(r -> !digest.contains(r.id())).toList();
                    List<Reader> digests = page.stream().filter(r -> digest.contains(r.id())).toList();
                    return plan(separate, perReader, reason, false)
                            .flatMap(n -> plan(digests, perReader, reason, true).map(m -> n + m));
                })
                .doOnNext(n -> wakeSender.run());
    }

    /**
     * Plans a page's readers; a reader who chose the digest gets their posts as one digest message of at least
     * {@link #DIGEST_MIN} headlines (their posts per mailing, when more).
     */
    private Mono<Long> plan(List<Reader> page, int perReader, String reason, boolean digest) {
        if (page.isEmpty()) return Mono.just(0L);
        long[] ids = page.stream().mapToLong(Reader::id).toArray();
        int[] counts = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            counts[i] = perReader > 0 ? perReader : prefs.postsPerMailing(ids[i], config.postsPerMailing());
            if (digest) counts[i] = Math.max(DIGEST_MIN, counts[i]);
        }
        // tried again as it is: the plan counts down what it queued, and the outbox key keeps a post from a reader twice
        return ridingOut(planner.plan(ids, counts, reason, digest), "planning a mailing page");
    }

    /**
     * A database step of a mailing, tried again (1 s doubling to 5 s, four times) when the database was only busy or
     * away for a moment: a pool that handed out no connection in time under load, a statement or connection timeout.
     * Seen in a soak: a whole mailing failed on one "Connection acquisition timed out after 5000ms".
     */
    static <T> Mono<T> ridingOut(Mono<T> step, String what) {
        return step.retryWhen(DatabaseRetry.backoff(4, Duration.ofSeconds(1), Duration.ofSeconds(5), what));
    }

    /** Fewest headlines in a digest (a reader's posts per mailing, when more). */
    static final int DIGEST_MIN = 5;

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
