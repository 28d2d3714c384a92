package io.tidings.store;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * "Less from this channel": one row per press. A reader's active penalty for a channel is the sum of the rows'
 * weights, each halved every {@code halfLife}; rows older than {@link #HORIZON_HALF_LIVES} half-lives count as 0.
 */
public final class PenaltyRepository {

    /** Beyond this many half-lives a press weighs under 0.4 %: it is ignored. */
    public static final int HORIZON_HALF_LIVES = 8;
    private static final String DECAYED = "SUM(weight * power(0.5, EXTRACT(EPOCH FROM (now() - created_at)) / $2))";

    private final Sql sql;
    private final java.util.List<Added> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public PenaltyRepository(Database db) {
        this.sql = db.sql();
    }

    /** Told about every new press stored through this repository (the in-memory view the planner reads). */
    @FunctionalInterface
    public interface Added {
        void added(long reader, long channel, double weight);
    }

    public void onAdded(Added listener) {
        listeners.add(listener);
    }

    /** One reader's decayed penalty for one channel, as of now. */
    public record Active(long reader, long channel, double penalty) {}

    /** Every reader's active penalties, for loading the in-memory view. */
    public Flux<Active> allActive(Duration halfLife) {
        return sql.query("SELECT reader_id, channel_id, " + DECAYED + " AS p FROM channel_penalties "
                        + "WHERE created_at > now() - $1 * interval '1 second' GROUP BY reader_id, channel_id",
                r -> new Active(r.get("reader_id", Long.class), r.get("channel_id", Long.class), r.get("p", Double.class)),
                seconds(halfLife) * HORIZON_HALF_LIVES, seconds(halfLife));
    }

    /** A channel the reader asked for less of, with the current (decayed) penalty. */
    public record Muted(long channelId, String username, String title, double penalty) {}

    /** Records a press under post {@code post}; pressing again under the same post adds nothing. Emits whether it was new. */
    public Mono<Boolean> addOnce(long reader, long channel, long post, double weight) {
        return sql.update("INSERT INTO channel_penalties (reader_id, channel_id, post_id, weight) VALUES ($1, $2, $3, $4) "
                + "ON CONFLICT (reader_id, post_id) DO NOTHING", reader, channel, post, (float) weight)
                .map(n -> n > 0)
                .doOnNext(added -> {
                    if (added) listeners.forEach(l -> l.added(reader, channel, weight));
                });
    }

    /** Forgets every press of this reader for this channel. */
    public Mono<Long> clear(long reader, long channel) {
        return sql.update("DELETE FROM channel_penalties WHERE reader_id = $1 AND channel_id = $2", reader, channel);
    }

    /** Channel id → decayed penalty (> 0) of one reader. */
    public Mono<Map<Long, Double>> active(long reader, Duration halfLife) {
        return sql.query("SELECT channel_id, " + DECAYED + " AS p FROM channel_penalties WHERE reader_id = $1 "
                                + "AND created_at > now() - $3 * interval '1 second' GROUP BY channel_id",
                        r -> Map.entry(r.get("channel_id", Long.class), r.get("p", Double.class)),
                        reader, seconds(halfLife), seconds(halfLife) * HORIZON_HALF_LIVES)
                .collect(HashMap::new, (m, e) -> m.put(e.getKey(), e.getValue()));
    }

    /** The same for a page of readers in one query: reader id → (channel id → penalty); readers without any are absent. */
    public Mono<Map<Long, Map<Long, Double>>> active(Long[] readers, Duration halfLife) {
        return sql.query("SELECT reader_id, channel_id, " + DECAYED + " AS p FROM channel_penalties WHERE reader_id = ANY($1) "
                                + "AND created_at > now() - $3 * interval '1 second' GROUP BY reader_id, channel_id",
                        r -> new Object[] {r.get("reader_id", Long.class), r.get("channel_id", Long.class), r.get("p", Double.class)},
                        readers, seconds(halfLife), seconds(halfLife) * HORIZON_HALF_LIVES)
                .collect(HashMap::new, (Map<Long, Map<Long, Double>> m, Object[] row) ->
                        m.computeIfAbsent((Long) row[0], k -> new HashMap<>()).put((Long) row[1], (Double) row[2]));
    }

    /** The reader's muted channels, strongest first. */
    public Flux<Muted> muted(long reader, Duration halfLife) {
        return sql.query("SELECT c.id, c.username, c.title, " + DECAYED.replace("weight", "cp.weight").replace("created_at", "cp.created_at")
                        + " AS p FROM channel_penalties cp JOIN channels c ON c.id = cp.channel_id WHERE cp.reader_id = $1 "
                        + "AND cp.created_at > now() - $3 * interval '1 second' GROUP BY c.id, c.username, c.title ORDER BY p DESC, c.username",
                r -> new Muted(r.get("id", Long.class), r.get("username", String.class), r.get("title", String.class),
                        r.get("p", Double.class)),
                reader, seconds(halfLife), seconds(halfLife) * HORIZON_HALF_LIVES);
    }

    private static double seconds(Duration d) {
        return Math.max(1, d.toMillis() / 1000.0);
    }
}
