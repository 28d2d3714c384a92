package io.tidings.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidings.TestDatabase;
import io.tidings.store.Database;
import io.tidings.store.ModelRepository;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** Models stored in a real PostgreSQL in chunks, and read back. */
class ModelStorageTest {
    private static final Duration T = Duration.ofSeconds(60);
    private static final Scheduler SCHEDULER = Schedulers.newBoundedElastic(2, 16, "model-store-test");

    private Database db;
    private ModelRepository repository;

    @BeforeEach
    void setUp() {
        db = TestDatabase.reset();
        repository = new ModelRepository(db);
    }

    @AfterAll
    static void stop() {
        SCHEDULER.dispose();
    }

    @Test
    void aModelSpreadOverManyChunksComesBackIdentical() {
        TrainedModel model = Fixtures.randomModel(ModelConfig.defaults(), 3, 3000, 500, 4000);
        int chunkBytes = 64 << 10;
        ModelStore store = new ModelStore(repository, chunkBytes, SCHEDULER);
        long id = store.save("full", 42, 7000, model, "test").block(T);

        ModelRepository.ModelVersion v = repository.latest().block(T);
        assertThat(v.id()).isEqualTo(id);
        assertThat(v.votesSeq()).isEqualTo(42);
        assertThat(v.chunks()).isEqualTo(ModelCodec.chunkCount(model, chunkBytes)).isGreaterThan(20);
        assertThat(v.weights().length).as("the head holds no table rows").isLessThan(60_000);
        assertThat(largestChunk(id)).isLessThanOrEqualTo(chunkBytes);
        TrainedModel back = store.load(v).block(T);
        assertThat(back.toBytes()).isEqualTo(model.toBytes());
        SplittableRandom rng = new SplittableRandom(1);
        for (int i = 0; i < 200; i++) {
            long reader = rng.nextInt(3100); // some unknown: the prior
            long channel = 1000 + rng.nextInt(520);
            long post = 5000 + rng.nextInt(4100);
            assertThat(back.score(reader, channel, post)).isEqualTo(model.score(reader, channel, post));
        }
    }

    @Test
    void aReaderTableLargerThanOneDefaultChunkIsSplit() {
        // 25,000 readers × 100 floats = 10 MB of reader rows: two chunks of at most 8 MB
        TrainedModel model = Fixtures.randomModel(ModelConfig.defaults(), 4, 25_000, 20, 50);
        ModelStore store = new ModelStore(repository, ModelCodec.DEFAULT_CHUNK_BYTES, SCHEDULER);
        long id = store.save("full", 1, 1, model, "big").block(T);

        assertThat(chunkCount(id)).isEqualTo(4); // readers 2, channels 1, posts 1
        assertThat(largestChunk(id)).isGreaterThan(4 << 20).isLessThanOrEqualTo(ModelCodec.DEFAULT_CHUNK_BYTES);
        TrainedModel back = store.load(repository.latest().block(T)).block(T);
        assertThat(back.readers().size()).isEqualTo(25_000);
        assertThat(back.readerVector(24_999)).containsExactly(model.readerVector(24_999));
        assertThat(back.score(12_345, 1005, 5010)).isEqualTo(model.score(12_345, 1005, 5010));
    }

    @Test
    void aVersionStoredWholeBeforeChunkingStillLoads() {
        TrainedModel model = Fixtures.randomModel(ModelConfig.defaults(), 5, 30, 5, 40);
        repository.save("incremental", 3, 3, model.toBytes(), model.toOnnx(), "old").block(T);
        ModelRepository.ModelVersion v = repository.latest().block(T);
        assertThat(v.chunks()).isZero();
        TrainedModel back = new ModelStore(repository, 1 << 16, SCHEDULER).load(v).block(T);
        assertThat(back.toBytes()).isEqualTo(model.toBytes());
    }

    @Test
    void aMissingChunkIsAnErrorNotAPartialModel() {
        TrainedModel model = Fixtures.randomModel(ModelConfig.defaults(), 6, 500, 5, 40);
        ModelStore store = new ModelStore(repository, 16 << 10, SCHEDULER);
        long id = store.save("full", 1, 1, model, "test").block(T);
        db.sql().update("DELETE FROM model_chunks WHERE version_id = $1 AND seq = 2", id).block(T);
        ModelRepository.ModelVersion v = repository.latest().block(T);
        assertThatThrownBy(() -> store.load(v).block(T)).hasMessageContaining("lacks chunk 2");
    }

    @Test
    void aSaveThatFailsHalfwayLeavesNoVersionBehind() {
        byte[] head = {1, 2, 3};
        Flux<byte[]> chunks = Flux.concat(Flux.just(new byte[100], new byte[100]),
                Flux.error(new IllegalStateException("encoder failed")));
        assertThatThrownBy(() -> repository.save("full", 1, 1, head, 3, chunks, new byte[] {9}, "x").block(T))
                .hasMessageContaining("encoder failed");
        assertThat(repository.latest().blockOptional(T)).isEmpty();
        assertThat(db.sql().one("SELECT count(*) AS n FROM model_chunks", r -> r.get("n", Long.class)).block(T)).isZero();
        // announcing more chunks than given is refused as well
        assertThatThrownBy(() -> repository.save("full", 1, 1, head, 3, Flux.just(new byte[1]), new byte[] {9}, "x")
                .block(T)).hasMessageContaining("1 chunks given, 3 announced");
        assertThat(repository.latest().blockOptional(T)).isEmpty();
    }

    private long largestChunk(long id) {
        return db.sql().one("SELECT max(octet_length(bytes)) AS n FROM model_chunks WHERE version_id = $1",
                r -> r.get("n", Integer.class), id).block(T);
    }

    private long chunkCount(long id) {
        return db.sql().one("SELECT count(*) AS n FROM model_chunks WHERE version_id = $1",
                r -> r.get("n", Long.class), id).block(T);
    }
}
