package io.tidings.store;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Readers: registration, status and page-by-page listing. */
public final class ReaderRepository {

    private static final String COLUMNS = "id, first_name, language, status, time_zone";
    private final Sql sql;

    public ReaderRepository(Database db) {
        this.sql = db.sql();
    }

    /** Registers a reader, or reactivates one who paused or blocked the bot and came back with /start. */
    public Mono<Reader> start(long id, String firstName, String language) {
        return sql.one("INSERT INTO readers (id, first_name, language) VALUES ($1, $2, $3) "
                        + "ON CONFLICT (id) DO UPDATE SET status = 'active', last_seen_at = now(), "
                        + "first_name = EXCLUDED.first_name RETURNING " + COLUMNS,
                ReaderRepository::map, id, firstName == null ? Sql.nullOf(String.class) : firstName, language);
    }

    public Mono<Reader> find(long id) {
        return sql.one("SELECT " + COLUMNS + " FROM readers WHERE id = $1", ReaderRepository::map, id);
    }

    /** Active readers with id greater than {@code afterId}, in id order: keyset paging for mailings. */
    public Flux<Reader> activePage(long afterId, int limit) {
        return sql.query("SELECT " + COLUMNS + " FROM readers WHERE status = 'active' AND id > $1 ORDER BY id LIMIT $2",
                ReaderRepository::map, afterId, limit);
    }

    /** All active readers, read page by page so memory stays flat. */
    public Flux<Reader> allActive(int pageSize) {
        return activePage(Long.MIN_VALUE, pageSize).collectList()
                .expand(page -> page.size() < pageSize ? Mono.empty()
                        : activePage(page.get(page.size() - 1).id(), pageSize).collectList())
                .concatMapIterable(page -> page);
    }

    public Mono<Long> markUnreachable(long id) {
        return sql.update("UPDATE readers SET status = 'unreachable' WHERE id = $1", id);
    }

    // ---- delivery planning (issue 5) -------------------------------------------------------------

    /** Active readers seen within {@code activeWithin}, after {@code afterId} in id order: keyset paging for mailings. */
    public Flux<Reader> activeSincePage(java.time.Duration activeWithin, long afterId, int limit) {
        return sql.query("SELECT " + COLUMNS + " FROM readers WHERE status = 'active' AND id > $1 "
                        + "AND last_seen_at > now() - $2 * interval '1 second' ORDER BY id LIMIT $3",
                ReaderRepository::map, afterId, activeWithin.toSeconds(), limit);
    }

    /**
     * Active readers (seen within {@code activeWithin}) for whom {@code minute}, read in their own time zone,
     * is one of {@code times} ("HH:MM"); a reader with an unknown zone is skipped, not an error.
     */
    public Flux<Reader> dueForMailing(java.time.Instant minute, java.util.List<String> times, java.time.Duration activeWithin,
                                      long afterId, int limit) {
        return sql.query("SELECT " + COLUMNS + " FROM readers WHERE status = 'active' AND id > $1 "
                        + "AND last_seen_at > now() - $2 * interval '1 second' "
                        + "AND (CASE WHEN time_zone IN (SELECT name FROM pg_timezone_names) "
                        + "THEN to_char($3::timestamptz AT TIME ZONE time_zone, 'HH24:MI') END) "
                        + "= ANY(COALESCE(string_to_array(mailing_times, ','), $4)) ORDER BY id LIMIT $5",
                ReaderRepository::map, afterId, activeWithin.toSeconds(), minute.atOffset(java.time.ZoneOffset.UTC),
                times.toArray(String[]::new), limit);
    }

    /** Which of {@code readers} want their mailings as a digest (one query per mailing page). */
    public Flux<Long> wantingDigest(Long[] readers) {
        return sql.query("SELECT id FROM readers WHERE digest AND id = ANY($1)", r -> r.get("id", Long.class), (Object) readers);
    }

    static Reader map(Readable r) {
        return new Reader(r.get("id", Long.class), r.get("first_name", String.class), r.get("language", String.class),
                r.get("status", String.class), r.get("time_zone", String.class));
    }
}
