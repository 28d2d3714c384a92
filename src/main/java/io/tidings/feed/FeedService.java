package io.tidings.feed;

import io.micrometer.core.instrument.MeterRegistry;
import io.tidings.store.DeliveryRepository;
import io.tidings.store.Post;
import io.tidings.store.Reader;
import io.tidings.store.ReaderRepository;
import io.tidings.store.VoteRepository;
import io.tidings.util.Loop;
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

    private final CandidateIndex index;
    private final Supplier<CandidateIndex.ModelVersion> model;
    private final ArrivalScoring arrivals;
    private final CandidateRefresh refresh;
    private final Planner planner;
    private final Mailings mailings;
    private final DeliveryRepository deliveries;
    private final Runnable wakeSender;

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
        this.index = index;
        this.model = model;
        this.deliveries = deliveries;
        this.wakeSender = wakeSender;
        this.arrivals = new ArrivalScoring(pool, index, deliveries, scoring, wakeSender, config, prefs);
        this.refresh = new CandidateRefresh(pool, index, model, deliveries, readers, votes, scoring, arrivals.arrivalsDropped, prefs);
        this.planner = new Planner(index, refresh, deliveries, scoring, wakeSender, prefs);
        this.mailings = new Mailings(readers, deliveries, planner, wakeSender, config, prefs);
    }

    // ---- background work ----------------------------------------------------------------------------

    /**
     * Starts keeping candidates: new posts are scored against every reader as they arrive, and the index is
     * re-ranked in the background whenever the model version changes (checked every {@code modelCheck}). The loops count
     * their ticks on {@code meters}.
     */
    public Disposable start(Duration modelCheck, MeterRegistry meters) {
        Disposable posts = Loop.named("new-posts").every(Duration.ofSeconds(1)).timeout(Duration.ofMinutes(1))
                .wakeUps(arrivals.wakeups()).meters(meters).start(this::scoreArrivals);
        // a failed re-rank leaves the old candidates serving; a full one takes about a minute at a million readers
        Disposable versions = Loop.named("re-rank").every(modelCheck).firstAfter(Duration.ZERO).timeout(Duration.ofMinutes(10))
                .meters(meters)
                .start(() -> model.get().version() != index.version() || arrivals.arrivalsDropped.get() ? rebuild() : Mono.empty());
        return Disposables.composite(posts, versions);
    }

    /** A post from ingest: into the fresh pool and, when new, to every reader's candidates. */
    public void postArrived(Post post) {
        arrivals.postArrived(post);
    }

    /** Scores the posts that arrived since the last call; queues instant pushes. Emits how many posts were scored. */
    public Mono<Integer> scoreArrivals() {
        return arrivals.scoreArrivals();
    }

    /**
     * Re-ranks every active reader with the current model; the old candidates serve meanwhile. Joins a
     * re-rank already running, and runs again while the model changed underneath (at most three times).
     */
    public Mono<Void> rebuild() {
        return refresh.rebuild();
    }

    /** Queues the reader's best unseen fresh post; emits whether one was queued. */
    public Mono<Boolean> next(long reader, String reason) {
        return planner.next(reader, reason);
    }

    /**
     * A digest's "full post" button: queues the post the reader's digest listed, once ever (the row leaves the digest
     * for the queue); emits false when it was not in a digest of theirs or was sent in full already.
     */
    public Mono<Boolean> fullPost(long reader, long post) {
        return deliveries.openDigestEntry(reader, post).hasElement().doOnNext(q -> { if (q) wakeSender.run(); });
    }

    /**
     * Queues up to {@code perReader} fresh posts for every active reader, page by page; posts that arrived before it and
     * wait to be scored are scored first. Emits how many were queued.
     */
    public Mono<Long> mailing(int perReader) {
        return arrivalsFirst().then(mailings.mailing(perReader));
    }

    /**
     * The scheduled mailing of one minute: every active reader for whom {@code minute} is a mailing time in
     * their own time zone gets their best posts (posts waiting to be scored are scored first). Runs once per minute across
     * replicas; emits how many were queued.
     */
    public Mono<Long> mailingAt(Instant minute, String owner) {
        return arrivalsFirst().then(mailings.mailingAt(minute, owner));
    }

    /**
     * Scores the posts waiting to be scored, so a mailing includes every post that arrived before it; a failure here (say
     * the database refusing an instant push, after the posts entered the sets) is logged and does not stop the mailing.
     */
    private Mono<Void> arrivalsFirst() {
        return arrivals.scoreArrivals()
                .onErrorResume(e -> {
                    log.warn("scoring new posts before a mailing failed; the mailing goes on with the sets as they are", e);
                    return Mono.empty();
                })
                .then();
    }

    /** Queues one post for every active reader, due at {@code at} (now or later); emits how many were queued. */
    public Mono<Long> broadcast(long postId, Instant at) {
        return mailings.broadcast(postId, at);
    }
}
