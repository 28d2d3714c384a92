package io.tidings.store;

import io.r2dbc.spi.Readable;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import reactor.core.publisher.Mono;

/**
 * The runs of scheduled mailings ({@code mailing_runs}): one row a minute, claimed by one replica under a lease, its
 * progress recorded page by page (the last reader planned), so that a run a replica left unfinished (it died, or
 * failed half-way) is taken over and resumed after that reader by another. Each statement names its owner, so a
 * replica whose lease ran out changes nothing.
 */
public final class MailingRuns {

    /** A scheduled mailing minute claimed by one replica: plan the readers after {@code afterReader}. */
    public record MailingRun(Instant minute, long afterReader, Instant startedAt, boolean resumed) {}

    private final Sql sql;

    MailingRuns(Sql sql) {
        this.sql = sql;
    }

    /**
     * Claims a scheduled mailing minute for {@code owner} under a lease; emits the run only to the first replica to
     * ask (nothing to the others).
     */
    public Mono<MailingRun> claimMinute(Instant minute, String owner, Duration lease) {
        return sql.one("INSERT INTO mailing_runs (minute, owner, lease_until) VALUES ($1, $2, now() + $3 * interval '1 millisecond') "
                        + "ON CONFLICT (minute) DO NOTHING RETURNING minute, after_reader, started_at",
                r -> run(r, false), utc(minute), owner, lease.toMillis());
    }

    /**
     * Takes over one mailing minute of the last day that some replica left unfinished (its lease ran out: it died or
     * failed half-way); emits it, or nothing when there is none.
     */
    public Mono<MailingRun> claimAbandoned(String owner, Duration lease) {
        return sql.one("UPDATE mailing_runs SET owner = $1, lease_until = now() + $2 * interval '1 millisecond' "
                        + "WHERE minute = (SELECT minute FROM mailing_runs WHERE done_at IS NULL AND lease_until < now() "
                        + "AND minute > now() - interval '1 day' ORDER BY minute LIMIT 1 FOR UPDATE SKIP LOCKED) "
                        + "RETURNING minute, after_reader, started_at",
                r -> run(r, true), owner, lease.toMillis());
    }

    /**
     * Records that the readers up to {@code lastReader} of the run were planned ({@code queued} more deliveries) and
     * extends the lease; false when the run is no longer {@code owner}'s (taken over after the lease ran out).
     */
    public Mono<Boolean> advance(Instant minute, String owner, long lastReader, long queued, Duration lease) {
        return sql.update("UPDATE mailing_runs SET after_reader = $3, queued = COALESCE(queued, 0) + $4, "
                        + "lease_until = now() + $5 * interval '1 millisecond' WHERE minute = $1 AND owner = $2 AND done_at IS NULL",
                utc(minute), owner, lastReader, queued, lease.toMillis()).map(n -> n > 0);
    }

    /** Marks the run finished. */
    public Mono<Boolean> finish(Instant minute, String owner) {
        return sql.update("UPDATE mailing_runs SET done_at = now(), lease_until = NULL, queued = COALESCE(queued, 0) "
                + "WHERE minute = $1 AND owner = $2 AND done_at IS NULL", utc(minute), owner).map(n -> n > 0);
    }

    /** Gives up {@code owner}'s lease on the run at once (after an error), so the next tick of any replica resumes it. */
    public Mono<Long> release(Instant minute, String owner) {
        return sql.update("UPDATE mailing_runs SET lease_until = now() WHERE minute = $1 AND owner = $2 AND done_at IS NULL",
                utc(minute), owner);
    }

    private static OffsetDateTime utc(Instant t) {
        return t.atOffset(ZoneOffset.UTC);
    }

    private static MailingRun run(Readable r, boolean resumed) {
        return new MailingRun(r.get("minute", OffsetDateTime.class).toInstant(), r.get("after_reader", Long.class),
                r.get("started_at", OffsetDateTime.class).toInstant(), resumed);
    }
}
