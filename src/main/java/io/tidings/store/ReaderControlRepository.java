package io.tidings.store;

import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** What a reader asked to see or not: muted channels, the /only list, word filters and the ad-filter switch. */
public final class ReaderControlRepository {

    /** A channel as the reader sees it in lists. */
    public record ChannelRef(long id, String username, String title) {}

    /** One stored filter: {@code require} false excludes posts containing the phrase, true requires one of them. */
    public record Filter(long id, long readerId, boolean require, String phrase) {}

    /** A reader and a channel (for loading the planner's view). */
    public record Pair(long readerId, long channelId) {}

    private final Sql sql;

    public ReaderControlRepository(Database db) {
        this.sql = db.sql();
    }

    // ---- mutes ---------------------------------------------------------------------------------------

    /** Emits whether the channel was newly muted. */
    public Mono<Boolean> mute(long reader, long channel) {
        return sql.update("INSERT INTO reader_mutes (reader_id, channel_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                reader, channel).map(n -> n > 0);
    }

    /** Emits whether the channel was muted. */
    public Mono<Boolean> unmute(long reader, long channel) {
        return sql.update("DELETE FROM reader_mutes WHERE reader_id = $1 AND channel_id = $2", reader, channel).map(n -> n > 0);
    }

    public Flux<ChannelRef> muted(long reader) {
        return sql.query("SELECT c.id, c.username, c.title FROM reader_mutes m JOIN channels c ON c.id = m.channel_id "
                + "WHERE m.reader_id = $1 ORDER BY c.username", ReaderControlRepository::channel, reader);
    }

    // ---- onboarding picks --------------------------------------------------------------------------------

    /** A reader's picks of the last {@code within}: the channels and when the latest was made. */
    public record Picks(java.util.Set<Long> channels, java.time.Instant latest) {}

    /** Picks a channel, or unpicks it when it was picked; emits whether it is picked now. */
    public Mono<Boolean> togglePick(long reader, long channel) {
        return sql.update("DELETE FROM reader_picks WHERE reader_id = $1 AND channel_id = $2", reader, channel)
                .flatMap(n -> n > 0 ? Mono.just(false)
                        : sql.update("INSERT INTO reader_picks (reader_id, channel_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                                reader, channel).thenReturn(true));
    }

    /** Every reader's picks made within {@code within} (reader id → picks). */
    public Mono<java.util.Map<Long, Picks>> recentPicks(java.time.Duration within) {
        return sql.query("SELECT reader_id, channel_id, created_at FROM reader_picks WHERE created_at > now() - make_interval(secs => $1)",
                        r -> new Object[] {r.get("reader_id", Long.class), r.get("channel_id", Long.class),
                                r.get("created_at", java.time.OffsetDateTime.class).toInstant()}, (double) within.toSeconds())
                .collect(java.util.HashMap::new, (java.util.Map<Long, Picks> m, Object[] row) -> m.merge((Long) row[0],
                        new Picks(java.util.Set.of((Long) row[1]), (java.time.Instant) row[2]),
                        (a, b) -> {
                            java.util.Set<Long> all = new java.util.HashSet<>(a.channels());
                            all.addAll(b.channels());
                            return new Picks(java.util.Set.copyOf(all), a.latest().isAfter(b.latest()) ? a.latest() : b.latest());
                        }));
    }

    /** One reader's picks made within {@code within}, empty when none. */
    public Mono<Picks> picks(long reader, java.time.Duration within) {
        return sql.query("SELECT channel_id, created_at FROM reader_picks WHERE reader_id = $1 "
                                + "AND created_at > now() - make_interval(secs => $2)",
                        r -> new Object[] {r.get("channel_id", Long.class), r.get("created_at", java.time.OffsetDateTime.class).toInstant()},
                        reader, (double) within.toSeconds())
                .collectList()
                .filter(l -> !l.isEmpty())
                .map(l -> new Picks(l.stream().map(o -> (Long) o[0]).collect(java.util.stream.Collectors.toUnmodifiableSet()),
                        l.stream().map(o -> (java.time.Instant) o[1]).max(java.util.Comparator.naturalOrder()).orElseThrow()));
    }

    /**
     * The catalogue's best-liked active channels for the onboarding offer: by likes over votes (with one like and
     * two votes assumed, so a channel with few votes is not first by chance), then by subscribers.
     */
    public Flux<ChannelRef> bestLiked(int limit) {
        return sql.query("""
                SELECT c.id, c.username, c.title FROM channels c
                LEFT JOIN (SELECT p.channel_id, count(*) AS n, count(*) FILTER (WHERE v.liked) AS likes
                           FROM votes v JOIN posts p ON p.id = v.post_id
                           WHERE v.voted_at > now() - interval '30 days' GROUP BY p.channel_id) s ON s.channel_id = c.id
                WHERE c.status = 'active'
                ORDER BY (COALESCE(s.likes, 0) + 1.0) / (COALESCE(s.n, 0) + 2.0) DESC, c.subscribers DESC NULLS LAST, c.id
                LIMIT $1""", ReaderControlRepository::channel, limit);
    }

    public Flux<Pair> allMutes() {
        return sql.query("SELECT reader_id, channel_id FROM reader_mutes",
                r -> new Pair(r.get("reader_id", Long.class), r.get("channel_id", Long.class)));
    }

    // ---- follow only -----------------------------------------------------------------------------------

    /** Replaces the reader's /only list (empty: every channel again). */
    public Mono<Void> only(long reader, List<Long> channels) {
        Mono<Long> clear = sql.update("DELETE FROM reader_follows WHERE reader_id = $1", reader);
        if (channels.isEmpty()) return clear.then();
        return clear.then(sql.update("INSERT INTO reader_follows (reader_id, channel_id) SELECT $1, unnest($2::bigint[]) "
                + "ON CONFLICT DO NOTHING", reader, channels.toArray(Long[]::new))).then();
    }

    public Flux<ChannelRef> followed(long reader) {
        return sql.query("SELECT c.id, c.username, c.title FROM reader_follows f JOIN channels c ON c.id = f.channel_id "
                + "WHERE f.reader_id = $1 ORDER BY c.username", ReaderControlRepository::channel, reader);
    }

    public Flux<Pair> allFollows() {
        return sql.query("SELECT reader_id, channel_id FROM reader_follows",
                r -> new Pair(r.get("reader_id", Long.class), r.get("channel_id", Long.class)));
    }

    // ---- filters ---------------------------------------------------------------------------------------

    /** Adds a filter unless the reader has {@code max} already; emits false when it exists or the limit is reached. */
    public Mono<Boolean> addFilter(long reader, boolean require, String phrase, int max) {
        return sql.update("INSERT INTO reader_filters (reader_id, mode, phrase) SELECT $1, $2, $3 "
                        + "WHERE (SELECT count(*) FROM reader_filters WHERE reader_id = $1) < $4 ON CONFLICT DO NOTHING",
                reader, require ? "require" : "exclude", phrase, max).map(n -> n > 0);
    }

    public Mono<Long> countFilters(long reader) {
        return sql.one("SELECT count(*) FROM reader_filters WHERE reader_id = $1", r -> r.get(0, Long.class), reader);
    }

    /** Removes the reader's filter with this phrase (either mode); emits how many went. */
    public Mono<Long> removeFilter(long reader, String phrase) {
        return sql.update("DELETE FROM reader_filters WHERE reader_id = $1 AND phrase = $2", reader, phrase);
    }

    public Mono<Long> clearFilters(long reader) {
        return sql.update("DELETE FROM reader_filters WHERE reader_id = $1", reader);
    }

    public Flux<Filter> filters(long reader) {
        return sql.query("SELECT id, reader_id, mode, phrase FROM reader_filters WHERE reader_id = $1 ORDER BY id",
                ReaderControlRepository::filter, reader);
    }

    public Flux<Filter> allFilters() {
        return sql.query("SELECT id, reader_id, mode, phrase FROM reader_filters ORDER BY reader_id, id", ReaderControlRepository::filter);
    }

    // ---- ad filter -------------------------------------------------------------------------------------

    public Mono<Boolean> adFilter(long reader) {
        return sql.one("SELECT ad_filter FROM readers WHERE id = $1", r -> r.get(0, Boolean.class), reader).defaultIfEmpty(true);
    }

    public Mono<Long> setAdFilter(long reader, boolean on) {
        return sql.update("UPDATE readers SET ad_filter = $2 WHERE id = $1", reader, on);
    }

    /** Readers who switched the ad filter off (few: it is on by default). */
    public Flux<Long> adFilterOff() {
        return sql.query("SELECT id FROM readers WHERE NOT ad_filter", r -> r.get(0, Long.class));
    }

    private static ChannelRef channel(io.r2dbc.spi.Readable r) {
        return new ChannelRef(r.get("id", Long.class), r.get("username", String.class), r.get("title", String.class));
    }

    private static Filter filter(io.r2dbc.spi.Readable r) {
        return new Filter(r.get("id", Long.class), r.get("reader_id", Long.class), "require".equals(r.get("mode", String.class)),
                r.get("phrase", String.class));
    }
}
