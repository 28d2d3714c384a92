package io.tidings.store;

import io.r2dbc.spi.Readable;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Posts: stored once per (channel, message id); read back to render deliveries and warm the fresh pool. */
public final class PostRepository {

    static final String SELECT = "SELECT p.id, p.channel_id, c.username, c.title, p.message_id, p.published_at, p.kind, "
            + "p.text, p.html, p.media_urls, p.views, p.forwarded_from, p.forwarded_from_url, p.media_file FROM posts p JOIN channels c ON c.id = p.channel_id ";
    private final Sql sql;

    public PostRepository(Database db) {
        this.sql = db.sql();
    }

    /** The content of a new post, as ingest saw it. */
    public record NewPost(long channelId, long messageId, Instant publishedAt, PostKind kind, String text, String html,
                          List<String> mediaUrls, long views, String forwardedFrom, String forwardedFromUrl,
                          String mediaFile) {

        public NewPost(long channelId, long messageId, Instant publishedAt, PostKind kind, String text, String html,
                       List<String> mediaUrls, long views, String forwardedFrom) {
            this(channelId, messageId, publishedAt, kind, text, html, mediaUrls, views, forwardedFrom, null, null);
        }
    }

    /** Stores the post unless it is already there; emits the stored post only when it is new. */
    public Mono<Post> insertIfAbsent(NewPost p) {
        return sql.one("INSERT INTO posts (channel_id, message_id, published_at, kind, text, html, media_urls, views, forwarded_from, "
                                + "forwarded_from_url, media_file) "
                                + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (channel_id, message_id) DO NOTHING RETURNING id",
                        r -> r.get("id", Long.class),
                        p.channelId(), p.messageId(), p.publishedAt(), p.kind().sql(), p.text(), p.html(),
                        p.mediaUrls().toArray(String[]::new), p.views(),
                        p.forwardedFrom() == null ? Sql.nullOf(String.class) : p.forwardedFrom(),
                        p.forwardedFromUrl() == null ? Sql.nullOf(String.class) : p.forwardedFromUrl(),
                        p.mediaFile() == null ? Sql.nullOf(String.class) : p.mediaFile())
                .flatMap(this::find);
    }

    /** Stored, not deleted posts of a channel with message ids in {@code [fromId, toId]}, by message id. */
    public Flux<Post> between(long channelId, long fromId, long toId) {
        return sql.query(SELECT + "WHERE p.channel_id = $1 AND p.message_id BETWEEN $2 AND $3 AND NOT p.deleted "
                + "ORDER BY p.message_id", PostRepository::map, channelId, fromId, toId);
    }

    /** Marks a post deleted (it left its channel); emits it when it was not deleted before. */
    public Mono<Post> markDeleted(long postId) {
        return sql.one("UPDATE posts SET deleted = true, updated_at = now() WHERE id = $1 AND NOT deleted RETURNING id",
                        r -> r.get("id", Long.class), postId)
                .flatMap(this::find);
    }

    /** Replaces the content of an edited post; emits the updated post. */
    public Mono<Post> updateContent(long postId, PostKind kind, String text, String html, List<String> mediaUrls,
            long views, boolean edited) {
        return sql.one("UPDATE posts SET kind = $2, text = $3, html = $4, media_urls = $5, views = GREATEST(views, $6), "
                                + "edited = $7, updated_at = now() WHERE id = $1 RETURNING id",
                        r -> r.get("id", Long.class), postId, kind.sql(), text, html, mediaUrls.toArray(String[]::new), views,
                        edited)
                .flatMap(this::find);
    }

    /** How many posts a channel has stored, deleted ones included (for tests and operators). */
    public Mono<Long> countByChannel(long channelId) {
        return sql.one("SELECT count(*) AS n FROM posts WHERE channel_id = $1", r -> r.get("n", Long.class), channelId);
    }

    /** Whether the post with this message id is marked deleted; empty when it is not stored. */
    public Mono<Boolean> isDeleted(long channelId, long messageId) {
        return sql.one("SELECT deleted FROM posts WHERE channel_id = $1 AND message_id = $2",
                r -> r.get("deleted", Boolean.class), channelId, messageId);
    }

    public Mono<Post> find(long id) {
        return sql.one(SELECT + "WHERE p.id = $1", PostRepository::map, id);
    }

    /** Posts published since {@code since}, not deleted: read once at start-up to fill the fresh pool. */
    public Flux<Post> publishedSince(Instant since) {
        return sql.query(SELECT + "WHERE p.published_at >= $1 AND NOT p.deleted ORDER BY p.published_at", PostRepository::map, since);
    }

    /** A post and when it was stored (the database's clock). */
    public record Fetched(Post post, Instant fetchedAt) {}

    /**
     * Posts stored since {@code since} (by any replica) and published since {@code publishedSince}, not deleted: how a
     * replica learns the posts of channels that other replicas poll.
     */
    public Flux<Fetched> fetchedSince(Instant since, Instant publishedSince) {
        return sql.query(SELECT.replace("FROM posts p", ", p.fetched_at FROM posts p")
                        + "WHERE p.fetched_at > $1 AND p.published_at >= $2 AND NOT p.deleted ORDER BY p.fetched_at",
                r -> new Fetched(map(r), r.get("fetched_at", Instant.class)), since, publishedSince);
    }

    /** Records a post's near-duplicate group (the first fresh post of its story), so a restart keeps it. */
    public Mono<Void> setGroup(long postId, long group) {
        return sql.one("UPDATE posts SET dup_group = $2 WHERE id = $1 AND dup_group IS DISTINCT FROM $2 RETURNING id",
                r -> r.get("id", Long.class), postId, group).then();
    }

    /** (post, group) of the posts published since {@code since} that repeat an earlier one: read at start-up. */
    public Flux<long[]> groupsSince(Instant since) {
        return sql.query("SELECT id, dup_group FROM posts WHERE dup_group IS NOT NULL AND published_at >= $1 AND NOT deleted",
                r -> new long[] {r.get("id", Long.class), r.get("dup_group", Long.class)}, since);
    }

    static Post map(Readable r) {
        String[] media = r.get("media_urls", String[].class);
        return new Post(r.get("id", Long.class), r.get("channel_id", Long.class), r.get("username", String.class),
                r.get("title", String.class), r.get("message_id", Long.class), r.get("published_at", Instant.class),
                PostKind.fromSql(r.get("kind", String.class)), r.get("text", String.class), r.get("html", String.class),
                media == null ? List.of() : Arrays.asList(media), r.get("views", Long.class), r.get("forwarded_from", String.class),
                r.get("forwarded_from_url", String.class), r.get("media_file", String.class));
    }
}
