package io.tidings.delivery;

import io.tidings.store.DatabaseRetry;
import io.tidings.store.DeliveryRepository;
import io.tidings.store.DeliveryRepository.Outcome;
import io.tidings.store.DeliveryState;
import io.tidings.store.ReaderRepository;
import io.tidings.render.PostRenderer;
import io.tidings.telegram.TelegramClient;
import io.tidings.telegram.TelegramException;
import io.tidings.util.Loop;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
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
 * batches ({@link OutcomeBatch}); {@link #stop(Duration)} hands back what was never given to Telegram.
 */
public final class DeliverySender {

    private static final Logger log = LoggerFactory.getLogger(DeliverySender.class);
    public static final double MAX_RATE = 1000;
    /**
     * From the answer of one call to a chat until the next may leave: Telegram took the first somewhere before
     * its answer, so a second from then is a second as Telegram counts it (plus a little for the two ends' timers).
     */
    public static final Duration CHAT_GAP = Duration.ofMillis(1005);
    /** A claimed delivery is marked "sending" when its chat is free within this. */
    private static final long MARK_LEAD = Duration.ofMillis(300).toNanos();
    /** After a stop's deadline, how long the last outcome writes and hand-backs may take. */
    private static final long FINAL_WRITES = Duration.ofSeconds(5).toNanos();
    /** 5xx or timeouts in a row that open the breaker. */
    private static final int BREAKER_FAILURES = 5;
    private static final Duration BREAKER_MIN = Duration.ofSeconds(5);
    private static final Duration BREAKER_MAX = Duration.ofMinutes(2);
    private static final long NEVER = ClaimWindow.NEVER;
    /** At most this many claim batches in hand when the claimed deliveries are all for busy chats. */
    private static final int CLAIM_AHEAD_MAX = 10;

    private enum State { NEW, RUNNING, STOPPING, STOPPED }

    private final Outbox outbox;
    private final Courier courier;
    private final String owner;
    private final Duration lease;
    private final long idlePoll;
    private final Scheduler timer;
    private final Scheduler.Worker loop;
    private final LongSupplier clock;
    private volatile double rate;

    // ---- touched only on the loop ----
    private State state = State.NEW;
    private final SendPace pace;
    private final ClaimWindow window;
    private final OutcomeBatch outcomes = new OutcomeBatch();
    private boolean claiming, marking, releasing;
    private boolean accessRefused; // Telegram refuses the token: nothing is sent until it accepts it again
    private boolean starved; // every claimed delivery is for a chat that is busy: claim further ahead
    private long nextClaimAt, nextMarkAt;
    private int inFlight;
    private int failuresInARow;
    private Disposable wakeTimer = Disposables.disposed();
    private long wakeAt;
    private boolean wakePending;
    private final Disposable.Composite background = Disposables.composite();
    private long stopDeadline;
    private MonoSink<Void> stopped;
    /** Replies waiting for their turn in this replica's share of the rate: they go before the outbox's next. */
    private final java.util.ArrayDeque<MonoSink<Void>> replies = new java.util.ArrayDeque<>();

    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong unknown = new AtomicLong();
    private final AtomicLong rateLimited = new AtomicLong();

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
        this.idlePoll = idlePoll.toNanos();
        this.lease = lease;
        this.timer = timer;
        this.loop = timer.createWorker();
        this.clock = clock;
        this.window = new ClaimWindow(chatGap.toNanos(), courier::chatFreeAt);
        checkRate(messagesPerSecond);
        this.rate = messagesPerSecond;
        this.pace = new SendPace(messagesPerSecond, clock.getAsLong());
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
        return new io.tidings.telegram.SendBudget() {
            @Override
            public Mono<Void> take() {
                return Mono.create(sink -> {
                    boolean looping = hop(() -> {
                        if (state == State.NEW || state == State.STOPPED || accessRefused) {
                            sink.success();
                        } else {
                            replies.add(sink);
                        }
                    });
                    if (!looping) sink.success();
                    sink.onCancel(() -> hop(() -> replies.remove(sink)));
                });
            }

            @Override
            public void answered() {
                hop(() -> pace.answered(now()));
            }
        };
    }

    /** Asks the sender to look at the outbox now instead of at its next poll. */
    public void wake() {
        hop(() -> nextClaimAt = now());
    }

    /**
     * Starts claiming and sending, and the lease keeper (a dead worker's claims are taken over). Disposing it is
     * a crash as far as the outbox can tell: claims expire and are taken over; see {@link #stop} for a clean end.
     */
    public Disposable start() {
        Duration every = lease.dividedBy(4).compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : lease.dividedBy(4);
        background.add(Loop.named("lease-expiry").every(every).timeout(every).on(timer).start(this::expireLeases));
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
                stopped = sink;
                stopDeadline = now() + deadline.toNanos();
                wakeAt(stopDeadline);
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
    private boolean hop(Runnable r) {
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
        if (state == State.RUNNING) {
            next = Math.min(next, claimIfLow(now));
            next = Math.min(next, markIfLow(now));
        } else {
            next = Math.min(next, winding(now));
        }
        next = Math.min(next, grantReplies(now));
        next = Math.min(next, sendDue(now));
        next = Math.min(next, flushIfDue(now));
        if (accessRefused) next = NEVER; // woken when Telegram accepts the token again
        if (state == State.STOPPING && finished(now)) {
            halt();
            return;
        }
        if (next != NEVER) wakeAt(next);
    }

    private long claimIfLow(long now) {
        int batch = claimBatch();
        // a mailing of several posts per reader is claimed reader by reader: look further for free chats
        int target = starved ? batch * CLAIM_AHEAD_MAX : batch;
        if (claiming || window.claimed() >= target) return NEVER;
        if (now - nextClaimAt < 0) return nextClaimAt;
        claiming = true;
        db(outbox.claim(owner, lease, batch).collectList()).subscribe(
                list -> hop(() -> {
                    claiming = false;
                    window.claimedNow(list, now);
                    if (list.size() < batch) nextClaimAt = now() + idlePoll; // the outbox is empty for now
                }),
                e -> hop(() -> {
                    claiming = false;
                    nextClaimAt = now() + idlePoll;
                    log.warn("claiming deliveries failed, will retry: {}", e.toString());
                }));
        return NEVER;
    }

    /** Marks the next group of claimed deliveries "sending" when few are ready; returns when a busy chat frees. */
    private long markIfLow(long now) {
        if (marking || window.ready() >= readyLow()) return NEVER; // woken when it changes
        if (now - nextMarkAt < 0) return nextMarkAt;
        int size = groupSize();
        ClaimWindow.Group next = window.nextGroup(size, now, MARK_LEAD);
        List<Entry> group = next.entries();
        long blockedUntil = next.blockedUntil();
        starved = group.size() < size;
        if (group.isEmpty()) return blockedUntil;
        marking = true;
        Long[] ids = group.stream().map(e -> e.o.id()).toArray(Long[]::new);
        db(outbox.markSending(ids, owner, lease).collectList()).subscribe(
                mine -> hop(() -> {
                    marking = false;
                    Set<Long> ours = new HashSet<>(mine);
                    for (Entry e : group) {
                        if (ours.contains(e.o.id())) {
                            prepare(e);
                        } else { // taken over or dropped meanwhile: not ours to send
                            window.done(e);
                        }
                    }
                }),
                err -> hop(() -> {
                    marking = false;
                    nextMarkAt = now() + idlePoll;
                    log.warn("marking deliveries as sending failed, will retry: {}", err.toString());
                    window.unmarked(group);
                }));
        return blockedUntil;
    }

    private void prepare(Entry e) {
        try {
            e.call = courier.prepare(e.o);
            window.ready(e);
        } catch (RuntimeException x) { // a bug in rendering: give this one up, not the loop
            log.warn("delivery {} could not be rendered", e.o.id(), x);
            record(e, Outcome.failed(e.id(), FailurePolicy.abbreviate(x.toString())));
        }
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

    /** Lets waiting replies go while the pace allows, before any delivery; returns when to look again. */
    private long grantReplies(long now) {
        while (!replies.isEmpty()) {
            if (accessRefused) {
                replies.poll().success(); // it fails at once without a request
                continue;
            }
            long allowed = pace.nextAllowed(now);
            if (allowed == SendPace.NEVER) return NEVER; // woken by the next answer
            if (allowed - now > 0) return allowed;
            pace.sent(now);
            replies.poll().success();
        }
        return NEVER;
    }

    private void fire(Entry e) {
        inFlight++;
        e.call.send().defaultIfEmpty(0).subscribe(
                id -> hop(() -> {
                    answered(e);
                    sent.incrementAndGet();
                    failuresInARow = 0;
                    record(e, Outcome.sent(e.id(), id));
                }),
                err -> hop(() -> {
                    answered(e);
                    refused(e, err);
                }));
    }

    private void answered(Entry e) {
        long now = now();
        inFlight--;
        pace.answered(now);
        window.answered(e, now);
    }

    /** Carries out {@link FailurePolicy}'s decision for a failed send. */
    private void refused(Entry e, Throwable err) {
        long now = now();
        FailurePolicy.Decision d = FailurePolicy.decide(err, e);
        switch (d.kind()) {
            case RATE_LIMITED -> {
                e.rateLimitedRetries++;
                rateLimited.incrementAndGet();
                pauseFor(d.delay(), "Telegram asked to slow down");
                window.readyFirst(e); // first after the pause
            }
            case ACCESS_REFUSED -> {
                window.readyFirst(e); // nothing was sent
                refuseAccess();
            }
            case RETRY_SOON -> {
                breakerFailure();
                e.notBefore = now + d.delay().toNanos();
                e.transientRetries++;
                window.ready(e);
            }
            case REQUEUE -> {
                breakerFailure();
                window.done(e);
                int parts = e.partsSent();
                db(outbox.requeue(e.id(), owner, d.delay(), parts)).subscribe(
                        n -> { if (n == 0) log.info("delivery {} was no longer ours to re-queue", e.id()); },
                        x -> log.warn("delivery {} left to its lease: {}", e.id(), x.toString()));
            }
            case UNKNOWN -> {
                breakerFailure();
                unknown.incrementAndGet();
                log.warn("delivery {} to reader {} may or may not have arrived ({}): recorded unknown, not sent again",
                        e.id(), e.chat(), d.reason());
                record(e, Outcome.unknown(e.id(), d.reason()));
            }
            case UNREACHABLE -> {
                window.unreachable(e.chat(), now);
                log.info("reader {} cannot be reached ({}): stopping deliveries to them", e.chat(), err.getMessage());
                record(e, Outcome.failed(e.id(), "unreachable"));
                db(outbox.readerUnreachable(e.chat())).subscribe(x -> { },
                        x -> log.warn("reader {} not marked unreachable: {}", e.chat(), x.toString()));
            }
            case FAILED -> {
                if (err instanceof io.tidings.telegram.TelegramException) log.warn("delivery {} failed: {}", e.id(), d.reason());
                else log.warn("delivery {} failed unexpectedly", e.id(), err);
                record(e, Outcome.failed(e.id(), d.reason()));
            }
        }
    }

    /** Telegram refuses the token: send nothing until it accepts it again (the client probes getMe meanwhile). */
    private void refuseAccess() {
        if (accessRefused) return;
        accessRefused = true;
        background.add(courier.whenAccessible().subscribe(null,
                x -> hop(() -> accessRefused = false),
                () -> hop(() -> accessRefused = false)));
    }

    private void record(Entry e, Outcome outcome) {
        window.done(e);
        if (outcome.state() == DeliveryState.FAILED) failed.incrementAndGet();
        outcomes.add(outcome, now());
    }

    /** Writes the recorded outcomes in one statement when enough piled up, or a little while after the first. */
    private long flushIfDue(long now) {
        long at = outcomes.dueAt(now, flushRows(), state != State.RUNNING);
        if (at - now > 0) return at;
        outcomes.writing = true;
        List<Outcome> batch = outcomes.take();
        db(outbox.record(batch, owner)).subscribe(
                n -> hop(() -> {
                    outcomes.writing = false;
                    // a recorded outcome frees its reader's next delivery for claiming (one in flight per reader):
                    // look now rather than at the idle poll, or a reader's mailing leaves one post per poll
                    if (nextClaimAt - now() > 0) nextClaimAt = now();
                }),
                e -> hop(() -> {
                    // the rows stay "sending" under a lease: never re-sent, whatever happens to this process
                    outcomes.writing = false;
                    log.warn("outcomes of {} deliveries not recorded: {}", batch.size(), e.toString());
                }));
        return NEVER;
    }

    // ---- stopping -------------------------------------------------------------------------------------

    /** While stopping: hand back what was claimed, and at the deadline what is ready but never sent. */
    private long winding(long now) {
        if (releasing) return NEVER;
        List<Entry> back = window.releaseClaimed();
        boolean late = now - stopDeadline >= 0 || pace.pausedUntil() - stopDeadline >= 0;
        // when late, everything ready never left (a send that may have is recorded at once): hand it back
        List<Entry> marked = late ? window.releaseReady() : List.of();
        if (!back.isEmpty() || !marked.isEmpty()) {
            releasing = true;
            Long[] ids = back.stream().map(e -> e.o.id()).toArray(Long[]::new);
            Long[] sending = marked.stream().map(e -> e.o.id()).toArray(Long[]::new);
            Integer[] parts = marked.stream().map(Entry::partsSent).toArray(Integer[]::new);
            outbox.release(ids, sending, parts, owner).timeout(Duration.ofSeconds(10), timer).subscribe(
                    n -> hop(() -> {
                        releasing = false;
                        log.info("stopping: {} deliveries handed back to the queue", n);
                    }),
                    e -> hop(() -> {
                        releasing = false; // their leases run out and they are taken over
                        log.warn("stopping: {} deliveries not handed back: {}", ids.length + sending.length, e.toString());
                    }));
        }
        return late ? stopDeadline + FINAL_WRITES : stopDeadline;
    }

    /**
     * Before the deadline: everything sent and recorded. After it: what is known recorded and the rest handed
     * back, calls on the wire left alone; the last writes get a few seconds more.
     */
    private boolean finished(long now) {
        boolean written = window.isEmpty() && !releasing && !outcomes.writing && outcomes.isEmpty();
        if (now - stopDeadline < 0) return written && !claiming && !marking && inFlight == 0;
        return written || now - stopDeadline >= FINAL_WRITES;
    }

    private void halt() {
        state = State.STOPPED;
        while (!replies.isEmpty()) replies.poll().success();
        wakeTimer.dispose();
        background.dispose();
        loop.dispose();
        if (stopped != null) {
            if (inFlight > 0) log.info("stopped with {} calls still on the wire (their deliveries are not repeated)", inFlight);
            stopped.success();
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------

    /** Claimed a second ahead (at least 8, at most 1000), so the rate has no gaps between claims. */
    private int claimBatch() {
        return (int) Math.max(8, Math.min(1000, Math.ceil(pace.rate())));
    }

    /** Deliveries kept "sending" ahead of their turn: a quarter second's worth (lost, not repeated, on a crash). */
    private int readyLow() {
        return (int) Math.max(2, Math.ceil(pace.rate() / 4));
    }

    private int groupSize() {
        return (int) Math.max(1, Math.min(200, Math.ceil(pace.rate() / 10)));
    }

    private int flushRows() {
        return (int) Math.max(50, Math.ceil(pace.rate() / 5));
    }

    /** A database call that must not be lost to a short outage: retried with backoff for about a minute. */
    private <T> Mono<T> db(Mono<T> call) {
        return call.retryWhen(DatabaseRetry.backoff(12, Duration.ofMillis(200), Duration.ofSeconds(8), "a database call of the sender")
                .scheduler(timer));
    }

    private void breakerFailure() {
        int n = ++failuresInARow;
        if (n >= BREAKER_FAILURES) {
            long factor = Math.min(1L << Math.min(10, n - BREAKER_FAILURES), BREAKER_MAX.dividedBy(BREAKER_MIN));
            pauseFor(BREAKER_MIN.multipliedBy(factor), n + " server errors or timeouts in a row");
        }
    }

    private void pauseFor(Duration d, String why) {
        long until = now() + d.toNanos();
        if (until - pace.pausedUntil() > 0) log.warn("{}: all sending paused for {} ms", why, d.toMillis());
        pace.pauseUntil(until);
    }

    private long now() {
        return clock.getAsLong();
    }

    public long sentCount() { return sent.get(); }
    public long failedCount() { return failed.get(); }
    /** Sends that may or may not have reached Telegram, recorded unknown and never repeated (by this replica). */
    public long unknownCount() { return unknown.get(); }
    public long rateLimitedCount() { return rateLimited.get(); }
}
