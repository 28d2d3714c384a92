package io.tidings.feed;

import io.tidings.store.DeliveryRepository;
import io.tidings.store.Reader;
import io.tidings.store.ReaderRepository;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Plans deliveries: the next post for one reader (after /start, a vote or "More"), and mailings to
 * every active reader. Candidates come from the in-memory fresh pool; the outbox's (reader, post)
 * key makes sure nothing is queued twice.
 */
public final class FeedService {

    private static final Logger log = LoggerFactory.getLogger(FeedService.class);
    private static final int PAGE = 500;
    private static final int SPARE = 3;

    private final FreshPool pool;
    private final Ranker ranker;
    private final DeliveryRepository deliveries;
    private final ReaderRepository readers;
    private final Scheduler scoring;
    private final Runnable wakeSender;

    public FeedService(FreshPool pool, Ranker ranker, DeliveryRepository deliveries, ReaderRepository readers,
                       Scheduler scoring, Runnable wakeSender) {
        this.pool = pool;
        this.ranker = ranker;
        this.deliveries = deliveries;
        this.readers = readers;
        this.scoring = scoring;
        this.wakeSender = wakeSender;
    }

    /** Queues the reader's best unseen fresh post; emits whether one was queued. */
    public Mono<Boolean> next(long reader, String reason) {
        return deliveries.seenBy(reader, pool.oldestAllowed()).collect(HashSet<Long>::new, Set::add)
                .flatMap(seen -> plan(reader, seen, 1, reason))
                .map(n -> n > 0)
                .doOnNext(queued -> { if (queued) wakeSender.run(); });
    }

    /** Queues up to {@code perReader} fresh posts for every active reader, page by page. Emits how many were queued. */
    public Mono<Long> mailing(int perReader) {
        return readers.allActive(PAGE)
                .buffer(PAGE)
                .concatMap(page -> mailPage(page, perReader), 1)
                .reduce(0L, Long::sum)
                .doOnNext(n -> {
                    log.info("mailing queued {} deliveries", n);
                    wakeSender.run();
                });
    }

    private Mono<Long> mailPage(List<Reader> page, int perReader) {
        Long[] ids = page.stream().map(Reader::id).toArray(Long[]::new);
        return deliveries.seenByAll(ids, pool.oldestAllowed())
                .collect(HashMap<Long, Set<Long>>::new, (m, s) -> m.computeIfAbsent(s.readerId(), k -> new HashSet<>()).add(s.postId()))
                .flatMapMany(seen -> Flux.fromIterable(page)
                        .flatMap(r -> plan(r.id(), seen.getOrDefault(r.id(), Set.of()), perReader, "mailing"), 4))
                .reduce(0L, Long::sum)
                .doOnNext(n -> wakeSender.run());
    }

    /** Ranks on the scoring scheduler, then queues the best picks; falls back to the next pick when one was taken meanwhile. */
    private Mono<Long> plan(long reader, Set<Long> seen, int count, String reason) {
        FreshPool.Snapshot snapshot = pool.snapshot();
        return Mono.fromCallable(() -> ranker.best(reader, snapshot, seen, count + SPARE))
                .subscribeOn(scoring)
                .flatMapMany(Flux::fromArray)
                .concatMap(pick -> deliveries.enqueue(reader, pick.postId(), reason, pick.score()))
                .take(count)
                .count();
    }

    public Map<String, Object> stats() {
        return Map.of("fresh_pool", pool.size());
    }
}
