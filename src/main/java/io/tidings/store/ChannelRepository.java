package io.tidings.store;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The channel catalogue. Usernames must already be normalised and validated. */
public final class ChannelRepository {

    private static final String COLUMNS = "id, username, title, status, last_message_id";
    private final Sql sql;

    public ChannelRepository(Database db) {
        this.sql = db.sql();
    }

    /** Adds the channel to the catalogue if it is not there yet and returns it. */
    public Mono<Channel> ensure(String username) {
        return sql.one("INSERT INTO channels (username) VALUES ($1) ON CONFLICT (username) DO NOTHING RETURNING " + COLUMNS,
                        ChannelRepository::map, username)
                .switchIfEmpty(Mono.defer(() -> findByUsername(username)));
    }

    public Mono<Channel> findByUsername(String username) {
        return sql.one("SELECT " + COLUMNS + " FROM channels WHERE username = $1", ChannelRepository::map, username);
    }

    public Flux<Channel> active() {
        return sql.query("SELECT " + COLUMNS + " FROM channels WHERE status = 'active' ORDER BY id", ChannelRepository::map);
    }

    public Mono<Long> polled(long id, String title, long lastMessageId) {
        return sql.update("UPDATE channels SET title = COALESCE($2, title), last_polled_at = now(), "
                        + "last_message_id = GREATEST(last_message_id, $3) WHERE id = $1",
                id, title == null ? Sql.nullOf(String.class) : title, lastMessageId);
    }

    public Mono<Long> markUnavailable(long id) {
        return sql.update("UPDATE channels SET status = 'unavailable', last_polled_at = now() WHERE id = $1", id);
    }

    static Channel map(Readable r) {
        return new Channel(r.get("id", Long.class), r.get("username", String.class), r.get("title", String.class),
                r.get("status", String.class), r.get("last_message_id", Long.class));
    }
}
