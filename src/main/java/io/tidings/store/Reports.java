package io.tidings.store;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Mono;

/** Read-only numbers for /stats (one reader) and /admin stats (the whole service). */
public final class Reports {

    private final Sql sql;

    public Reports(Database db) {
        this.sql = db.sql();
    }

    /** A channel and how many of its posts the reader liked. */
    public record Favourite(String username, String title, long likes) {}

    /** What one reader did: posts received, rated, liked, and their favourite channels. */
    public record ReaderStats(long received, long rated, long liked, List<Favourite> favourites) {
        public double likeRate() {
            return rated == 0 ? 0 : (double) liked / rated;
        }
    }

    public Mono<ReaderStats> reader(long reader) {
        Mono<long[]> counts = sql.one("SELECT (SELECT count(*) FROM deliveries WHERE reader_id = $1 AND state = 'sent') AS received, "
                        + "count(*) AS rated, count(*) FILTER (WHERE liked) AS liked FROM votes WHERE reader_id = $1",
                r -> new long[] {r.get("received", Long.class), r.get("rated", Long.class), r.get("liked", Long.class)}, reader);
        Mono<List<Favourite>> favourites = sql.query("SELECT c.username, c.title, count(*) AS likes FROM votes v "
                                + "JOIN posts p ON p.id = v.post_id JOIN channels c ON c.id = p.channel_id "
                                + "WHERE v.reader_id = $1 AND v.liked GROUP BY c.username, c.title ORDER BY likes DESC, c.username LIMIT 3",
                        r -> new Favourite(r.get("username", String.class), r.get("title", String.class), r.get("likes", Long.class)),
                        reader)
                .collectList();
        return Mono.zip(counts, favourites, (c, f) -> new ReaderStats(c[0], c[1], c[2], f));
    }

    /** How many channels the catalogue follows. */
    public Mono<Long> activeChannels() {
        return sql.one("SELECT count(*) AS n FROM channels WHERE status = 'active'", r -> r.get("n", Long.class));
    }

    /** Service-wide counts, in a stable order, for operators. */
    public Mono<Map<String, Long>> service() {
        return sql.one("SELECT "
                        + "(SELECT count(*) FROM readers) AS readers, "
                        + "(SELECT count(*) FROM readers WHERE status = 'active') AS readers_active, "
                        + "(SELECT count(*) FROM readers WHERE status = 'paused') AS readers_paused, "
                        + "(SELECT count(*) FROM readers WHERE status = 'unreachable') AS readers_unreachable, "
                        + "(SELECT count(*) FROM channels WHERE status = 'active') AS channels_active, "
                        + "(SELECT count(*) FROM channels WHERE status = 'held') AS channels_held, "
                        + "(SELECT count(*) FROM channels WHERE status = 'unavailable') AS channels_unavailable, "
                        + "(SELECT count(*) FROM posts) AS posts, "
                        + "(SELECT count(*) FROM votes) AS votes, "
                        + "(SELECT count(*) FROM votes WHERE voted_at > now() - interval '1 day') AS votes_24h, "
                        + "(SELECT count(*) FROM deliveries WHERE state = 'sent') AS deliveries_sent, "
                        + "(SELECT count(*) FROM deliveries WHERE state IN ('queued', 'claimed', 'sending')) AS deliveries_pending, "
                        + "(SELECT count(*) FROM deliveries WHERE state = 'failed') AS deliveries_failed, "
                        + "(SELECT count(*) FROM broadcasts WHERE state = 'scheduled') AS broadcasts_scheduled",
                r -> {
                    Map<String, Long> m = new LinkedHashMap<>();
                    for (String k : List.of("readers", "readers_active", "readers_paused", "readers_unreachable",
                            "channels_active", "channels_held", "channels_unavailable", "posts", "votes", "votes_24h",
                            "deliveries_sent", "deliveries_pending", "deliveries_failed", "broadcasts_scheduled")) {
                        m.put(k, r.get(k, Long.class));
                    }
                    return m;
                });
    }
}
