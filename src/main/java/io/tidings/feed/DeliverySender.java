package io.tidings.feed;

import io.tidings.store.DeliveryRepository;
import io.tidings.store.DeliveryRepository.Outgoing;
import io.tidings.store.ReaderRepository;
import io.tidings.telegram.PostRenderer;
import io.tidings.telegram.RenderedPost;
import io.tidings.telegram.TelegramClient;
import io.tidings.telegram.TelegramException;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * Drains the delivery outbox into Telegram at the configured rate: claims batches under a lease (the next
 * batch is claimed while the current one sends, so the rate has no gaps), spaces sends evenly at the global
 * rate and at most one per second per chat, pauses all sending for {@code retry_after} on a 429 and retries
 * the message, stops delivering to readers who blocked the bot, retries 5xx and timeouts with backoff and
 * pauses everything when they keep coming (a circuit breaker), and records the outcome.
 *
 * <p>A claimed delivery becomes "sending" only just before its Telegram call, and only if the claim is still
 * this sender's; a delivery whose outcome was never recorded after that (a crash mid-send) is not sent
 * again: a duplicate message annoys a reader more than a missed one.
 */
public final class DeliverySender {

    private static final Logger log = LoggerFactory.getLogger(DeliverySender.class);
    private static final long PER_CHAT_GAP = Duration.ofSeconds(1).toNanos();
    /** Between two calls to one chat, measured when they leave: a second plus what the network may shift. */
    private static final long CHAT_GUARD = Duration.ofMillis(1050).toNanos();
    private static final Duration UNREACHABLE_MEMORY = Duration.ofMinutes(30);
    /** 5xx or timeouts in a row that open the breaker. */
    private static final int BREAKER_FAILURES = 5;
    private static final Duration BREAKER_MIN = Duration.ofSeconds(5);
    private static final Duration BREAKER_MAX = Duration.ofMinutes(2);
    /** Attempts (claims) of a delivery that keeps meeting 5xx before it is given up. */
    private static final int MAX_ATTEMPTS = 5;
    public static final double MAX_RATE = 1000;
    /** How late a send may leave after its slot before it takes a new one. */
    private static final long LATE = Duration.ofMillis(8).toNanos();
    /** Sends are spaced for this share of the configured rate: timers and the network jitter a little. */
    private static final double HEADROOM = 0.98;

    private final DeliveryRepository deliveries;
    private final ReaderRepository readers;
    private final TelegramClient telegram;
    private final PostRenderer renderer;
    private final String owner;
    private final Scheduler timer;
    private final java.util.function.LongSupplier clock; // System.nanoTime, or the virtual scheduler's time in tests
    private volatile long sendSlotNanos;
    private final AtomicLong nextSendSlotNanos;
    private final Duration lease;
    private final Duration idlePoll;
    private final Sinks.Many<Boolean> wake = Sinks.many().multicast().onBackpressureBuffer(1, false);
    private final AtomicLong pausedUntilNanos;
    private final ConcurrentHashMap<Long, Long> chatFreeAtNanos = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Long> chatSentAtNanos = new ConcurrentHashMap<>();
    // readers found unreachable here, and when: deliveries claimed before that are not sent any more
    private final ConcurrentHashMap<Long, Long> unreachableAtNanos = new ConcurrentHashMap<>();
    private final AtomicInteger failuresInARow = new AtomicInteger();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong rateLimited = new AtomicLong();
    private final AtomicLong requeued = new AtomicLong();

    public DeliverySender(DeliveryRepository deliveries, ReaderRepository readers, TelegramClient telegram,
                          PostRenderer renderer, String owner, double messagesPerSecond, Duration idlePoll) {
        this(deliveries, readers, telegram, renderer, owner, messagesPerSecond, idlePoll, Duration.ofMinutes(2),
                Schedulers.parallel(), System::nanoTime);
    }

    /** As above, with the claim lease and the scheduler that times every wait (inject a virtual one in tests). */
    public DeliverySender(DeliveryRepository deliveries, ReaderRepository readers, TelegramClient telegram,
                          PostRenderer renderer, String owner, double messagesPerSecond, Duration idlePoll,
                          Duration lease, Scheduler timer) {
        this(deliveries, readers, telegram, renderer, owner, messagesPerSecond, idlePoll, lease, timer,
                () -> timer.now(TimeUnit.NANOSECONDS));
    }

