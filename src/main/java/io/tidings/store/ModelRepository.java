package io.tidings.store;

import java.nio.ByteBuffer;
import reactor.core.publisher.Mono;

/** Trained model versions: weights (our format) and the exported ONNX graph. */
public final class ModelRepository {

    private final Sql sql;

    public ModelRepository(Database db) {
        this.sql = db.sql();
    }

    /** One stored version. */
    public record ModelVersion(long id, String kind, long votesSeq, long voteCount, byte[] weights, String summary) {}

    public Mono<Long> save(String kind, long votesSeq, long voteCount, byte[] weights, byte[] onnx, String summary) {
        return sql.one("INSERT INTO model_versions (kind, votes_seq, vote_count, weights, onnx, summary) "
                        + "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id", r -> r.get("id", Long.class),
                kind, votesSeq, voteCount, ByteBuffer.wrap(weights), ByteBuffer.wrap(onnx), summary);
    }

    public Mono<ModelVersion> latest() {
        return sql.one("SELECT id, kind, votes_seq, vote_count, weights, summary FROM model_versions ORDER BY id DESC LIMIT 1",
                r -> new ModelVersion(r.get("id", Long.class), r.get("kind", String.class), r.get("votes_seq", Long.class),
                        r.get("vote_count", Long.class), bytes(r.get("weights", ByteBuffer.class)), r.get("summary", String.class)));
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
