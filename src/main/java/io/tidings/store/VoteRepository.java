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
                + "seq = nextval(pg_get_serial_sequence('votes', 'seq')), xid = pg_current_xact_id() WHERE votes.liked <> EXCLUDED.liked", reader, post, liked);
    }

    /** What became of a press of 👍 or 👎. */
    public enum Outcome {
        /** The reader's first vote for the post. */
        NEW,
        /** The reader changed their vote. */
        CHANGED,
        /** The same vote again: nothing changed. */
        SAME,
        /** The post left its channel: the vote is not stored. */
        DELETED,
        /** No such post: the vote is not stored. */
        MISSING
    }

    /** Stores the vote, as {@link #upsert}, unless the post is missing or deleted; says which case it was. */
    public Mono<Outcome> vote(long reader, long post, boolean liked) {
        return sql.one("WITH p AS (SELECT id, deleted FROM posts WHERE id = $2), "
                        + "v AS (INSERT INTO votes (reader_id, post_id, liked) SELECT $1, p.id, $3 FROM p WHERE NOT p.deleted "
                        + "ON CONFLICT (reader_id, post_id) DO UPDATE SET liked = EXCLUDED.liked, voted_at = now(), "
                        + "seq = nextval(pg_get_serial_sequence('votes', 'seq')), xid = pg_current_xact_id() WHERE votes.liked <> EXCLUDED.liked "
                        + "RETURNING (xmax = 0) AS inserted) "
                        + "SELECT (SELECT deleted FROM p) AS deleted, (SELECT inserted FROM v) AS inserted",
                r -> {
                    Boolean deleted = r.get("deleted", Boolean.class);
                    Boolean inserted = r.get("inserted", Boolean.class);
                    if (deleted == null) return Outcome.MISSING;
                    if (deleted) return Outcome.DELETED;
                    if (inserted == null) return Outcome.SAME;
                    return inserted ? Outcome.NEW : Outcome.CHANGED;
                }, reader, post, liked);
    }

    private static final String ROWS = "SELECT v.reader_id, p.channel_id, v.post_id, v.liked, v.seq FROM votes v "
            + "JOIN posts p ON p.id = v.post_id ";

    private static VoteRow row(io.r2dbc.spi.Readable r) {
        return new VoteRow(r.get("reader_id", Long.class), r.get("channel_id", Long.class), r.get("post_id", Long.class),
                r.get("liked", Boolean.class), r.get("seq", Long.class));
    }

    /** Every vote with its post's channel, oldest first. */
    public Flux<VoteRow> all() {
        return sql.query(ROWS + "ORDER BY v.seq", VoteRepository::row);
    }

    /** Votes cast or changed after {@code seq}, oldest first. */
    public Flux<VoteRow> since(long seq) {
        return sql.query(ROWS + "WHERE v.seq > $1 ORDER BY v.seq", VoteRepository::row, seq);
    }

    /**
     * The horizon of committed votes: every transaction below it has ended, so every vote it cast is visible now,
     * and a transaction still open (its votes unseen) is at or above it ({@code pg_snapshot_xmin}).
     */
    public Mono<Long> horizon() {
        return sql.one("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS x", r -> r.get("x", Long.class));
    }

    /**
     * Votes cast or changed by transactions in {@code [from, below)}, oldest first: read with successive horizons,
     * no committed vote is skipped, however late it commits after one with a higher {@code seq}.
     */
    public Flux<VoteRow> committedBetween(long from, long below) {
        return sql.query(ROWS + "WHERE v.xid >= $1::text::xid8 AND v.xid < $2::text::xid8 ORDER BY v.seq",
                VoteRepository::row, from, below);
    }

    /** Every vote of transactions below {@code below}, oldest first. */
    public Flux<VoteRow> committedBelow(long below) {
        return sql.query(ROWS + "WHERE v.xid < $1::text::xid8 ORDER BY v.seq", VoteRepository::row, below);
    }

    /**
     * Up to {@code n} votes chosen at random among those with {@code seq} at most {@code upTo}: random
     * {@code seq} values looked up through the seq index, so the cost follows {@code n}, not the table (a
     * {@code seq} freed by a changed vote finds nothing, so fewer may come back where many votes changed).
     */
    public Flux<VoteRow> sample(long upTo, int n) {
        if (upTo <= 0 || n <= 0) return Flux.empty();
        java.util.SplittableRandom rnd = new java.util.SplittableRandom();
        Long[] seqs = rnd.longs(Math.min(upTo, 2L * n), 1, upTo + 1).boxed().distinct().toArray(Long[]::new);
        if (upTo <= 2L * n) {
            seqs = java.util.stream.LongStream.rangeClosed(1, upTo).boxed().toArray(Long[]::new); // small: take them all
        }
        return sql.query(ROWS + "WHERE v.seq = ANY($1) AND v.seq <= $2 ORDER BY random() LIMIT $3",
                VoteRepository::row, seqs, upTo, n);
    }

    /**
     * Up to {@code n} of the newest votes of {@code readers} with {@code seq} at most {@code upTo}, newest first:
     * their history, read through the primary key (reader first), so the cost follows the readers asked for.
     */
    public Flux<VoteRow> ofReaders(Long[] readers, long upTo, int n) {
        if (readers.length == 0 || upTo <= 0 || n <= 0) return Flux.empty();
        return sql.query(ROWS + "WHERE v.reader_id = ANY($1) AND v.seq <= $2 ORDER BY v.seq DESC LIMIT $3",
                VoteRepository::row, readers, upTo, n);
    }

    /** Votes of one reader in one channel. */
    public record ChannelVotes(long reader, long channel, int votes) {}

    /** How often each of {@code readers} voted in each channel, in one query. */
    public Flux<ChannelVotes> perChannel(Long[] readers) {
        return sql.query("SELECT v.reader_id, p.channel_id, count(*) AS n FROM votes v JOIN posts p ON p.id = v.post_id"
                        + " WHERE v.reader_id = ANY($1) GROUP BY v.reader_id, p.channel_id",
                r -> new ChannelVotes(r.get("reader_id", Long.class), r.get("channel_id", Long.class),
                        r.get("n", Long.class).intValue()), (Object) readers);
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