    private DeliverySender(DeliveryRepository deliveries, ReaderRepository readers, TelegramClient telegram,
                           PostRenderer renderer, String owner, double messagesPerSecond, Duration idlePoll,
                           Duration lease, Scheduler timer, java.util.function.LongSupplier clock) {
        this.clock = clock;
        this.deliveries = deliveries;
        this.readers = readers;
        this.telegram = telegram;
        this.renderer = renderer;
        this.owner = owner;
        this.idlePoll = idlePoll;
        this.lease = lease;
        this.timer = timer;
        this.nextSendSlotNanos = new AtomicLong(now());
        this.pausedUntilNanos = new AtomicLong(now());
        setRate(messagesPerSecond);
    }

    /**
     * Changes the global send rate at once (messages per second, up to {@value #MAX_RATE}): for a budget shared
     * between replicas, or a paid broadcast. Sends already spaced keep their slots.
     */
    public void setRate(double messagesPerSecond) {
        if (!(messagesPerSecond > 0) || messagesPerSecond > MAX_RATE) {
            throw new IllegalArgumentException("send rate must be in (0, " + MAX_RATE + "]: " + messagesPerSecond);
        }
        // one send per slot of 1/rate seconds: sends are spread evenly instead of bursting each second.
        // (Resilience4j's AtomicRateLimiter parks the thread on contention: not allowed on Reactor's threads.)
        this.sendSlotNanos = (long) (1_000_000_000L / (messagesPerSecond * HEADROOM));
    }

    public double rate() {
        return 1e9 / sendSlotNanos / HEADROOM;
    }

    /** Claimed deliveries in flight: enough to keep the rate while each call takes up to about two seconds. */
    private int concurrency() {
        return (int) Math.max(4, Math.min(512, rate() * 2));
    }

    /** Asks the sender to look at the outbox now instead of at its next poll. */
    public void wake() {
        wake.tryEmitNext(Boolean.TRUE); // a full buffer means a wake-up is already pending
    }

    /** Starts the send loop and the lease keeper (a dead worker's claims are taken over); dispose to stop both. */
    public Disposable start() {
        Disposable sending = Flux.merge(Flux.interval(Duration.ZERO, idlePoll, timer).map(t -> Boolean.TRUE), wake.asFlux())
                .onBackpressureLatest()
                .concatMap(t -> drain().onErrorResume(e -> {
                    log.warn("outbox drain failed, will retry: {}", e.toString());
                    return Mono.empty();
                }), 1)
                .subscribe();
        Duration every = lease.dividedBy(4).compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : lease.dividedBy(4);
        Disposable leases = Flux.interval(every, every, timer)
                .onBackpressureDrop()
                .concatMap(t -> expireLeases().onErrorResume(e -> Mono.empty()), 1)
                .subscribe();
        return Disposables.composite(sending, leases);
    }

    /** Re-queues expired claims and fails expired sends (see the class comment); wakes the sender if any came back. */
    public Mono<DeliveryRepository.Expired> expireLeases() {
        return deliveries.expireLeases().doOnNext(x -> {
            if (x.requeued() > 0 || x.failed() > 0) {
                log.info("leases expired: {} claimed deliveries re-queued, {} in-flight sends given up", x.requeued(), x.failed());
            }
            if (x.requeued() > 0) wake();
        });
    }

    /** Sends everything due now; completes when the outbox has nothing due. */
    public Mono<Void> drain() {
        return Mono.defer(() -> {
            int batch = concurrency();
            return Mono.defer(() -> {
                        evictIdleChats();
                        long claimedAt = now();
                        return deliveries.claim(owner, lease, batch).map(o -> new Claimed(o, claimedAt)).collectList();
                    })
                    .repeat()
                    .takeWhile(list -> !list.isEmpty())
                    // one batch claimed ahead while this one sends: no gap between batches
                    .concatMapIterable(list -> list, 1)
                    .flatMap(c -> send(c.outgoing(), c.claimedAt()), batch)
                    .then();
        });
    }

    private record Claimed(Outgoing outgoing, long claimedAt) {}

