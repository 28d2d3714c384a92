package io.tidings.console;

import io.tidings.store.Database;
import io.tidings.store.Sql;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Alerts to operators in Telegram: sending paused by a 401/404, unknown outcomes over a threshold in an hour, a
 * channel that became unavailable, a failed training, nothing ingested for an hour. At most one message per kind per
 * hour for the whole service: each kind's row in {@code console_alerts} is claimed atomically, so replicas that see
 * the same problem send it once.
 */
public final class Alerts {

    private static final Logger log = LoggerFactory.getLogger(Alerts.class);

    /** What an alert is about; one message per kind per hour. */
    public enum Kind { SENDING_PAUSED, UNKNOWN_OUTCOMES, CHANNEL_UNAVAILABLE, TRAINING_FAILED, NOTHING_INGESTED }

    private final Sql sql;
    private final Set<Long> operators;
    private final BiFunction<Long, String, Mono<Void>> send;
    private final int unknownPerHour;
    private final Clock clock;
    private final Instant started;
    private final Set<String> unavailableSeen = ConcurrentHashMap.newKeySet();
    private volatile boolean firstCheck = true;

    /**
     * @param send           sends a plain text to a chat (the bot's client)
     * @param unknownPerHour more unknown outcomes than this in the last hour is an alert
     */
    public Alerts(Database db, Set<Long> operators, BiFunction<Long, String, Mono<Void>> send, int unknownPerHour, Clock clock) {
        this.sql = db.sql();
        this.operators = Set.copyOf(operators);
        this.send = send;
        this.unknownPerHour = unknownPerHour;
        this.clock = clock;
        this.started = clock.instant();
    }

    /** Checks the database every {@code every} on {@code timer}; a failed check is logged and the next one runs. */
    public Disposable start(Duration every, Scheduler timer) {
        return Flux.interval(every, every, timer)
                .concatMap(t -> check().onErrorResume(e -> {
                    log.warn("alert check failed: {}", e.toString());
                    return Mono.empty();
                }))
                .subscribe();
    }

    /** One look at the database: unknown outcomes, unavailable channels, the newest ingested post. */
    public Mono<Void> check() {
        Mono<Void> unknown = sql.one("SELECT count(*) AS n FROM deliveries WHERE created_at > now() - interval '1 hour' AND state = 'unknown'",
                        r -> r.get("n", Long.class))
                .flatMap(n -> n > unknownPerHour
                        ? raise(Kind.UNKNOWN_OUTCOMES, n + " deliveries in the last hour have an unknown outcome (sent or not: "
                                + "Telegram did not say). Threshold: " + unknownPerHour + ".")
                        : Mono.empty());
        Mono<Void> channels = sql.query("SELECT username, coalesce(unavailable_reason, '') AS reason FROM channels "
                        + "WHERE status = 'unavailable' ORDER BY username LIMIT 1000",
                        r -> r.get("username", String.class) + " (" + r.get("reason", String.class) + ")")
                .collectList()
                .flatMap(this::newlyUnavailable);
        Mono<Void> ingest = sql.query("SELECT max(fetched_at) AS at, (SELECT count(*) FROM channels WHERE status = 'active') AS active "
                        + "FROM posts WHERE fetched_at > now() - interval '1 hour'",
                        r -> new Object[] {r.get("at", OffsetDateTime.class), r.get("active", Long.class)}).next()
                .flatMap(row -> row[0] == null && ((Long) row[1]) > 0
                        && Duration.between(started, clock.instant()).compareTo(Duration.ofHours(1)) >= 0
                        ? raise(Kind.NOTHING_INGESTED, "Nothing was ingested in the last hour from " + row[1] + " active channels.")
                        : Mono.empty());
        return unknown.then(channels).then(ingest);
    }

    private Mono<Void> newlyUnavailable(List<String> now) {
        boolean first = firstCheck;
        firstCheck = false;
        List<String> fresh = now.stream().filter(c -> !unavailableSeen.contains(c)).toList();
        unavailableSeen.retainAll(now);
        unavailableSeen.addAll(now);
        // channels already unavailable when this replica started are old news
        if (first || fresh.isEmpty()) return Mono.empty();
        return raise(Kind.CHANNEL_UNAVAILABLE, "Channel" + (fresh.size() == 1 ? " " : "s ") + "became unavailable: "
                + String.join(", ", fresh.subList(0, Math.min(20, fresh.size()))) + (fresh.size() > 20 ? ", …" : ""));
    }

    /** A training failed (the model in use stays). */
    public Mono<Void> trainingFailed(Throwable e) {
        return raise(Kind.TRAINING_FAILED, "A training failed; the model in use stays. " + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }

    /**
     * Sending stopped because Telegram answered 401 or 404 (a bad token or API URL). The bot's client calls this when
     * it pauses; the message itself can only go out once Telegram accepts the token again.
     */
    public Mono<Void> sendingPaused(String reason) {
        return raise(Kind.SENDING_PAUSED, "Sending was paused at " + clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                + ": " + reason + " (every call waits until getMe works again). Check TELEGRAM_BOT_TOKEN and TELEGRAM_API_URL.");
    }

    /** Sends {@code text} to every operator unless this kind was sent within the hour (by any replica). */
    public Mono<Void> raise(Kind kind, String text) {
        return sql.query("INSERT INTO console_alerts (kind, last_at, text) VALUES ($1, now(), $2) "
                        + "ON CONFLICT (kind) DO UPDATE SET last_at = now(), text = EXCLUDED.text "
                        + "WHERE console_alerts.last_at <= now() - interval '1 hour' RETURNING kind",
                        r -> r.get("kind", String.class), kind.name(), text)
                .next()
                .flatMap(claimed -> {
                    log.warn("alert {}: {}", kind, text);
                    return Flux.fromIterable(operators)
                            .concatMap(op -> send.apply(op, "⚠️ tidings: " + text).onErrorResume(e -> {
                                log.warn("alert to operator {} not sent: {}", op, e.toString());
                                return Mono.empty();
                            }))
                            .then();
                });
    }
}
