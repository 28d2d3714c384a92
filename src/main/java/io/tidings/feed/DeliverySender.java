package io.tidings.feed;

import io.tidings.store.DeliveryRepository;
import io.tidings.store.DeliveryRepository.Outgoing;
import io.tidings.store.ReaderRepository;
import io.tidings.telegram.PostRenderer;
import io.tidings.telegram.TelegramClient;
import io.tidings.telegram.TelegramException;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.retry.Retry;

/**
 * Drains the delivery outbox into Telegram at the configured rate: claims batches under a lease,
 * keeps at most one message per second per chat, pauses all sending for {@code retry_after} on a 429,
 * stops delivering to readers who blocked the bot, retries 5xx with backoff, and records the outcome.
 * A delivery that was claimed but whose outcome was never recorded (a crash mid-send) is not sent again:
 * a duplicate message annoys a reader more than a missed one.
 */
public final class DeliverySender {

    private static final Logger log = LoggerFactory.getLogger(DeliverySender.class);
    private static final Duration PER_CHAT_GAP = Duration.ofSeconds(1);

    private final DeliveryRepository deliveries;
    private final ReaderRepository readers;
    private final TelegramClient telegram;
    private final PostRenderer renderer;
    private final String owner;
    private volatile long sendSlotNanos;
    private final AtomicLong nextSendSlotNanos = new AtomicLong(System.nanoTime());
    private final AtomicLong lastSendNanos = new AtomicLong(System.nanoTime() - 1_000_000_000L);
    private final int concurrency;
    private final Duration lease = Duration.ofMinutes(2);
    private final Duration idlePoll;
    private final Sinks.Many<Boolean> wake = Sinks.many().multicast().onBackpressureBuffer(1, false);
    private final AtomicLong pausedUntilNanos = new AtomicLong(System.nanoTime());
    private final ConcurrentHashMap<Long, Long> chatFreeAtNanos = new ConcurrentHashMap<>();
    // readers found unreachable here, and when: deliveries claimed before that are not sent any more
    private final ConcurrentHashMap<Long, Long> unreachableAtNanos = new ConcurrentHashMap<>();
    private static final Duration UNREACHABLE_MEMORY = Duration.ofMinutes(30);
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong rateLimited = new AtomicLong();

    public DeliverySender(DeliveryRepository deliveries, ReaderRepository readers, TelegramClient telegram,
                          PostRenderer renderer, String owner, double messagesPerSecond, Duration idlePoll) {
        this.deliveries = deliveries;
        this.readers = readers;
        this.telegram = telegram;
        this.renderer = renderer;
        this.owner = owner;
        this.idlePoll = idlePoll;
        // one send per slot of 1/rate seconds: sends are spread evenly instead of bursting each second.
        // (Resilience4j's AtomicRateLimiter parks the thread on contention: not allowed on Reactor's threads.)
        this.sendSlotNanos = slot(messagesPerSecond);
        this.concurrency = (int) Math.max(4, Math.min(256, messagesPerSecond * 2));
    }

    /**
     * Changes the send rate (this replica's share of the token's budget). Slots reserved from now on use it;
     * sends already waiting for their slot keep it.
     */
    public void setRate(double messagesPerSecond) {
        this.sendSlotNanos = slot(messagesPerSecond);
    }

    private static long slot(double messagesPerSecond) {
        if (!(messagesPerSecond > 0)) throw new IllegalArgumentException("the send rate must be positive");
        return (long) (1_000_000_000L / messagesPerSecond);
    }

    /** Asks the sender to look at the outbox now instead of at its next poll. */
    public void wake() {
        wake.tryEmitNext(Boolean.TRUE); // a full buffer means a wake-up is already pending
    }

    /** Starts the send loop; dispose to stop it. */
    public Disposable start() {
        return Flux.merge(Flux.interval(Duration.ZERO, idlePoll).map(t -> Boolean.TRUE), wake.asFlux())
                .onBackpressureLatest()
                .concatMap(t -> drain().onErrorResume(e -> {
                    log.warn("outbox drain failed, will retry: {}", e.toString());
                    return Mono.empty();
                }), 1)
                .subscribe();
    }

    /** Sends everything due now; completes when the outbox has nothing due. */
    public Mono<Void> drain() {
        return Mono.defer(this::drainBatch).repeat().takeWhile(n -> n > 0).then();
    }

    private Mono<Long> drainBatch() {
        evictIdleChats();
        long claimedAt = System.nanoTime();
        return deliveries.claim(owner, lease, concurrency)
                .flatMap(o -> send(o, claimedAt), concurrency)
                .count();
    }