    private Mono<Void> send(Outgoing o, long claimedAt) {
        return Mono.defer(() -> waitForPause()
                        .then(Mono.defer(() -> Mono.delay(chatDelay(o.readerId()), timer))))
                .then(Mono.defer(() -> foundUnreachableSince(o.readerId(), claimedAt)
                        // claimed together with the delivery that found the reader gone: waiting for its slot,
                        // it missed dropQueued; sending it would only earn another 403
                        ? Mono.error(new ReaderGone())
                        : db(deliveries.markSending(o.id(), owner, lease))))
                .flatMap(mine -> mine == 0 ? Mono.<Void>empty() // taken over or dropped meanwhile: not ours to send
                        : telegramCall(o).then())
                .onErrorResume(ReaderGone.class, e -> {
                    failed.incrementAndGet();
                    return db(deliveries.markFailed(o.id(), "unreachable")).then();
                })
                .onErrorResume(e -> {
                    // the database stayed away: the row keeps its lease and is taken over when it expires
                    log.warn("delivery {} left to its lease: {}", o.id(), e.toString());
                    return Mono.empty();
                });
    }

    private Mono<Void> telegramCall(Outgoing o) {
        // rendered once: a retry resumes after the parts already sent (an album is not sent twice)
        RenderedPost parts = renderer.renderPost(o.readerId(), o.language(), o.post());
        // the slot is taken right before the call (and again for each retry), so nothing sits between them.
        // An album's lead part shares the slot of its button message: albums are rare, the pacing is per delivery.
        return sendSlot(o.readerId(), 0).then(Mono.defer(() -> parts.send(telegram)))
                .retryWhen(Retry.from(signals -> signals.concatMap(rs -> {
                    Throwable e = rs.failure();
                    if (e instanceof TelegramException.RetryAfter ra && rs.totalRetries() < 10) {
                        rateLimited.incrementAndGet();
                        pauseFor(ra.retryAfter(), "Telegram asked to slow down");
                        return Mono.just(rs.totalRetries()); // the next slot comes after the pause
                    }
                    if (e instanceof TelegramException.Transient && rs.totalRetries() < 3) {
                        breakerFailure();
                        return Mono.delay(Duration.ofMillis(500L << rs.totalRetries()), timer).thenReturn(rs.totalRetries());
                    }
                    return Mono.error(e);
                })))
                .flatMap(response -> {
                    sent.incrementAndGet();
                    failuresInARow.set(0);
                    return db(deliveries.markSent(o.id(), response.message() == null ? 0 : response.message().messageId()));
                })
                .onErrorResume(e -> e instanceof TelegramException.Unreachable, e -> {
                    failed.incrementAndGet();
                    unreachableAtNanos.merge(o.readerId(), now(), Math::max);
                    log.info("reader {} cannot be reached ({}): stopping deliveries to them", o.readerId(), e.getMessage());
                    return db(readers.markUnreachable(o.readerId()))
                            .then(db(deliveries.markFailed(o.id(), "unreachable")))
                            .then(db(deliveries.dropQueued(o.readerId(), "unreachable")));
                })
                .onErrorResume(e -> e instanceof TelegramException.Transient, e -> {
                    breakerFailure();
                    if (o.attempts() < MAX_ATTEMPTS) {
                        // Telegram answered 5xx (nothing was sent) or did not answer: try again later, behind the others
                        requeued.incrementAndGet();
                        return db(deliveries.requeue(o.id(), Duration.ofSeconds(30L * o.attempts())));
                    }
                    failed.incrementAndGet();
                    log.warn("delivery {} failed after {} attempts: {}", o.id(), o.attempts(), e.toString());
                    return db(deliveries.markFailed(o.id(), abbreviate(e.toString())));
                })
                .onErrorResume(e -> !(e instanceof DatabaseAway), e -> {
                    failed.incrementAndGet();
                    if (e instanceof TelegramException) log.warn("delivery {} failed: {}", o.id(), e.toString());
                    else log.warn("delivery {} failed unexpectedly", o.id(), e); // a bug: show where
                    return db(deliveries.markFailed(o.id(), abbreviate(e.toString())));
                })
                .then();
    }

    /** A database write that must not be lost to a short outage: retried with backoff for about a minute. */
    private Mono<Long> db(Mono<Long> write) {
        return write.retryWhen(Retry.backoff(12, Duration.ofMillis(200)).maxBackoff(Duration.ofSeconds(8))
                .scheduler(timer)
                .filter(e -> !(e instanceof TelegramException))
                .doBeforeRetry(rs -> log.warn("database write failed, retrying: {}", rs.failure().toString()))
                .onRetryExhaustedThrow((spec, rs) -> new DatabaseAway(rs.failure())));
    }

