package io.tidings.delivery;

import io.tidings.store.DeliveryRepository;
import io.tidings.store.DeliveryRepository.Outgoing;
import io.tidings.store.ReaderRepository;
import io.tidings.render.PostRenderer;
import io.tidings.telegram.TelegramClient;
import io.tidings.telegram.TelegramException;
import io.tidings.util.Loop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
import reactor.util.retry.Retry;

/**
 * Drains the delivery outbox into Telegram at the configured rate. One ordered loop (a single worker of the
 * timer, so its state needs no locks) claims batches under a lease about a second ahead, marks small groups
 * "sending" in one statement a few hundred milliseconds before their turn, hands each to Telegram when the
 * {@link SendPace} allows and its chat had nothing for a second, and records outcomes in batches. A few
 * statements a second, whatever the rate.
 *
 * <p>A 429 pauses all sending for {@code retry_after} and the message is retried; a reader who blocked the bot
 * gets nothing more; 5xx and timeouts are retried with backoff and pause everything when they keep coming (a
 * circuit breaker). A delivery whose outcome was never recorded after it became "sending" (a crash) is not sent
 * again: a duplicate message annoys a reader more than a missed one. {@link #stop(Duration)} hands back what
 * was never given to Telegram.
 */
public final class DeliverySender {

    private static final Logger log = LoggerFactory.getLogger(DeliverySender.class);
    public static final double MAX_RATE = 1000;
    /**
     * From the answer of one call to a chat until the next may leave: Telegram took the first somewhere before
     * its answer, so a second from then is a second as Telegram counts it (plus a little for the two ends' timers).
     */
    private static final long CHAT_GAP = Duration.ofMillis(1005).toNanos();
    /** A claimed delivery is marked "sending" when its chat is free within this. */
    private static final long MARK_LEAD = Duration.ofMillis(300).toNanos();
    private static final long FLUSH_EVERY = Duration.ofMillis(200).toNanos();
    /** After a stop's deadline, how long the last outcome writes and hand-backs may take. */
    private static final long FINAL_WRITES = Duration.ofSeconds(5).toNanos();
    private static final Duration UNREACHABLE_MEMORY = Duration.ofMinutes(30);
    /** 5xx or timeouts in a row that open the breaker. */
    private static final int BREAKER_FAILURES = 5;
    private static final Duration BREAKER_MIN = Duration.ofSeconds(5);
    private static final Duration BREAKER_MAX = Duration.ofMinutes(2);
    /** Attempts (claims) of a delivery that keeps meeting 5xx before it is given up. */
    private static final int MAX_ATTEMPTS = 5;
    private static final long NEVER = Long.MAX_VALUE;
    /** At most this many claim batches in hand when the claimed deliveries are all for busy chats. */
    private static final int CLAIM_AHEAD_MAX = 10;

    private enum State { NEW, RUNNING, STOPPING, STOPPED }

    /** A delivery in hand: claimed, then "sending" with its prepared call. */
    private static final class Entry {
        final Outgoing o;
        final long claimedAt;
        Mono<Integer> call;
        long notBefore;
        int transientRetries;
        int rateLimitedRetries;
        boolean maybeDelivered; // a call timed out or broke: it may have reached the reader

        Entry(Outgoing o, long claimedAt) {
            this.o = o;
            this.claimedAt = claimedAt;
        }

