package io.tidings.model.train;

import io.tidings.model.ModelCodec;
import io.tidings.model.ModelConfig;
import io.tidings.model.ModelStore;
import io.tidings.model.TrainedModel;
import io.tidings.model.serve.ModelRegistry;
import io.tidings.model.serve.ScoringModel;
import io.tidings.store.ModelRepository;
import io.tidings.store.VoteRepository;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Keeps the model learning: after every {@code everyVotes} new votes it trains a few epochs starting
 * from the current model (incremental) on the new votes and {@link #REPLAY} times as many older ones (so an
 * increment costs in proportion to what is new, not to every vote ever cast). Once the last full training saw
 * {@link #ROWS_ONLY_FROM} votes, an increment moves only the rows of the new votes' readers and posts
 * ({@link Trainer#trainRows}) and replays those readers' own history: the network, the channels and the priors
 * stay, so a model swap re-ranks only those readers. Before, the replay is random and the whole model learns. It retrains from scratch with early stopping after
 * {@link FullRetraining#afterIncrements} increments, or when {@link FullRetraining#every} has passed since
 * the last full training and any vote came in since. The schedule is read from the stored versions, so it
 * survives restarts and a move of the trainer to another replica. Training runs on its own scheduler, one
 * at a time, never blocking the pipelines; each version is stored in PostgreSQL and swapped in atomically.
 */
public final class TrainingService {

    private static final Logger log = LoggerFactory.getLogger(TrainingService.class);
    private static final int INCREMENTAL_EPOCHS = 3;
    /** Newest model versions always kept in the database (older ones go once a newer full version exists). */
    static final int KEEP_VERSIONS = 3;
    private final AtomicLong savedId = new AtomicLong();
    /** Older votes replayed in an incremental training, per new vote. */
    static final int REPLAY = 4;
    /** Replay at least this many older votes (when there are), so small increments still see a spread of readers. */
    static final int MIN_REPLAY = 2_000;

    /**
     * Votes of the last full training from which increments move only rows ({@link Trainer#trainRows}): with fewer,
     * the network has learned from few votes and gets better from every increment (the demo's like rate, 6 rounds of
     * 100 readers: 0.63 in the last round with network increments, 0.31 with rows only); with more, it is trained well
     * and an increment that moved it would cost every reader a full re-rank.
     */
    static final long ROWS_ONLY_FROM = 100_000;

    private final long rowsOnlyFrom;
    private final VoteRepository votes;
    private final ModelRepository models;
    private final ModelStore store;
    private final ModelRegistry registry;
    private final ModelConfig config;
    private final int everyVotes;
    private final FullRetraining full;
    private final Clock clock;
    private final Scheduler scheduler;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicLong trainedSeq = new AtomicLong();
    private final CommittedVotes committed;
    private volatile TrainingSummary lastSummary;

    /**
     * When to retrain from scratch: after {@code afterIncrements} incremental trainings, and when
     * {@code every} has passed since the last full one (zero: never by time).
     */
    public record FullRetraining(int afterIncrements, Duration every) {
        public FullRetraining {
            if (afterIncrements < 1 || every.isNegative()) {
                throw new IllegalArgumentException("full retraining needs afterIncrements >= 1 and every >= 0");
            }
        }
    }

    public TrainingService(VoteRepository votes, ModelRepository models, ModelRegistry registry, ModelConfig config,
                           int everyVotes, int fullEvery, Scheduler scheduler) {
        this(votes, models, registry, config, everyVotes, new FullRetraining(Math.max(1, fullEvery), Duration.ZERO),
                Clock.systemUTC(), scheduler);
    }

    public TrainingService(VoteRepository votes, ModelRepository models, ModelRegistry registry, ModelConfig config,
                           int everyVotes, FullRetraining full, Clock clock, Scheduler scheduler) {
        this(votes, models, registry, config, everyVotes, full, ROWS_ONLY_FROM, clock, scheduler);
    }

    /**
     * {@code rowsOnlyFrom}: increments move only rows once the last full training saw at least this many votes
     * (0: always); before, they train the whole model (network included) from the current one.
     */
    public TrainingService(VoteRepository votes, ModelRepository models, ModelRegistry registry, ModelConfig config,
                           int everyVotes, FullRetraining full, long rowsOnlyFrom, Clock clock, Scheduler scheduler) {
        this.rowsOnlyFrom = rowsOnlyFrom;
        this.votes = votes;
        this.models = models;
        this.registry = registry;
        this.config = config;
        this.everyVotes = Math.max(1, everyVotes);
        this.full = full;
        this.clock = clock;
        this.scheduler = scheduler;
        this.store = new ModelStore(models, ModelCodec.DEFAULT_CHUNK_BYTES, scheduler);
        this.committed = new CommittedVotes(votes);
    }

    /** Loads the newest stored model version, if any, so a restart does not forget what was learned. */
    public Mono<Boolean> restoreLatest() {
        return models.latest()
                // already serving it, or this replica just saved it (its NOTIFY can beat the swap)
                .filter(v -> v.id() > Math.max(registry.version(), savedId.get()))
                .flatMap(v -> store.load(v).zipWith(models.votesXmin(v.id()).defaultIfEmpty(0L)).publishOn(scheduler).map(loaded -> {
                    TrainedModel model = loaded.getT1();
                    trainedSeq.set(Math.max(trainedSeq.get(), v.votesSeq()));
                    committed.restore(loaded.getT2());
                    // loading took a while: the trainer may have swapped this version in meanwhile
                    if (v.id() <= registry.version()) return false;
                    registry.swap(new ScoringModel(v.id(), model));
                    log.info("restored model version {} ({} votes)", v.id(), v.voteCount());
                    return true;
                }))
                .defaultIfEmpty(false);
    }

    /**
     * Trains when enough new votes arrived since the last version, or when a full retraining is due by time
     * and any vote arrived since the last full one; emits whether it trained.
     */
    public Mono<Boolean> trainIfDue() {
        return Mono.zip(votes.maxSeq(), models.fullTraining()).flatMap(t -> {
            long seq = t.getT1();
            ModelRepository.FullTraining last = t.getT2();
            boolean due = seq - trainedSeq.get() >= everyVotes || fullDueByTime(last) && seq > last.votesSeq();
            return due ? train(Mono.just(last)) : Mono.just(false);
        });
    }

    /** Trains now (incremental or full, by schedule); emits false when another training is running or there are no votes. */
    public Mono<Boolean> train() {
        return train(models.fullTraining());
    }

    private boolean fullDueByTime(ModelRepository.FullTraining last) {
        return !full.every().isZero() && last.at() != null
                && !clock.instant().isBefore(last.at().plus(full.every()));
    }

    /** Takes the one training slot now (or emits false), then trains by the schedule that {@code state} tells. */
    private Mono<Boolean> train(Mono<ModelRepository.FullTraining> state) {
        if (!running.compareAndSet(false, true)) return Mono.just(false);
        return state.flatMap(this::trainHolding).doFinally(s -> running.set(false));
    }

    private Mono<Boolean> trainHolding(ModelRepository.FullTraining last) {
        boolean isFull = registry.version() == 0 || last.at() == null
                || last.incrementsSince() >= full.afterIncrements() || fullDueByTime(last) || otherShapeServed();
        if (!isFull && servedWithoutReaderRows()) {
            // an increment trains from the served model's rows: a serving pod (ROLE=serve) let them go after its build
            return Mono.error(new IllegalStateException("model version " + registry.version() + " is served without its "
                    + "reader rows (ROLE=serve): train in a ROLE=train or ROLE=all process"));
        }
        // streamed into primitive columns: no list of row objects, however many votes there are
        long trained = trainedSeq.get();
        // the votes read (by transaction, see CommittedVotes) and the horizon they reach
        long[] reached = {0};
        // the readers and posts of the new votes: the only rows a rows-only increment moves
        @SuppressWarnings("unchecked")
        java.util.Set<Long>[] learning = new java.util.Set[2];
        boolean rowsOnly = last.votesSeq() >= rowsOnlyFrom;
        Flux<VoteRepository.VoteRow> rows = isFull || trained == 0
                ? committed.all().flatMapMany(read -> {
                    reached[0] = read.horizon();
                    return read.rows();
                })
                : !rowsOnly ? committed.fresh(trained, reached).flatMapMany(fresh -> fresh.isEmpty() ? Flux.empty()
                        : Flux.concat(votes.sample(trained, Math.max(MIN_REPLAY, REPLAY * fresh.size())), Flux.fromIterable(fresh)))
                : committed.fresh(trained, reached).flatMapMany(fresh -> {
                    if (fresh.isEmpty()) return Flux.empty();
                    learning[0] = new java.util.HashSet<>();
                    learning[1] = new java.util.HashSet<>();
                    java.util.Set<Pair> pairs = new java.util.HashSet<>();
                    for (VoteRepository.VoteRow r : fresh) {
                        learning[0].add(r.reader());
                        learning[1].add(r.post());
                        pairs.add(new Pair(r.reader(), r.post()));
                    }
                    // the history of the readers whose rows learn: votes of other readers could not move anything
                    Flux<VoteRepository.VoteRow> replay = votes.ofReaders(learning[0].toArray(Long[]::new), trained,
                            Math.max(MIN_REPLAY, REPLAY * fresh.size()));
                    return Flux.concat(replay.filter(r -> !pairs.contains(new Pair(r.reader(), r.post()))), Flux.fromIterable(fresh));
                });
        return rows.collect(VoteColumns::new, (c, r) -> c.add(r.reader(), r.channel(), r.post(), r.liked(), r.seq()))
                .publishOn(scheduler)
                .flatMap(columns -> {
                    if (columns.size() == 0) return Mono.just(false);
                    long seq = Math.max(trained, columns.maxSeq());
                    List<Vote> data = columns.asList();
                    Trainer.Result result;
                    try (ModelRegistry.Lease lease = registry.current()) {
                        TrainedModel previous = lease.model().model();
                        // a rows-only increment moves only the rows of the new votes' readers and posts (network,
                        // channels and priors kept), so serving re-ranks just those readers and re-scores just those
                        // posts; otherwise (or with no horizon known: every vote read) everything from the current model
                        result = isFull ? new Trainer(config).train(data)
                                : learning[0] == null ? new Trainer(config).train(data, previous, INCREMENTAL_EPOCHS)
                                : new Trainer(config).trainRows(data, previous, INCREMENTAL_EPOCHS, learning[0]::contains,
                                        learning[1]::contains);
                    }
                    TrainedModel model = result.model();
                    String kind = isFull ? "full" : "incremental";
                    return store.save(kind, seq, data.size(), model, result.summary().toString())
                            .doOnNext(savedId::set)
                            .flatMap(id -> models.recordVotesXmin(id, reached[0]).thenReturn(id))
                            .flatMap(id -> models.prune(KEEP_VERSIONS).onErrorResume(e -> {
                                log.warn("old model versions not pruned: {}", e.toString());
                                return Mono.just(0L);
                            }).thenReturn(id))
                            .publishOn(scheduler)
                            .map(id -> {
                                if (id > registry.version()) registry.swap(new ScoringModel(id, model));
                                trainedSeq.set(seq);
                                committed.advance(reached[0]);
                                lastSummary = result.summary();
                                log.info("model version {} ({}, {} votes): {}", id, kind, data.size(), result.summary());
                                return true;
                            });
                });
    }

    /** A (reader, post) vote: an older state of a new vote is not replayed (the new one is trained as it is now). */
    private record Pair(long reader, long post) {}

    private boolean servedWithoutReaderRows() {
        try (ModelRegistry.Lease lease = registry.current()) {
            return !lease.model().model().keepsReaderRows();
        }
    }

    /** An imported model of other sizes cannot be trained on incrementally: the next training is full. */
    private boolean otherShapeServed() {
        try (ModelRegistry.Lease lease = registry.current()) {
            ModelConfig served = lease.model().model().config();
            return served.readerDim() != config.readerDim() || served.channelDim() != config.channelDim()
                    || served.postDim() != config.postDim() || served.hidden() != config.hidden();
        }
    }

    public TrainingSummary lastSummary() {
        return lastSummary;
    }
}
