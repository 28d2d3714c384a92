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
