package io.tidings.store;

import io.r2dbc.spi.Readable;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Per-reader settings (columns of {@code readers}): language, pause, time zone, mailing times and size, instant push. */
public final class ReaderSettingsRepository {

    private static final String COLUMNS = "id, language, status, time_zone, mailing_times, posts_per_mailing, instant_push, ad_filter, digest";
    private final Sql sql;

    public ReaderSettingsRepository(Database db) {
        this.sql = db.sql();
    }

    public Mono<ReaderSettings> find(long reader) {
        return sql.one("SELECT " + COLUMNS + " FROM readers WHERE id = $1", ReaderSettingsRepository::map, reader);
    }

    /** Active readers whose mailing size or instant push differ from the defaults (1 post, push allowed). */
    public Flux<ReaderSettings> activeNonDefault() {
        return sql.query("SELECT " + COLUMNS + " FROM readers WHERE status = 'active' AND (posts_per_mailing <> 1 OR NOT instant_push)",
                ReaderSettingsRepository::map);
    }

    /** Settings of active readers with id greater than {@code afterId}, in id order: keyset paging for mailings. */
    public Flux<ReaderSettings> activePage(long afterId, int limit) {
        return sql.query("SELECT " + COLUMNS + " FROM readers WHERE status = 'active' AND id > $1 ORDER BY id LIMIT $2",
                ReaderSettingsRepository::map, afterId, limit);
    }

    /** Stops mailings until {@link #resume}; an unreachable reader stays unreachable. Emits whether it changed. */
    public Mono<Boolean> pause(long reader) {
        return sql.update("UPDATE readers SET status = 'paused' WHERE id = $1 AND status = 'active'", reader).map(n -> n > 0);
    }

    /** Mailings again; never for a reader an operator banned (see {@link #banned}). Emits whether it changed. */
    public Mono<Boolean> resume(long reader) {
        return sql.update("UPDATE readers SET status = 'active' WHERE id = $1 AND status <> 'active' "
                + "AND NOT EXISTS (SELECT 1 FROM reader_bans WHERE reader_id = $1)", reader).map(n -> n > 0);
    }

    /** Whether an operator banned the reader (from the console): they get nothing until unbanned. */
    public Mono<Boolean> banned(long reader) {
        return sql.query("SELECT 1 AS x FROM reader_bans WHERE reader_id = $1", r -> 1, reader).hasElements();
    }

    /** A reader marked unreachable wrote to the bot: they can be messaged again. */
    public Mono<Long> reachable(long reader) {
        return sql.update("UPDATE readers SET status = 'active', last_seen_at = now() WHERE id = $1 AND status = 'unreachable'",
                reader);
    }

    public Mono<Long> setLanguage(long reader, String language) {
        if (!language.equals("en") && !language.equals("ru")) return Mono.error(new IllegalArgumentException("language"));
        return sql.update("UPDATE readers SET language = $2 WHERE id = $1", reader, language);
    }

    public Mono<Long> setTimeZone(long reader, ZoneId zone) {
        return sql.update("UPDATE readers SET time_zone = $2 WHERE id = $1", reader, zone.getId());
    }

    /** The reader's own mailing times ({@code null}: back to the service default; empty: no mailings). */
    public Mono<Long> setMailingTimes(long reader, List<LocalTime> times) {
        Object v = times == null ? Sql.nullOf(String.class)
                : times.stream().sorted().distinct().map(LocalTime::toString).collect(Collectors.joining(","));
        return sql.update("UPDATE readers SET mailing_times = $2 WHERE id = $1", reader, v);
    }

    public Mono<Long> setPostsPerMailing(long reader, int posts) {
        if (posts < 1 || posts > 10) return Mono.error(new IllegalArgumentException("posts per mailing must be 1..10"));
        return sql.update("UPDATE readers SET posts_per_mailing = $2 WHERE id = $1", reader, posts);
    }

    /** Scheduled mailings as one digest message (on) or separate posts (off). */
    public Mono<Long> setDigest(long reader, boolean on) {
        return sql.update("UPDATE readers SET digest = $2 WHERE id = $1", reader, on);
    }

    public Mono<Long> setInstantPush(long reader, boolean on) {
        return sql.update("UPDATE readers SET instant_push = $2 WHERE id = $1", reader, on);
    }

    static ReaderSettings map(Readable r) {
        String times = r.get("mailing_times", String.class);
        List<LocalTime> parsed = times == null ? null : times.isBlank() ? List.of()
                : Arrays.stream(times.split(",")).map(String::trim).map(LocalTime::parse).sorted().toList();
        return new ReaderSettings(r.get("id", Long.class), r.get("language", String.class), r.get("status", String.class),
                r.get("time_zone", String.class), parsed, r.get("posts_per_mailing", Integer.class),
                r.get("instant_push", Boolean.class), r.get("ad_filter", Boolean.class),
                r.get("digest", Boolean.class));
    }
}
