package io.tidings.model.train;

import io.tidings.store.VoteRepository;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Where training stands in the vote table, by transaction rather than by {@code seq}: a vote's {@code seq} is taken
 * before its transaction commits, so reading {@code seq > last} can pass over a vote that commits after one with a
 * higher {@code seq}. Each read takes the horizon first ({@code pg_snapshot_xmin}: every transaction below it has
 * ended and is visible; every one still open is at or above it) and reads the votes of transactions between the
 * previous horizon and this one; the horizon advances only once the votes were trained on. So every committed vote is
 * read exactly once. An unknown horizon (a version imported, or stored before horizons were kept) reads by
 * {@code seq} once, as before.
 */
final class CommittedVotes {

    private final VoteRepository votes;
    /** Every transaction below it was trained on; 0: unknown. */
    private final AtomicLong horizon = new AtomicLong();

    CommittedVotes(VoteRepository votes) {
        this.votes = votes;
    }

    /** Votes to train on and the horizon that reading them reached (to {@link #advance} to once trained on). */
    record Read(Flux<VoteRepository.VoteRow> rows, long horizon) {}

    /** The votes committed since the last {@link #advance} (since {@code trainedSeq} when the horizon is unknown). */
    Mono<List<VoteRepository.VoteRow>> fresh(long trainedSeq, long[] reached) {
        return votes.horizon().flatMap(h -> {
            reached[0] = h;
            long from = horizon.get();
            return (from > 0 ? votes.committedBetween(from, h) : votes.since(trainedSeq)).collectList();
        });
    }

    /** Every vote committed so far, for a full training. */
    Mono<Read> all() {
        return votes.horizon().map(h -> new Read(votes.committedBelow(h), h));
    }

    /** The votes read up to {@code reached} were trained on. */
    void advance(long reached) {
        horizon.accumulateAndGet(reached, Math::max);
    }

    /** A restored version was trained up to {@code reached}. */
    void restore(long reached) {
        horizon.set(reached);
    }

    long horizon() {
        return horizon.get();
    }
}