        long chat() {
            return o.readerId();
        }
    }

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
    private final LinkedHashMap<Long, Entry> claimed = new LinkedHashMap<>();
    private final List<Entry> ready = new ArrayList<>();
    private final Set<Long> chatsInHand = new HashSet<>(); // chats with a delivery ready or in flight
    // every delivery in hand, wherever it is: an expired claim re-claimed after an outage is not taken twice
    private final Set<Long> inHand = new HashSet<>();
    private final Map<Long, Long> chatFreeAt = new HashMap<>();
    private final Map<Long, Long> unreachableAt = new HashMap<>(); // claims older than this are not sent
    private final List<Long> outIds = new ArrayList<>();
    private final List<Long> outMessages = new ArrayList<>();
    private final List<String> outErrors = new ArrayList<>();
    private long outcomesSince;
    private boolean claiming, marking, writing, releasing;
    private boolean starved; // every claimed delivery is for a chat that is busy: claim further ahead
    private long nextClaimAt, nextMarkAt, lastEviction;
    private int inFlight;
    private int failuresInARow;
    private Disposable wakeTimer = Disposables.disposed();
    private long wakeAt;
    private boolean wakePending;
    private final Disposable.Composite background = Disposables.composite();
    private long stopDeadline;
    private MonoSink<Void> stopped;

    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
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
        this(Outbox.of(deliveries, readers), Courier.of(telegram, renderer), owner, messagesPerSecond, idlePoll, lease,
                timer, System::nanoTime);
    }

    /** Any outbox and courier, timed by {@code timer} and {@code clock} (a virtual scheduler and its clock in tests). */
    DeliverySender(Outbox outbox, Courier courier, String owner, double messagesPerSecond, Duration idlePoll,
                   Duration lease, Scheduler timer, LongSupplier clock) {
        this.outbox = outbox;
        this.courier = courier;
        this.owner = owner;
        this.idlePoll = idlePoll.toNanos();
        this.lease = lease;
        this.timer = timer;
        this.loop = timer.createWorker();
        this.clock = clock;
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

    private static void checkRate(double r) {
        if (!(r > 0) || r > MAX_RATE) throw new IllegalArgumentException("send rate must be in (0, " + MAX_RATE + "]: " + r);
    }

    public double rate() {
        return rate;
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

    /** Re-queues expired claims and fails expired sends (see the class comment); wakes the sender if any came back. */
    public Mono<DeliveryRepository.Expired> expireLeases() {
        return outbox.expireLeases().doOnNext(x -> {
            if (x.requeued() > 0 || x.failed() > 0) {
                log.info("leases expired: {} claimed deliveries re-queued, {} in-flight sends given up", x.requeued(), x.failed());
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
        if (now - lastEviction > 1_000_000_000L) evictIdleChats(now);
        long next = NEVER;
        if (state == State.RUNNING) {
            next = Math.min(next, claimIfLow(now));
            next = Math.min(next, markIfLow(now));
        } else {
            next = Math.min(next, winding(now));
        }
        next = Math.min(next, sendDue(now));
        next = Math.min(next, flushIfDue(now));
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
        if (claiming || claimed.size() >= target) return NEVER;
        if (now - nextClaimAt < 0) return nextClaimAt;
        claiming = true;
        db(outbox.claim(owner, lease, batch).collectList()).subscribe(
                list -> hop(() -> {
                    claiming = false;
                    for (Outgoing o : list) {
                        if (inHand.add(o.id())) claimed.put(o.id(), new Entry(o, now));
                    }
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
        if (marking || ready.size() >= readyLow()) return NEVER; // woken when it changes
        if (now - nextMarkAt < 0) return nextMarkAt;
        List<Entry> group = new ArrayList<>();
        long blockedUntil = NEVER;
        int size = groupSize();
        for (Iterator<Entry> it = claimed.values().iterator(); it.hasNext() && group.size() < size; ) {
            Entry e = it.next();
            if (unreachableSince(e)) { // its row was dropped with the reader's others
                it.remove();
                inHand.remove(e.o.id());
                continue;
            }
            if (chatsInHand.contains(e.chat())) continue;
            long free = chatFreeAt.getOrDefault(e.chat(), now);
            if (free - now > MARK_LEAD) {
                blockedUntil = Math.min(blockedUntil, free - MARK_LEAD);
                continue;
            }
            it.remove();
            chatsInHand.add(e.chat());
            group.add(e);
        }
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
                            chatsInHand.remove(e.chat());
                            inHand.remove(e.o.id());
                        }
                    }
                }),
                err -> hop(() -> {
                    marking = false;
                    nextMarkAt = now() + idlePoll;
                    log.warn("marking deliveries as sending failed, will retry: {}", err.toString());
                    for (Entry e : group) {
                        chatsInHand.remove(e.chat());
                        claimed.putIfAbsent(e.o.id(), e);
                    }
                }));
        return blockedUntil;
    }

    private void prepare(Entry e) {
        try {
            e.call = courier.prepare(e.o);
            ready.add(e);
        } catch (RuntimeException x) { // a bug in rendering: give this one up, not the loop
            log.warn("delivery {} could not be rendered", e.o.id(), x);
            finish(e, 0, abbreviate(x.toString()));
        }
    }

    /** Hands ready deliveries to Telegram while the pace allows; returns when to look again. */
    private long sendDue(long now) {
        while (!ready.isEmpty()) {
            long allowed = pace.nextAllowed(now);
            if (allowed == SendPace.NEVER) return NEVER; // woken by the next answer
            if (allowed - now > 0) return allowed;
            long earliest = NEVER;
            Entry pick = null;
            for (Entry e : ready) {
                long at = Math.max(e.notBefore, chatFreeAt.getOrDefault(e.chat(), now));
                if (at - now <= 0) {
                    pick = e;
                    break;
                }
                earliest = Math.min(earliest, at);
            }
            if (pick == null) return earliest;
            ready.remove(pick);
            if (unreachableSince(pick)) { // marked before its reader was found gone: another 403 is all it would earn
                finish(pick, 0, "unreachable");
                continue;
            }
            pace.sent(now);
            fire(pick);
        }
        return NEVER;
    }

    private void fire(Entry e) {
        inFlight++;
        e.call.defaultIfEmpty(0).subscribe(
                id -> hop(() -> {
                    answered(e);
                    sent.incrementAndGet();
                    failuresInARow = 0;
                    finish(e, id, "");
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
        chatFreeAt.put(e.chat(), now + CHAT_GAP);
    }

    private void refused(Entry e, Throwable err) {
        long now = now();
        if (err instanceof TelegramException.RetryAfter ra && e.rateLimitedRetries < 10) {
            e.rateLimitedRetries++;
            rateLimited.incrementAndGet();
            pauseFor(ra.retryAfter(), "Telegram asked to slow down");
            ready.add(0, e); // first after the pause
        } else if (err instanceof TelegramException.Transient t && e.transientRetries < 3) {
            breakerFailure();
            e.maybeDelivered |= t.errorCode() == 0;
            e.notBefore = now + Duration.ofMillis(500L << e.transientRetries).toNanos();
            e.transientRetries++;
            ready.add(e);
        } else if (err instanceof TelegramException.Transient && e.o.attempts() < MAX_ATTEMPTS) {
            // Telegram answered 5xx (nothing was sent) or did not answer: try again later, behind the others
            breakerFailure();
            chatsInHand.remove(e.chat());
            inHand.remove(e.o.id());
            db(outbox.requeue(e.o.id(), Duration.ofSeconds(30L * e.o.attempts()))).subscribe(x -> { },
                    x -> log.warn("delivery {} left to its lease: {}", e.o.id(), x.toString()));
        } else if (err instanceof TelegramException.Unreachable) {
            failed.incrementAndGet();
            unreachableAt.merge(e.chat(), now, Math::max);
            log.info("reader {} cannot be reached ({}): stopping deliveries to them", e.chat(), err.getMessage());
            record(e, 0, "unreachable");
            db(outbox.readerUnreachable(e.chat())).subscribe(x -> { },
                    x -> log.warn("reader {} not marked unreachable: {}", e.chat(), x.toString()));
        } else {
            failed.incrementAndGet();
            if (err instanceof TelegramException) log.warn("delivery {} failed: {}", e.o.id(), err.toString());
            else log.warn("delivery {} failed unexpectedly", e.o.id(), err); // a bug: show where
            record(e, 0, abbreviate(err.toString()));
        }
    }

    private void finish(Entry e, long messageId, String error) {
        if (!error.isEmpty()) failed.incrementAndGet();
        record(e, messageId, error);
    }

    private void record(Entry e, long messageId, String error) {
        chatsInHand.remove(e.chat());
        inHand.remove(e.o.id());
        if (outIds.isEmpty()) outcomesSince = now();
        outIds.add(e.o.id());
        outMessages.add(messageId);
        outErrors.add(error);
    }

    /** Writes the recorded outcomes in one statement when enough piled up, or a little while after the first. */
    private long flushIfDue(long now) {
        if (writing || outIds.isEmpty()) return NEVER;
        if (state == State.RUNNING && outIds.size() < flushRows() && now - outcomesSince < FLUSH_EVERY) {
            return outcomesSince + FLUSH_EVERY;
        }
        writing = true;
        Long[] ids = outIds.toArray(Long[]::new);
        Long[] messages = outMessages.toArray(Long[]::new);
        String[] errors = outErrors.toArray(String[]::new);
        outIds.clear();
        outMessages.clear();
        outErrors.clear();
        db(outbox.record(ids, messages, errors)).subscribe(
                n -> hop(() -> writing = false),
                e -> hop(() -> {
                    // the rows stay "sending" under a lease: never re-sent, whatever happens to this process
                    writing = false;
                    log.warn("outcomes of {} deliveries not recorded: {}", ids.length, e.toString());
                }));
        return NEVER;
    }

    // ---- stopping -------------------------------------------------------------------------------------

    /** While stopping: hand back what was claimed, and at the deadline what is ready but never sent. */
    private long winding(long now) {
        if (releasing) return NEVER;
        List<Entry> back = new ArrayList<>(claimed.values());
        List<Entry> marked = new ArrayList<>();
        claimed.clear();
        boolean late = now - stopDeadline >= 0 || pace.pausedUntil() - stopDeadline >= 0;
        if (late) {
            for (Entry e : ready) {
                if (e.maybeDelivered) record(e, 0, "send unfinished at shutdown");
                else marked.add(e);
            }
            ready.clear();
        }
        if (!back.isEmpty() || !marked.isEmpty()) {
            releasing = true;
            Long[] ids = back.stream().map(e -> e.o.id()).toArray(Long[]::new);
            Long[] sending = marked.stream().map(e -> e.o.id()).toArray(Long[]::new);
            back.addAll(marked);
            back.forEach(e -> {
                chatsInHand.remove(e.chat());
                inHand.remove(e.o.id());
            });
            outbox.release(ids, sending, owner).timeout(Duration.ofSeconds(10), timer).subscribe(
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
        boolean written = claimed.isEmpty() && ready.isEmpty() && !releasing && !writing && outIds.isEmpty();
        if (now - stopDeadline < 0) return written && !claiming && !marking && inFlight == 0;
        return written || now - stopDeadline >= FINAL_WRITES;
    }

    private void halt() {
        state = State.STOPPED;
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
        return call.retryWhen(Retry.backoff(12, Duration.ofMillis(200)).maxBackoff(Duration.ofSeconds(8))
                .scheduler(timer)
                .doBeforeRetry(rs -> log.warn("database call failed, retrying: {}", rs.failure().toString())));
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

    private void evictIdleChats(long now) {
        lastEviction = now;
        chatFreeAt.values().removeIf(free -> free - now < 0);
        unreachableAt.values().removeIf(at -> now - at > UNREACHABLE_MEMORY.toNanos());
    }

    private boolean unreachableSince(Entry e) {
        Long at = unreachableAt.get(e.chat());
        return at != null && at - e.claimedAt > 0;
    }

    private long now() {
        return clock.getAsLong();
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) : s;
    }

    public long sentCount() { return sent.get(); }
    public long failedCount() { return failed.get(); }
    public long rateLimitedCount() { return rateLimited.get(); }
}
