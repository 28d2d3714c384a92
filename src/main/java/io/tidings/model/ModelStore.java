package io.tidings.model;

import io.tidings.store.ModelRepository;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Trained models in PostgreSQL in the chunked form of {@link ModelCodec}: a head and chunks of at most
 * {@code chunkBytes} each, encoded and decoded one chunk at a time on {@code scheduler}. Reads versions
 * stored whole before the chunked form too.
 */
public final class ModelStore {
    private final ModelRepository repository;
    private final int chunkBytes;
    private final Scheduler scheduler;

    public ModelStore(ModelRepository repository, int chunkBytes, Scheduler scheduler) {
        this.repository = repository;
        this.chunkBytes = chunkBytes;
        this.scheduler = scheduler;
    }

    /** Stores {@code model} (and its ONNX pairs graph) as a new version; emits its id. */
    public Mono<Long> save(String kind, long votesSeq, long voteCount, TrainedModel model, String summary) {
        return Mono.fromCallable(() -> ModelCodec.encodeHead(model, chunkBytes))
                .subscribeOn(scheduler)
                .flatMap(head -> {
                    int chunks = ModelCodec.chunkCount(model, chunkBytes);
                    Flux<byte[]> bytes = Flux.range(0, chunks)
                            .publishOn(scheduler, 1)
                            .map(i -> ModelCodec.encodeChunk(model, chunkBytes, i));
                    return repository.save(kind, votesSeq, voteCount, head, chunks, bytes, model.toOnnx(), summary);
                });
    }

    /** The model of a stored version. */
    public Mono<TrainedModel> load(ModelRepository.ModelVersion version) {
        if (!ModelCodec.isHead(version.weights())) {
            return Mono.fromCallable(() -> TrainedModel.fromBytes(version.weights())).subscribeOn(scheduler);
        }
        return Mono.fromCallable(() -> {
                    ModelCodec.Assembler a = new ModelCodec.Assembler(version.weights());
                    if (a.chunks() != version.chunks()) {
                        throw new IllegalArgumentException("model version " + version.id() + " has " + version.chunks()
                                + " chunks, its head needs " + a.chunks());
                    }
                    return a;
                })
                .subscribeOn(scheduler)
                .flatMap(a -> repository.chunks(version)
                        .publishOn(scheduler, 1)
                        .doOnNext(a::add)
                        .then(Mono.fromCallable(a::finish)));
    }
}
