package io.tidings.store;

import java.nio.ByteBuffer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Trained model versions: weights (our format) and the exported ONNX graph. Large models are stored as a
 * small head in {@code model_versions.weights} plus numbered chunks in {@code model_chunks}, written in one
 * transaction, so no single value grows with the number of readers or posts.
 */
public final class ModelRepository {

    private final Sql sql;

    public ModelRepository(Database db) {
        this.sql = db.sql();
    }

    /** One stored version; {@code chunks} rows of {@code model_chunks} belong to it (0: weights is the whole model). */
    public record ModelVersion(long id, String kind, long votesSeq, long voteCount, byte[] weights, int chunks,
                               String summary) {}

    /** Stores a version whose weights fit in one value. */
    public Mono<Long> save(String kind, long votesSeq, long voteCount, byte[] weights, byte[] onnx, String summary) {
        return save(kind, votesSeq, voteCount, weights, 0, Flux.empty(), onnx, summary);
    }

    /**
     * Stores a version: {@code head} in weights and {@code chunks} values from {@code chunkBytes} (requested
     * one at a time, so only one is in memory) as chunks 0, 1, …, all in one transaction.
     */
    public Mono<Long> save(String kind, long votesSeq, long voteCount, byte[] head, int chunks, Flux<byte[]> chunkBytes,
                           byte[] onnx, String summary) {
        return sql.inTransaction(c -> Flux.from(Sql.bind(c.createStatement(
                                "INSERT INTO model_versions (kind, votes_seq, vote_count, weights, onnx, summary, chunks) "
                                        + "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"),
                        kind, votesSeq, voteCount, ByteBuffer.wrap(head), ByteBuffer.wrap(onnx), summary, chunks).execute())
                .concatMap(r -> r.map((row, meta) -> row.get("id", Long.class)))
                .single() // the INSERT's result is read to its end before the connection takes the next statement
                .flatMapMany(id -> chunkBytes.index()
                        .concatMap(chunk -> Flux.from(Sql.bind(c.createStatement(
                                        "INSERT INTO model_chunks (version_id, seq, bytes) VALUES ($1, $2, $3)"),
                                id, chunk.getT1().intValue(), ByteBuffer.wrap(chunk.getT2())).execute())
                                .concatMap(r -> r.getRowsUpdated()), 1)
                        .count()
                        .flatMap(n -> n == chunks ? Mono.just(id)
                                : Mono.error(new IllegalArgumentException(n + " chunks given, " + chunks + " announced")))))
                .single()
                .checkpoint("save model version");
    }

    /** Records the vote horizon a version was trained up to (see {@code VoteRepository.horizon}). */
    public Mono<Long> recordVotesXmin(long id, long xmin) {
        return sql.update("UPDATE model_versions SET votes_xmin = $2 WHERE id = $1", id, xmin);
    }

    /** The vote horizon a version was trained up to; nothing when unknown (imported, or stored before it was kept). */
    public Mono<Long> votesXmin(long id) {
        return sql.query("SELECT votes_xmin FROM model_versions WHERE id = $1", r -> java.util.Optional.ofNullable(r.get("votes_xmin", Long.class)), id)
                .next().flatMap(Mono::justOrEmpty);
    }

    public Mono<ModelVersion> latest() {
        return sql.one("SELECT id, kind, votes_seq, vote_count, weights, chunks, summary FROM model_versions "
                        + "ORDER BY id DESC LIMIT 1",
                r -> new ModelVersion(r.get("id", Long.class), r.get("kind", String.class), r.get("votes_seq", Long.class),
                        r.get("vote_count", Long.class), bytes(r.get("weights", ByteBuffer.class)),
                        r.get("chunks", Integer.class), r.get("summary", String.class)));
    }

    /**
     * Where full retraining stands, for every replica alike: the newest full version's time and votes_seq
     * (null and 0 without one) and how many versions came after it.
     */
    public record FullTraining(java.time.Instant at, long votesSeq, int incrementsSince) {}

    /**
     * Deletes versions older than the newest full one, but never the newest {@code keep} (for going back):
     * every version stores whole tables (about 0.5 GB at 1 M readers), so without this the database only
     * grows. What the training schedule counts (the newest full version and those after it) stays.
     */
    public Mono<Long> prune(int keep) {
        return sql.update("DELETE FROM model_versions WHERE id < (SELECT coalesce(max(id), 0) FROM model_versions WHERE kind = 'full')"
                + " AND id NOT IN (SELECT id FROM model_versions ORDER BY id DESC LIMIT $1)", keep);
    }

    public Mono<FullTraining> fullTraining() {
        return sql.one("WITH f AS (SELECT id, created_at, votes_seq FROM model_versions WHERE kind = 'full' "
                        + "ORDER BY id DESC LIMIT 1) "
                        + "SELECT (SELECT created_at FROM f) AS at, coalesce((SELECT votes_seq FROM f), 0) AS seq, "
                        + "(SELECT count(*) FROM model_versions WHERE id > coalesce((SELECT id FROM f), 0)) AS since",
                r -> new FullTraining(r.get("at", java.time.OffsetDateTime.class) == null ? null
                        : r.get("at", java.time.OffsetDateTime.class).toInstant(), r.get("seq", Long.class),
                        r.get("since", Long.class).intValue()));
    }

    /** The chunks of {@code version} in order, read one query at a time so only one is held at once. */
    public Flux<byte[]> chunks(ModelVersion version) {
        return Flux.range(0, version.chunks())
                .concatMap(seq -> sql.one("SELECT bytes FROM model_chunks WHERE version_id = $1 AND seq = $2",
                                r -> bytes(r.get("bytes", ByteBuffer.class)), version.id(), seq)
                        .switchIfEmpty(Mono.error(() -> new IllegalStateException(
                                "model version " + version.id() + " lacks chunk " + seq))), 1);
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
