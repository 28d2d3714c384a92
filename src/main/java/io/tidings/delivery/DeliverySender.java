package io.tidings.delivery;

import io.micrometer.core.instrument.MeterRegistry;
import io.tidings.store.DatabaseRetry;
import io.tidings.store.DeliveryRepository;
import io.tidings.store.DeliveryRepository.Outcome;
import io.tidings.store.DeliveryState;
import io.tidings.store.ReaderRepository;
import io.tidings.render.PostRenderer;
import io.tidings.telegram.TelegramClient;
import io.tidings.util.Loop;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Drains the delivery outbox into Telegram at the configured rate. One ordered loop (a single worker of the
 * timer, so its state needs no locks) claims batches under a lease about a second ahead, marks small groups
 * "sending" in one statement a few hundred milliseconds before their turn, hands each to Telegram when the
 * {@link SendPace} allows and its chat had nothing for a second, and records outcomes in batches. A few
 * statements a second, whatever the rate.
 *
 * <p>What a failure means is {@link FailurePolicy}'s: a 429 pauses all sending for {@code retry_after} and the
 * message goes first after it; a send that provably did not leave is retried, then re-queued with the parts already
 * sent; a send that may have reached Telegram (5xx, timeout, reset after writing) is recorded {@code unknown} and
 * never repeated; a reader who blocked the bot gets nothing more; a refused token (401/404) pauses all sending until
 * Telegram accepts it again. 5xx and timeouts in a row pause everything (a circuit breaker). A delivery whose outcome
 * was never recorded after it became "sending" (a crash) becomes unknown, never sent again. Outcomes are written in
 * batches; {@link #stop(Duration)} hands back what was never given to Telegram.
 *
 * <p>This class is the loop and its timing; its parts, each touched only on the loop: {@link Intake} (claiming and
 * marking), {@link ClaimWindow} (what is in hand), {@link SendPace} and {@link Batches} (how fast, how much at once),
 * {@link Refusals} (a failed send, the breaker), {@link OutcomeBatch} (writing outcomes), {@link ReplyTurns} (replies'
 * share of the rate), {@link Winding} (the graceful stop).
 */
public final class DeliverySender {

    private static final Logger log = LoggerFactory.getLogger(DeliverySender.class);
    public static final double MAX_RATE = 1000;
    /**
     * From the answer of one call to a chat until the next may leave: Telegram took the first somewhere before
     * its answer, so a second from then is a second as Telegram counts it (plus a little for the two ends' timers).
     */
    public static final Duration CHAT_GAP = Duration.ofMillis(1005);
    private static final long NEVER = ClaimWindow.NEVER;

    private enum State { NEW, RUNNING, STOPPING, STOPPED }

    private final Outbox outbox;
    private final Courier courier;
    private final String owner;
    private final Duration lease;
    private final Scheduler timer;
    private final Scheduler.Worker loop;
    private final LongSupplier clock;
    private volatile double rate;

    // ---- touched only on the loop ----
    private State state = State.NEW;
    private final SendPace pace;
    private final ClaimWindow window;
    private final OutcomeBatch outcomes;
    private final Intake intake;
    private final Refusals refusals;
    private final Winding winding;
    private boolean accessRefused; // Telegram refuses the token: nothing is sent until it accepts it again
    private int inFlight;
    private Disposable wakeTimer = Disposables.disposed();
    private long wakeAt;
    private boolean wakePending;
    private final Disposable.Composite background = Disposables.composite();
    private final ReplyTurns replies;

    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    public DeliverySender(DeliveryRepository deliveries, ReaderRepository readers, TelegramClient telegram,
                          PostRenderer renderer, String owner, double messagesPerSecond, Duration idlePoll) {
        this(deliveries, readers, telegram, renderer, owner, messagesPerSecond, idlePoll, Duration.ofMinutes(2),
                Schedulers.parallel());
    }

    /** As above, with the claim lease and the scheduler that times every wait. */
    public DeliverySender(DeliveryRepository deliveries, ReaderRepository readers, TelegramClient telegram,
                          PostRenderer renderer, String owner, double messagesPerSecond, Duration idlePoll,
                          Duration lease, Scheduler timer) {
        this(deliveries, readers, telegram, renderer, owner, messagesPerSecond, idlePoll, lease, CHAT_GAP, timer);
    }

    /** As above, with the least time between two messages to one chat ({@link #CHAT_GAP} unless a test lowers it). */
    public DeliverySender(DeliveryRepository deliveries, ReaderRepository readers, TelegramClient telegram,
                          PostRenderer renderer, String owner, double messagesPerSecond, Duration idlePoll,
                          Duration lease, Duration chatGap, Scheduler timer) {
        this(Outbox.of(deliveries, readers), Courier.of(telegram, renderer), owner, messagesPerSecond, idlePoll, lease,
                chatGap, timer, System::nanoTime);
    }

    /** Any outbox and courier, timed by {@code timer} and {@code clock} (a virtual scheduler and its clock in tests). */
    DeliverySender(Outbox outbox, Courier courier, String owner, double messagesPerSecond, Duration idlePoll,
                   Duration lease, Scheduler timer, LongSupplier clock) {
        this(outbox, courier, owner, messagesPerSecond, idlePoll, lease, CHAT_GAP, timer, clock);
    }

    private DeliverySender(Outbox outbox, Courier courier, String owner, double messagesPerSecond, Duration idlePoll,
                           Duration lease, Duration chatGap, Scheduler timer, LongSupplier clock) {
        this.outbox = outbox;
        this.courier = courier;
        this.owner = owner;
        this.lease = lease;
        this.timer = timer;
        this.loop = timer.createWorker();
        this.clock = clock;
        checkRate(messagesPerSecond);
        this.rate = messagesPerSecond;
        this.pace = new SendPace(messagesPerSecond, clock.getAsLong());
        this.window = new ClaimWindow(chatGap.toNanos(), courier::chatFreeAt);
        this.intake = new Intake(this, outbox, courier, window, owner, lease, idlePoll);
        this.outcomes = new OutcomeBatch(this, outbox, owner, intake);
        this.refusals = new Refusals(this, outbox, window, owner);
        this.winding = new Winding(this, outbox, window, pace, owner, timer);
        this.replies = new ReplyTurns(this, pace);
    }

    /**
     * Changes the send rate at once (messages per second, up to {@value #MAX_RATE}): for a budget shared
     * between replicas, or a paid broadcast. The very next send is paced at the new rate.
     */
    public void setRate(double messagesPerSecond) {
        checkRate(messagesPerSecond);
        rate = messagesPerSecond;
        hop(() -> pace.setRate(messagesPerSecond));
    }

    /** Sends nothing for {@code d} from now (e.g. while this replica cannot beat and the others take its share). */
    public void holdFor(Duration d, String why) {
        hop(() -> pauseFor(d, why));
    }

    private static void checkRate(double r) {
        if (!(r > 0) || r > MAX_RATE) throw new IllegalArgumentException("send rate must be in (0, " + MAX_RATE + "]: " + r);
    }

    public double rate() {
        return rate;
    }

    /**
     * This replica's share of the rate for messages that are not the outbox's (replies to commands, alerts): each takes
     * its turn before the next delivery, so together they keep to the rate. While the sender is not running (before
     * start, stopped, or while Telegram refuses the token) a turn is given at once.
     */
    public io.tidings.telegram.SendBudget budget() {
        return replies;
    }

    /** Running and let to send: a reply waits for its turn (see {@link ReplyTurns}); on the loop. */
    boolean sending() {
        return state != State.NEW && state != State.STOPPED && !accessRefused;
    }

    /** Asks the sender to look at the outbox now instead of at its next poll. */
    public void wake() {
        hop(() -> intake.lookAt(now()));
    }

    /**
     * Starts claiming and sending, and the lease keeper (a dead worker's claims are taken over). Disposing it is
     * a crash as far as the outbox can tell: claims expire and are taken over; see {@link #stop} for a clean end. The
     * lease keeper counts its ticks on {@code meters}.
     */
    public Disposable start(MeterRegistry meters) {
        Duration every = lease.dividedBy(4).compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : lease.dividedBy(4);
        background.add(Loop.named("lease-expiry").every(every).timeout(every).on(timer).meters(meters).start(this::expireLeases));
        hop(() -> {
            if (state == State.NEW) state = State.RUNNING;
        });
        return () -> hop(this::halt);
    }

    /**
     * Graceful stop: claims nothing more, gives the deliveries claimed but not yet started back to the queue at
     * once, sends what was already marked "sending" until {@code deadline}, then hands back whatever was never
     * given to Telegram and records every outcome known. Calls still on the wire at the deadline are left as
     * they are (their rows stay "sending": never repeated). Completes when done.
     */
    public Mono<Void> stop(Duration deadline) {
        return Mono.create(sink -> {
            boolean looping = hop(() -> {
                if (state == State.STOPPED || state == State.NEW) {
                    halt();
                    sink.success();
                    return;
                }
                state = State.STOPPING;
                winding.begin(now() + deadline.toNanos(), sink);
                wakeAt(winding.deadline());
            });
            if (!looping) sink.success();
        });
    }

    /** Re-queues expired claims and gives expired sends up as unknown; wakes the sender if any came back. */
    public Mono<DeliveryRepository.Expired> expireLeases() {
        return outbox.expireLeases().doOnNext(x -> {
            if (x.requeued() > 0 || x.unknown() > 0) {
                log.info("leases expired: {} claimed deliveries re-queued, {} in-flight sends given up as unknown",
                        x.requeued(), x.unknown());
            }
            if (x.requeued() > 0) wake();
        });
    }

    // ---- the loop -------------------------------------------------------------------------------------

    /** Runs {@code r} on the loop, then looks what is due. Ignored once the loop is gone. */
    boolean hop(Runnable r) {
        try {
            loop.schedule(() -> {
                r.run();
                pump();
            });
            return true;
        } catch (RejectedExecutionException e) {
            return false; // stopped: nothing to do any more
        }
    }

    private void wakeAt(long at) {
        if (wakePending && wakeAt - at <= 0) return;
        wakeTimer.dispose();
        wakeAt = at;
        wakePending = true;
        try {
            wakeTimer = loop.schedule(() -> {
                wakePending = false;
                pump();
            }, Math.max(0, at - now()), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            wakePending = false;
        }
    }

    private void pump() {
        if (state == State.STOPPED || state == State.NEW) return;
        long now = now();
        window.evictIdle(now);
        long next = NEVER;
        Batches b = Batches.at(pace.rate());
        if (state == State.RUNNING) {
            next = Math.min(next, intake.claimIfLow(now, b.claim()));
            next = Math.min(next, intake.markIfLow(now, b.readyLow(), b.group()));
        } else {
            next = Math.min(next, winding.step(now));
        }
        next = Math.min(next, replies.grant(now, accessRefused));
        next = Math.min(next, sendDue(now));
        next = Math.min(next, outcomes.flushIfDue(now, b.flushRows(), state != State.RUNNING));
        if (accessRefused) next = NEVER; // woken when Telegram accepts the token again
        if (state == State.STOPPING && winding.finished(now, window.isEmpty() && outcomes.isDone(),
                intake.busy() || inFlight > 0)) {
            halt();
            return;
        }
        if (next != NEVER) wakeAt(next);
    }

    /** Hands ready deliveries to Telegram while the pace allows; returns when to look again. */
    private long sendDue(long now) {
        while (window.ready() > 0 && !accessRefused) {
            long allowed = pace.nextAllowed(now);
            if (allowed == SendPace.NEVER) return NEVER; // woken by the next answer
            if (allowed - now > 0) return allowed;
            Entry pick = window.takeDue(now);
            if (pick == null) return window.nextDueAt(now);
            if (window.unreachableSince(pick)) { // marked before its reader was found gone: another 403 is all it would earn
                record(pick, Outcome.failed(pick.id(), "unreachable"));
                continue;
            }
            pace.sent(now);
            fire(pick);
        }
        return NEVER;
    }

    private void fire(Entry e) {
        inFlight++;
        e.call.send().defaultIfEmpty(0).subscribe(
                id -> hop(() -> {
                    answered(e);
                    sent.incrementAndGet();
                    refusals.succeeded();
                    record(e, Outcome.sent(e.id(), id));
                }),
                err -> hop(() -> {
                    answered(e);
                    refusals.refused(e, err, now());
                }));
    }

    private void answered(Entry e) {
        long now = now();
        inFlight--;
        pace.answered(now);
        window.answered(e, now);
    }

    /** Telegram refuses the token: send nothing until it accepts it again (the client probes getMe meanwhile). */
    void refuseAccess() {
        if (accessRefused) return;
        accessRefused = true;
        background.add(courier.whenAccessible().subscribe(null,
                x -> hop(() -> accessRefused = false),
                () -> hop(() -> accessRefused = false)));
    }

    /** Gives {@code e} up from the window and records its outcome (written with the next batch). */
    void record(Entry e, Outcome outcome) {
        window.done(e);
        if (outcome.state() == DeliveryState.FAILED) failed.incrementAndGet();
        outcomes.add(outcome, now());
    }

    private void halt() {
        state = State.STOPPED;
        replies.releaseAll();
        wakeTimer.dispose();
        background.dispose();
        loop.dispose();
        winding.done(inFlight);
    }

    // ---- helpers --------------------------------------------------------------------------------------

    /** A database call that must not be lost to a short outage: retried with backoff for about a minute. */
    <T> Mono<T> db(Mono<T> call) {
        return call.retryWhen(DatabaseRetry.backoff(12, Duration.ofMillis(200), Duration.ofSeconds(8), "a database call of the sender")
                .scheduler(timer));
    }

    /** Sends nothing until {@code d} from now (a 429, the breaker, a hold), unless already paused longer. */
    void pauseFor(Duration d, String why) {
        long until = now() + d.toNanos();
        if (until - pace.pausedUntil() > 0) log.warn("{}: all sending paused for {} ms", why, d.toMillis());
        pace.pauseUntil(until);
    }

    long now() {
        return clock.getAsLong();
    }

    public long sentCount() { return sent.get(); }
    public long failedCount() { return failed.get(); }
    /** Sends that may or may not have reached Telegram, recorded unknown and never repeated (by this replica). */
    public long unknownCount() { return refusals.unknown.get(); }
    public long rateLimitedCount() { return refusals.rateLimited.get(); }
}
