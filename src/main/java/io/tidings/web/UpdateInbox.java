package io.tidings.web;

import com.pengrad.telegrambot.model.Update;
import com.pengrad.telegrambot.utility.BotUtils;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tidings.store.Database;
import io.tidings.store.Sql;
import io.tidings.util.Loop;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The durable inbox of webhook updates. The webhook stores each update (keyed by {@code update_id}, a
 * repeat is ignored) before it answers 200; any replica then claims pending updates with
 * {@code FOR UPDATE SKIP LOCKED}, hands them to the bot and marks them processed, so an update Telegram
 * delivers twice, or to two replicas, is handled once. A failing update is retried a few times with
 * backoff, then set aside with its error (counted in {@code tidings.updates.given_up}; the reader is asked to try again,
 * see {@link #onGiveUp}); long polling sets aside its failed updates here too ({@link #giveUp}). A handled update's body (a reader's message: personal data) is dropped at
 * once; its id stays for {@code retention} so that a repeat is still recognised, then the row goes.
 */
public final class UpdateInbox {

    private static final Logger log = LoggerFactory.getLogger(UpdateInbox.class);
    static final int MAX_ATTEMPTS = 5;

    private final Sql sql;
    private final String owner;
    private final Function<Update, Mono<Void>> handler;
    private final int concurrency;
    private final Duration claimLease;
    private final Sinks.Many<Boolean> wake = Sinks.many().multicast().onBackpressureBuffer(1, false);
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Counter processed;
    private final Counter failed;
    private final Counter givenUp;
    private final MeterRegistry meters;
    private volatile Function<Update, Mono<Void>> apology = u -> Mono.empty();
    private final Duration retention;
    private volatile boolean stopping;

    public UpdateInbox(Database db, String owner, Function<Update, Mono<Void>> handler, int concurrency,
                       Duration claimLease, MeterRegistry meters) {
        this(db, owner, handler, concurrency, claimLease, meters, Duration.ofHours(48));
    }

    /** The same, keeping a handled update's id for {@code retention} (longer than Telegram re-sends, a day). */
    public UpdateInbox(Database db, String owner, Function<Update, Mono<Void>> handler, int concurrency,
                       Duration claimLease, MeterRegistry meters, Duration retention) {
        this.retention = retention;
        this.sql = db.sql();
        this.owner = owner;
        this.handler = handler;
        this.concurrency = concurrency;
        this.claimLease = claimLease;
        this.meters = meters;
        this.processed = Counter.builder("tidings.updates.processed").description("Updates handled by the bot").register(meters);
        this.failed = Counter.builder("tidings.updates.failed").description("Update handling attempts that failed").register(meters);
        this.givenUp = Counter.builder("tidings.updates.given.up")
                .description("Updates set aside after their last attempt failed (their error is in the updates table)")
                .register(meters);
    }

    /** What to tell the sender of an update that was given up (a polite "try again"); its failures are only logged. */
    public UpdateInbox onGiveUp(Function<Update, Mono<Void>> apology) {
        this.apology = apology;
        return this;
    }

    /**
     * Sets aside an update that arrived by long polling and whose last attempt failed: stored as given up with its
     * error (no secrets: Telegram's errors are redacted, the database's name no password), counted, and its sender
     * is asked to try again.
     */
    public Mono<Void> giveUp(Update u, int attempts, Throwable error) {
        givenUp.increment();
        return sql.update("INSERT INTO updates (update_id, body, attempts, error, processed_at) VALUES ($1, $2, $3, $4, now())"
                        + " ON CONFLICT (update_id) DO UPDATE SET attempts = EXCLUDED.attempts, error = EXCLUDED.error,"
                        + " processed_at = now()",
                        (long) u.updateId(), BotUtils.toJson(u), attempts, abbreviate(error.toString()))
                .onErrorResume(e -> {
                    log.warn("update {} given up but not recorded: {}", u.updateId(), e.toString());
                    return Mono.empty();
                })
                .then(apologise(u));
    }

    private Mono<Void> apologise(Update u) {
        return Mono.defer(() -> apology.apply(u)).onErrorResume(e -> {
            log.info("no apology for update {}: {}", u.updateId(), e.toString());
            return Mono.empty();
        });
    }

    /** Stores an update; emits true when it is new, false when this update_id was stored before. */
    public Mono<Boolean> store(long updateId, String body) {
        return sql.update("INSERT INTO updates (update_id, body) VALUES ($1, $2) ON CONFLICT (update_id) DO NOTHING",
                updateId, body).map(n -> n > 0);
    }

    /** Asks the inbox to look for pending updates now. */
    public void wake() {
        wake.tryEmitNext(Boolean.TRUE); // a full buffer means a wake-up is already pending
    }

    /** Processes pending updates on every wake-up and every {@code sweep}; dispose to stop. */
    public Disposable start(Duration sweep) {
        // a drain cut short leaves its claims to expire: the updates are handled again (handlers are idempotent)
        Disposable draining = Loop.named("update-inbox").every(sweep).firstAfter(Duration.ZERO).timeout(Duration.ofMinutes(1))
                .wakeUps(wake.asFlux()).meters(meters).start(this::drain);
        Disposable pruning = Loop.named("update-inbox-prune").every(Duration.ofMinutes(10)).firstAfter(Duration.ofMinutes(1))
                .timeout(Duration.ofMinutes(5)).meters(meters).start(this::prune);
        return reactor.core.Disposables.composite(draining, pruning);
    }

    /** Deletes updates handled (or given up) longer than the retention ago, a few thousand at a time; emits how many. */
    public Mono<Long> prune() {
        return Mono.defer(() -> sql.update("DELETE FROM updates WHERE update_id IN (SELECT update_id FROM updates "
                        + "WHERE processed_at < now() - $1 * interval '1 second' LIMIT 5000)", retention.toSeconds()))
                .repeat()
                .takeUntil(n -> n < 5000)
                .reduce(0L, Long::sum)
                .doOnNext(n -> { if (n > 0) log.info("pruned {} handled updates older than {}", n, retention); });
    }

    /** Handles everything pending now; completes when nothing is left to claim. */
    public Mono<Void> drain() {
        return Mono.defer(this::batch).repeat().takeWhile(n -> n > 0).then();
    }

    private Mono<Long> batch() {
        if (stopping) return Mono.just(0L);
        return sql.query("UPDATE updates SET claimed_by = $1, claimed_until = now() + $2 * interval '1 millisecond',"
                                + " attempts = attempts + 1 WHERE update_id IN (SELECT update_id FROM updates"
                                + " WHERE processed_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())"
                                + " ORDER BY update_id LIMIT $3 FOR UPDATE SKIP LOCKED)"
                                + " RETURNING update_id, body, attempts",
                        r -> new Claimed(r.get("update_id", Long.class), r.get("body", String.class), r.get("attempts", Integer.class)),
                        owner, claimLease.toMillis(), concurrency)
                .sort((a, b) -> Long.compare(a.id, b.id))
                .flatMap(this::process, concurrency)
                .count();
    }

    private Mono<Void> process(Claimed c) {
        inFlight.incrementAndGet();
        Update[] parsed = new Update[1];
        return Mono.fromCallable(() -> BotUtils.parseUpdate(c.body))
                .switchIfEmpty(Mono.error(() -> new IllegalArgumentException("not an update")))
                .doOnNext(u -> parsed[0] = u)
                .flatMap(u -> handler.apply(u).then(Mono.just(true)))
                .flatMap(x -> sql.update("UPDATE updates SET processed_at = now(), claimed_by = NULL, claimed_until = NULL,"
                        + " error = NULL, body = '' WHERE update_id = $1", c.id))
                .doOnNext(x -> processed.increment())
                .onErrorResume(e -> {
                    failed.increment();
                    boolean last = c.attempts >= MAX_ATTEMPTS;
                    log.warn("update {} failed (attempt {}{}): {}", c.id, c.attempts, last ? ", giving up" : "", e.toString());
                    long backoffMs = 500L << Math.min(c.attempts, 8);
                    return sql.update("UPDATE updates SET error = $2, claimed_until = now() + $3 * interval '1 millisecond',"
                                    + " processed_at = CASE WHEN $4 THEN now() END WHERE update_id = $1",
                            c.id, abbreviate(e.toString()), backoffMs, last)
                            .onErrorResume(e2 -> Mono.empty()) // the claim expires and the update is tried again
                            .then(last ? Mono.fromRunnable(givenUp::increment)
                                    .then(parsed[0] == null ? Mono.empty() : apologise(parsed[0])) : Mono.empty())
                            .then(Mono.<Long>empty());
                })
                .doFinally(s -> inFlight.decrementAndGet())
                .then();
    }

    /**
     * Stops claiming, waits up to {@code deadline} for updates in hand, then gives back what this replica
     * claimed and did not finish.
     */
    public Mono<Long> stop(Duration deadline) {
        stopping = true;
        return Mono.defer(() -> inFlight.get() == 0 ? Mono.just(true) : Mono.empty())
                .repeatWhenEmpty(r -> r.delayElements(Duration.ofMillis(50)))
                .timeout(deadline, Mono.just(false))
                .then(sql.update("UPDATE updates SET claimed_by = NULL, claimed_until = NULL"
                        + " WHERE claimed_by = $1 AND processed_at IS NULL", owner));
    }

    /** Updates stored and not yet processed (a gauge). */
    public Mono<Long> pending() {
        return sql.one("SELECT count(*) AS n FROM updates WHERE processed_at IS NULL", r -> r.get("n", Long.class));
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) : s;
    }

    private record Claimed(long id, String body, int attempts) {
    }
}
