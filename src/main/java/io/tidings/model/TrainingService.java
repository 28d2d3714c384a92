package io.tidings.model;

import io.tidings.store.ModelRepository;
import io.tidings.store.VoteRepository;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Keeps the model learning: after every {@code everyVotes} new votes it trains a few epochs starting
 * from the current model (incremental), and after {@code fullEvery} increments it retrains from scratch
 * with early stopping. Training runs on its own scheduler, one at a time, never blocking the pipelines;
 * each version is stored in PostgreSQL and swapped in atomically.
 */
public final class TrainingService {

    private static final Logger log = LoggerFactory.getLogger(TrainingService.class);
    private static final int INCREMENTAL_EPOCHS = 3;

    private final VoteRepository votes;
    private final ModelRepository models;
    private final ModelStore store;
    private final ModelRegistry registry;
    private final ModelConfig config;
    private final int everyVotes;
    private final int fullEvery;
    private final Scheduler scheduler;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicLong trainedSeq = new AtomicLong();
    private final AtomicInteger incrementsSinceFull = new AtomicInteger();
    private volatile TrainingSummary lastSummary;

    public TrainingService(VoteRepository votes, ModelRepository models, ModelRegistry registry, ModelConfig config,
                           int everyVotes, int fullEvery, Scheduler scheduler) {
        this.votes = votes;
        this.models = models;
        this.registry = registry;
        this.config = config;
        this.everyVotes = Math.max(1, everyVotes);
        this.fullEvery = Math.max(1, fullEvery);
        this.scheduler = scheduler;
        this.store = new ModelStore(models, ModelCodec.DEFAULT_CHUNK_BYTES, scheduler);
    }

    /** Loads the newest stored model version, if any, so a restart does not forget what was learned. */
    public Mono<Boolean> restoreLatest() {
        return models.latest()
                .filter(v -> v.id() > registry.version()) // already serving it (e.g. this replica just trained it)
                .flatMap(v -> store.load(v).publishOn(scheduler).map(model -> {
                    if (v.id() > registry.version()) registry.swap(new ScoringModel(v.id(), model));
                    trainedSeq.set(v.votesSeq());
                    log.info("restored model version {} ({} votes)", v.id(), v.voteCount());
                    return true;
                }))
                .defaultIfEmpty(false);
    }

    /** Trains when enough new votes arrived since the last version; emits whether it trained. */
    public Mono<Boolean> trainIfDue() {
        return votes.maxSeq().flatMap(seq -> seq - trainedSeq.get() >= everyVotes ? train() : Mono.just(false));
    }

    /** Trains now (incremental or full, by schedule); emits false when another training is running or there are no votes. */
    public Mono<Boolean> train() {
        if (!running.compareAndSet(false, true)) return Mono.just(false);
        return votes.all().collectList()
                .publishOn(scheduler)
                .flatMap(rows -> {
                    if (rows.isEmpty()) return Mono.just(false);
                    long seq = rows.stream().mapToLong(VoteRepository.VoteRow::seq).max().orElse(0);
                    var data = rows.stream().map(r -> new Vote(r.reader(), r.channel(), r.post(), r.liked())).toList();
                    boolean full = incrementsSinceFull.get() >= fullEvery || registry.version() == 0;
                    Trainer.Result result;
                    try (ModelRegistry.Lease lease = registry.current()) {
                        TrainedModel previous = lease.model().model();
                        result = full ? new Trainer(config).train(data)
                                : new Trainer(config).train(data, previous, INCREMENTAL_EPOCHS);
                    }
                    TrainedModel model = result.model();
                    String kind = full ? "full" : "incremental";
                    return store.save(kind, seq, data.size(), model, result.summary().toString())
                            .publishOn(scheduler)
                            .map(id -> {
                                if (id > registry.version()) registry.swap(new ScoringModel(id, model));
                                trainedSeq.set(seq);
                                incrementsSinceFull.set(full ? 0 : incrementsSinceFull.get() + 1);
                                lastSummary = result.summary();
                                log.info("model version {} ({}, {} votes): {}", id, kind, data.size(), result.summary());
                                return true;
                            });
                })
                .doFinally(s -> running.set(false));
    }

    /** Checks for new votes every {@code every}; dispose to stop. */
    public Disposable start(Duration every) {
        return Flux.interval(every, every)
                .onBackpressureDrop()
                .concatMap(t -> trainIfDue().onErrorResume(e -> {
                    log.warn("training failed, keeping the current model: {}", e.toString());
                    return Mono.just(false);
                }), 1)
                .subscribe();
    }

    public TrainingSummary lastSummary() {
        return lastSummary;
    }
}
