package io.tidings.store;

import reactor.core.publisher.Mono;

/**
 * Everything kept about one reader: exported as one JSON document (/export) and deleted in one statement (/forget).
 * The tables with a reader column: readers, votes, deliveries, channel_penalties, reader_mutes, reader_follows,
 * reader_filters (the last four cascade from readers), channels.suggested_by, suggestion_counts (the daily quota), and the webhook inbox's update bodies.
 */
public final class PrivacyRepository {

    private final Sql sql;

    public PrivacyRepository(Database db) {
        this.sql = db.sql();
    }

    /** The reader's data as a JSON object (empty when they are unknown), built by PostgreSQL in one query. */
    public Mono<String> export(long reader) {
        return sql.one("""
                SELECT json_build_object(
                  'reader', (SELECT row_to_json(r) FROM (SELECT id, first_name, language, status, time_zone, mailing_times,
                             posts_per_mailing, instant_push, ad_filter, digest, created_at, last_seen_at FROM readers WHERE id = $1) r),
                  'votes', COALESCE((SELECT json_agg(v ORDER BY v.voted_at, v.post_id) FROM (
                             SELECT v.post_id, 'https://t.me/' || c.username || '/' || p.message_id AS link, v.liked, v.voted_at
                             FROM votes v JOIN posts p ON p.id = v.post_id JOIN channels c ON c.id = p.channel_id
                             WHERE v.reader_id = $1) v), '[]'::json),
                  'deliveries', COALESCE((SELECT json_agg(d ORDER BY d.created_at, d.post_id) FROM (
                             SELECT d.post_id, 'https://t.me/' || c.username || '/' || p.message_id AS link, d.reason, d.state,
                                    d.created_at, d.sent_at
                             FROM deliveries d LEFT JOIN posts p ON p.id = d.post_id LEFT JOIN channels c ON c.id = p.channel_id
                             WHERE d.reader_id = $1) d), '[]'::json),
                  'less_from_channel', COALESCE((SELECT json_agg(x ORDER BY x.created_at) FROM (
                             SELECT c.username AS channel, cp.weight, cp.created_at FROM channel_penalties cp
                             JOIN channels c ON c.id = cp.channel_id WHERE cp.reader_id = $1) x), '[]'::json),
                  'muted', COALESCE((SELECT json_agg(c.username ORDER BY c.username) FROM reader_mutes m
                             JOIN channels c ON c.id = m.channel_id WHERE m.reader_id = $1), '[]'::json),
                  'only', COALESCE((SELECT json_agg(c.username ORDER BY c.username) FROM reader_follows f
                             JOIN channels c ON c.id = f.channel_id WHERE f.reader_id = $1), '[]'::json),
                  'filters', COALESCE((SELECT json_agg(x ORDER BY x.created_at) FROM (
                             SELECT mode, phrase, created_at FROM reader_filters WHERE reader_id = $1) x), '[]'::json),
                  'suggested_channels', COALESCE((SELECT json_agg(username ORDER BY username) FROM channels
                             WHERE suggested_by = $1), '[]'::json)
                )::text AS doc""", r -> r.get("doc", String.class), reader);
    }

    /**
     * Deletes everything about the reader in one statement: votes, deliveries, their row (penalties, mutes, follows
     * and filters go with it), their name on suggested channels, and the processed webhook updates they sent.
     * Emits whether they were known.
     */
    public Mono<Boolean> forget(long reader) {
        return sql.one("""
                WITH v AS (DELETE FROM votes WHERE reader_id = $1),
                     d AS (DELETE FROM deliveries WHERE reader_id = $1),
                     s AS (UPDATE channels SET suggested_by = NULL WHERE suggested_by = $1),
                     q AS (DELETE FROM suggestion_counts WHERE reader_id = $1),
                     u AS (DELETE FROM updates WHERE processed_at IS NOT NULL AND $2 IN (
                             body::jsonb #>> '{message,from,id}', body::jsonb #>> '{edited_message,from,id}',
                             body::jsonb #>> '{callback_query,from,id}')),
                     r AS (DELETE FROM readers WHERE id = $1 RETURNING id)
                SELECT count(*) AS n FROM r""",
                r -> r.get("n", Long.class) > 0, reader, Long.toString(reader));
    }
}
