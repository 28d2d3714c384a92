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
import java.util.concurrent.locks.ReentrantLock;
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
 * New posts as they arrive: into the fresh pool and, in batches, into every reader's candidate set; pairs above the
 * instant-push threshold are queued at once for readers who want instant pushes. Arrivals beyond a bound are
 * dropped and picked up by the next re-rank instead.
 */
final class ArrivalScoring {

    private static final Logger log = LoggerFactory.getLogger(ArrivalScoring.class);
    private static final int MAX_ARRIVALS = 100_000;

    private final FreshPool pool;
    private final CandidateIndex index;
    private final DeliveryRepository deliveries;
    private final Scheduler scoring;
    private final Runnable wakeSender;
    private final FeedConfig config;
    private final ReaderPreferences prefs;
    private final ConcurrentLinkedQueue<FreshPool.Entry> arrivals = new ConcurrentLinkedQueue<>();
    private final AtomicInteger arrivalCount = new AtomicInteger();
    private final ReentrantLock turn = new ReentrantLock();
    final AtomicBoolean arrivalsDropped = new AtomicBoolean();
    private final Sinks.Many<Boolean> arrived = Sinks.many().multicast().onBackpressureBuffer(1, false);

    ArrivalScoring(FreshPool pool, CandidateIndex index, DeliveryRepository deliveries, Scheduler scoring, Runnable wakeSender,
                   FeedConfig config, ReaderPreferences prefs) {
        this.pool = pool;
        this.index = index;
        this.deliveries = deliveries;
        this.scoring = scoring;
        this.wakeSender = wakeSender;
        this.config = config;
        this.prefs = prefs;
    }

    /** Emits when posts are waiting to be scored. */
    Flux<Boolean> wakeups() {
        return arrived.asFlux();
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
                    // one caller at a time (the loop, or a mailing about to plan): whoever returns finds every post
                    // that arrived before it in the sets, none still between the queue and the index
                    turn.lock();
                    try {
                        return scoreWaiting();
                    } finally {
                        turn.unlock();
                    }
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

    /** Takes the waiting posts (at most 4,096) into the index; the hits are readers to push to at once. */
    private Scored scoreWaiting() {
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
    }

    private record Scored(int posts, List<CandidateIndex.Hit> hits) {}

}