    private Mono<Void> send(Outgoing o, long claimedAt) {
        return Mono.defer(() -> waitForPause()
                        .then(Mono.defer(() -> Mono.delay(chatDelay(o.readerId()))))
                        .then(Mono.defer(() -> Mono.delay(sendDelay())))
                        .then(spacedFromLastSend())
                        .then(Mono.defer(() -> foundUnreachableSince(o.readerId(), claimedAt)
                                // claimed together with the delivery that found the reader gone: waiting for
                                // its slot, it missed dropQueued; sending it would only earn another 403
                                ? Mono.error(new ReaderGone())
                                : telegram.execute(renderer.render(o.readerId(), o.language(), o.post())))))
                .retryWhen(Retry.from(signals -> signals.concatMap(rs -> {
                    Throwable e = rs.failure();
                    if (e instanceof TelegramException.RetryAfter ra && rs.totalRetries() < 10) {
                        rateLimited.incrementAndGet();
                        pauseFor(ra.retryAfter());
                        return Mono.just(rs.totalRetries());
                    }
                    if (e instanceof TelegramException.Transient && rs.totalRetries() < 3) {
                        return Mono.delay(Duration.ofMillis(500L << rs.totalRetries()));
                    }
                    return Mono.error(e);
                })))
                .flatMap(response -> {
                    sent.incrementAndGet();
                    return deliveries.markSent(o.id(), response.message() == null ? 0 : response.message().messageId());
                })
                .onErrorResume(ReaderGone.class, e -> {
                    failed.incrementAndGet();
                    return deliveries.markFailed(o.id(), "unreachable");
                })
                .onErrorResume(TelegramException.Unreachable.class, e -> {
                    failed.incrementAndGet();
                    unreachableAtNanos.merge(o.readerId(), System.nanoTime(), Math::max);
                    log.info("reader {} cannot be reached ({}): stopping deliveries to them", o.readerId(), e.getMessage());
                    return readers.markUnreachable(o.readerId())
                            .then(deliveries.markFailed(o.id(), "unreachable"))
                            .then(deliveries.dropQueued(o.readerId(), "unreachable"));
                })
                .onErrorResume(e -> {
                    failed.incrementAndGet();
                    if (e instanceof TelegramException) log.warn("delivery {} failed: {}", o.id(), e.toString());
                    else log.warn("delivery {} failed unexpectedly", o.id(), e); // a bug: show where
                    return deliveries.markFailed(o.id(), abbreviate(e.toString()));
                })
                .then();
    }

    /**
     * Slots are reserved ahead, so a stall (GC, a slow claim, cold connections) can make several waiters fire
     * together. Before each send, check the real gap since the last send and wait out what is missing: the
     * rate seen by Telegram never exceeds the configured one, whatever happened meanwhile.
     */
    private Mono<Void> spacedFromLastSend() {
        return Mono.defer(() -> {
            long now = System.nanoTime();
            long last = lastSendNanos.get();
            long missing = last + sendSlotNanos - now;
            if (missing <= 0 && lastSendNanos.compareAndSet(last, now)) return Mono.empty();
            return Mono.delay(Duration.ofNanos(Math.max(missing, 50_000))).then(spacedFromLastSend());
        });
    }

    private Mono<Void> waitForPause() {
        long wait = pausedUntilNanos.get() - System.nanoTime();
        return wait > 0 ? Mono.delay(Duration.ofNanos(wait)).then() : Mono.empty();
    }

    private void pauseFor(Duration d) {
        long until = System.nanoTime() + d.toNanos();
        pausedUntilNanos.accumulateAndGet(until, Math::max);
        log.warn("Telegram asked to slow down: all sending paused for {} s", d.toSeconds());
    }

    /** Reserves the next free send slot (lock-free) and returns how long to wait for it. */
    private Duration sendDelay() {
        long now = System.nanoTime();
        long free = nextSendSlotNanos.getAndUpdate(f -> Math.max(now, f) + sendSlotNanos);
        return Duration.ofNanos(Math.max(0, free - now));
    }

    /** Reserves the chat's next free second and returns how long to wait for it. */
    private Duration chatDelay(long chat) {
        long now = System.nanoTime();
        long slot = chatFreeAtNanos.compute(chat, (k, free) -> Math.max(now, free == null ? now : free) + PER_CHAT_GAP.toNanos());
        long start = slot - PER_CHAT_GAP.toNanos();
        return Duration.ofNanos(Math.max(0, start - now));
    }

    private void evictIdleChats() {
        long now = System.nanoTime();
        chatFreeAtNanos.values().removeIf(free -> free < now);
        unreachableAtNanos.values().removeIf(at -> now - at > UNREACHABLE_MEMORY.toNanos());
    }

    private boolean foundUnreachableSince(long reader, long claimedAt) {
        Long at = unreachableAtNanos.get(reader);
        return at != null && at - claimedAt > 0;
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
}