    /** A database write that failed for about a minute: the delivery is left to its lease. */
    private static final class DatabaseAway extends RuntimeException {
        DatabaseAway(Throwable cause) {
            super("database unavailable: " + cause, cause, false, false);
        }
    }

    private void breakerFailure() {
        int n = failuresInARow.incrementAndGet();
        if (n >= BREAKER_FAILURES) {
            long factor = Math.min(1L << Math.min(10, n - BREAKER_FAILURES), BREAKER_MAX.dividedBy(BREAKER_MIN));
            pauseFor(BREAKER_MIN.multipliedBy(factor), n + " server errors or timeouts in a row");
        }
    }

    private Mono<Void> waitForPause() {
        long wait = pausedUntilNanos.get() - now();
        return wait > 0 ? Mono.delay(Duration.ofNanos(wait), timer).then() : Mono.empty();
    }

    private void pauseFor(Duration d, String why) {
        long until = now() + d.toNanos();
        long before = pausedUntilNanos.getAndAccumulate(until, Math::max);
        if (until > before) log.warn("{}: all sending paused for {} ms", why, d.toMillis());
    }

    /**
     * Waits for a send slot of its own. A slot missed by more than {@link #LATE} (a pause came, or the thread
     * was late) is given up for a new one rather than used late, so sends never bunch up: any second holds at
     * most the rate's worth of them.
     */
    private Mono<Void> sendSlot(long chat, int tries) {
        return Mono.defer(() -> {
            long slot = reserveSlot();
            long wait = slot - now();
            return (wait > 0 ? Mono.delay(Duration.ofNanos(wait), timer).then() : Mono.<Void>empty())
                    .then(Mono.defer(() -> {
                        long now = now();
                        if (pausedUntilNanos.get() - now > 0) return waitForPause().then(sendSlot(chat, tries + 1));
                        if (now - slot > LATE && tries < 5) return sendSlot(chat, tries + 1);
                        // the chat's last message really left at least a second ago, or wait and take a new slot
                        long[] chatWait = {0};
                        chatSentAtNanos.compute(chat, (k, last) -> {
                            if (last == null || now - last >= CHAT_GUARD) return now;
                            chatWait[0] = last + CHAT_GUARD - now;
                            return last;
                        });
                        return chatWait[0] > 0
                                ? Mono.delay(Duration.ofNanos(chatWait[0]), timer).then(sendSlot(chat, tries + 1))
                                : Mono.<Void>empty();
                    }));
        });
    }

    /** Reserves the next free send slot (lock-free); never before the end of a pause. */
    private long reserveSlot() {
        long now = Math.max(now(), pausedUntilNanos.get());
        long gap = sendSlotNanos;
        return nextSendSlotNanos.getAndUpdate(f -> Math.max(now, f) + gap);
    }

    /** Reserves the chat's next free second and returns how long to wait for it. */
    private Duration chatDelay(long chat) {
        long now = now();
        long slot = chatFreeAtNanos.compute(chat, (k, free) -> Math.max(now, free == null ? now : free) + PER_CHAT_GAP);
        long start = slot - PER_CHAT_GAP;
        return Duration.ofNanos(Math.max(0, start - now));
    }

    private void evictIdleChats() {
        long now = now();
        chatFreeAtNanos.values().removeIf(free -> free < now);
        chatSentAtNanos.values().removeIf(at -> now - at > CHAT_GUARD);
        unreachableAtNanos.values().removeIf(at -> now - at > UNREACHABLE_MEMORY.toNanos());
    }

    private boolean foundUnreachableSince(long reader, long claimedAt) {
        Long at = unreachableAtNanos.get(reader);
        return at != null && at - claimedAt > 0;
    }

    private long now() {
        return clock.getAsLong();
    }

    /** A claimed delivery to a reader found unreachable after the claim: not sent. */
    private static final class ReaderGone extends RuntimeException {
        ReaderGone() {
            super("reader found unreachable after the claim", null, false, false);
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) : s;
    }

    public long sentCount() { return sent.get(); }
    public long failedCount() { return failed.get(); }
    public long rateLimitedCount() { return rateLimited.get(); }
    public long requeuedCount() { return requeued.get(); }
}
