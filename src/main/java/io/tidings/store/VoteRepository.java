package io.tidings.store;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Votes: one per (reader, post), changed in place when the reader changes their mind. */
public final class VoteRepository {

    private final Sql sql;

    public VoteRepository(Database db) {
        this.sql = db.sql();
    }

    /** A vote as the trainer needs it. */
    public record VoteRow(long reader, long channel, long post, boolean liked, long seq) {}

    /** Stores the vote; pressing the same button twice changes nothing, changing the vote updates it. */
    public Mono<Long> upsert(long reader, long post, boolean liked) {
        return sql.update("INSERT INTO votes (reader_id, post_id, liked) VALUES ($1, $2, $3) "
                + "ON CONFLICT (reader_id, post_id) DO UPDATE SET liked = EXCLUDED.liked, voted_at = now(), "
                + "seq = nextval(pg_get_serial_sequence('votes', 'seq')) WHERE votes.liked <> EXCLUDED.liked", reader, post, liked);
    }

    /** Every vote with its post's channel, oldest first. */
    public Flux<VoteRow> all() {
        return sql.query("SELECT v.reader_id, p.channel_id, v.post_id, v.liked, v.seq FROM votes v "
                        + "JOIN posts p ON p.id = v.post_id ORDER BY v.seq",
                r -> new VoteRow(r.get("reader_id", Long.class), r.get("channel_id", Long.class), r.get("post_id", Long.class),
                        r.get("liked", Boolean.class), r.get("seq", Long.class)));
    }

    public Mono<Long> maxSeq() {
        return sql.one("SELECT COALESCE(MAX(seq), 0) AS m FROM votes", r -> r.get("m", Long.class));
    }

    public Mono<Long> count() {
        return sql.one("SELECT count(*) AS n FROM votes", r -> r.get("n", Long.class));
    }

    public Mono<Boolean> find(long reader, long post) {
        return sql.one("SELECT liked FROM votes WHERE reader_id = $1 AND post_id = $2", r -> r.get("liked", Boolean.class), reader, post);
    }
}
