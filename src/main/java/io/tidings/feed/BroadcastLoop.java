package io.tidings.feed;

import io.tidings.store.BroadcastRepository;
import io.tidings.util.Loop;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * A simple {@link Broadcasts}: /broadcast stores a row; a timer claims due rows (one replica each) and queues the post
 * for every active reader through the outbox, page by page. The outbox's (reader, post) key keeps a reader who
 * already has the post from getting it twice.
 */
public final class BroadcastLoop implements Broadcasts {

    private static final Logger log = LoggerFactory.getLogger(BroadcastLoop.class);

    private final BroadcastRepository broadcasts;
    private final java.util.function.LongFunction<Mono<Long>> queueForEveryone;

    /** {@code queueForEveryone} queues a post for every active reader ({@code FeedService.broadcast}) and wakes the sender. */
    public BroadcastLoop(BroadcastRepository broadcasts, java.util.function.LongFunction<Mono<Long>> queueForEveryone) {
        this.broadcasts = broadcasts;
        this.queueForEveryone = queueForEveryone;
    }

    @Override
    public Mono<Long> schedule(long postId, Instant at, long operatorId) {
        return broadcasts.schedule(postId, at, operatorId);
    }

    /** Looks for due broadcasts every {@code every}. */
    public Disposable start(Duration every) {
        return Loop.named("broadcasts").every(every).firstAfter(Duration.ZERO).timeout(Duration.ofMinutes(10))
                .start(this::runDue);
    }

    /** Queues every due broadcast; emits how many deliveries were queued. */
    public Mono<Long> runDue() {
        return broadcasts.claimDue()
                .concatMap(due -> queueForEveryone.apply(due.postId())
                        .flatMap(n -> {
                            log.info("broadcast {} of post {} queued for {} readers", due.id(), due.postId(), n);
                            return broadcasts.recordQueued(due.id(), n).thenReturn(n);
                        }))
                .reduce(0L, Long::sum);
    }
}
