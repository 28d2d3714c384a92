package io.tidings.feed;

import java.time.Instant;
import reactor.core.publisher.Mono;

/** The operator's /broadcast: one chosen post to every active reader at a set time. */
@FunctionalInterface
public interface Broadcasts {

    /** Schedules {@code postId} for every active reader at {@code at} (now or later); emits the broadcast's id. */
    Mono<Long> schedule(long postId, Instant at, long operatorId);
}
