package io.tidings.cluster;

import io.tidings.store.Channel;
import io.tidings.store.ChannelRepository;
import io.tidings.store.Sql;
import java.time.Duration;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Per-channel polling leases. A replica claims the active channels whose lease has run out (rows locked
 * by another claimer are skipped), holds each for a little less than the poll interval, and polls only
 * those: so each channel is polled by one replica at a time, about once per interval across the cluster,
 * and a dead replica's channels move to the others when their leases run out.
 */
final class ChannelLeases {

    private final Sql sql;
    private final String owner;
    private final Duration lease;

    ChannelLeases(Sql sql, String owner, Duration lease) {
        this.sql = sql;
        this.owner = owner;
        this.lease = lease;
    }

    /** Claims up to {@code limit} due channels for this replica and returns them. */
    Flux<Channel> claimDue(int limit) {
        // The ON CONFLICT ... WHERE re-checks the newest committed lease, so a claimer whose snapshot
        // predates another's commit cannot take the same channel twice.
        return sql.query("WITH due AS ("
                        + " SELECT c.id FROM channels c LEFT JOIN channel_leases l ON l.channel_id = c.id"
                        + " WHERE c.status = 'active' AND (l.channel_id IS NULL OR l.lease_until < now())"
                        + " ORDER BY c.id LIMIT $3 FOR UPDATE OF c SKIP LOCKED),"
                        + " taken AS ("
                        + " INSERT INTO channel_leases (channel_id, owner, claimed_at, lease_until)"
                        + " SELECT id, $1, now(), now() + $2 * interval '1 millisecond' FROM due"
                        + " ON CONFLICT (channel_id) DO UPDATE SET owner = EXCLUDED.owner, claimed_at = EXCLUDED.claimed_at,"
                        + " lease_until = EXCLUDED.lease_until WHERE channel_leases.lease_until < now()"
                        + " RETURNING channel_id)"
                        + " SELECT c.id, c.username, c.title, c.status, c.last_message_id FROM channels c"
                        + " JOIN taken t ON t.channel_id = c.id ORDER BY c.id",
                ChannelRepository::map,
                owner, lease.toMillis(), limit);
    }

    /**
     * Gives back the leases of channels this replica claimed but did not finish polling (shutdown), so
     * another replica polls them now instead of after the lease.
     */
    Mono<Long> releaseUnfinished() {
        return sql.update("UPDATE channel_leases l SET lease_until = now() FROM channels c"
                + " WHERE c.id = l.channel_id AND l.owner = $1 AND l.lease_until > now()"
                + " AND (c.last_polled_at IS NULL OR c.last_polled_at < l.claimed_at)", owner);
    }

    /**
     * Renews the leases this replica holds and claims due ones, up to {@code limit} in all: the channels this
     * replica keeps on its polling timetable. A replica that stops renewing loses its channels when the leases
     * run out, and the others claim them.
     */
    Flux<Channel> renewAndClaim(int limit) {
        return sql.query("UPDATE channel_leases l SET lease_until = now() + $2 * interval '1 millisecond'"
                                + " FROM channels c WHERE c.id = l.channel_id AND l.owner = $1 AND l.lease_until >= now()"
                                + " AND c.status = 'active'"
                                + " RETURNING c.id, c.username, c.title, c.status, c.last_message_id",
                        ChannelRepository::map,
                        owner, lease.toMillis())
                .take(limit)
                .concatWith(Flux.defer(() -> claimDue(limit)));
    }
}
