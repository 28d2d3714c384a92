package io.tidings.feed;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.reactor.ratelimiter.operator.RateLimiterOperator;
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
    private volatile RateLimiter rate;
    private volatile double ratePerSecond;
    private final int concurrency;
    private final Duration lease = Duration.ofMinutes(2);
    private final Duration idlePoll;
    private final Sinks.Many<Boolean> wake = Sinks.many().multicast().onBackpressureBuffer(1, false);
    private final AtomicLong pausedUntilNanos = new AtomicLong(System.nanoTime());
    private final ConcurrentHashMap<Long, Long> chatFreeAtNanos = new ConcurrentHashMap<>();
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
        this.rate = limiter(messagesPerSecond);
        this.ratePerSecond = messagesPerSecond;
        this.concurrency = (int) Math.max(4, Math.min(256, messagesPerSecond * 2));
    }

    /**
     * Changes the send rate (this replica's share of the token's budget). Batches claimed from now on
     * use it; sends already waiting for a permit keep the old one.
     */
    public synchronized void setRate(double messagesPerSecond) {
        if (!(messagesPerSecond > 0)) throw new IllegalArgumentException("the send rate must be positive");
        if (messagesPerSecond == ratePerSecond) return; // a new limiter would hand out one extra permit
        this.rate = limiter(messagesPerSecond);
        this.ratePerSecond = messagesPerSecond;
    }

    private static RateLimiter limiter(double messagesPerSecond) {
        // one permit per slot of 1/rate seconds: sends are spread evenly instead of bursting each second
        return RateLimiter.of("telegram-send", RateLimiterConfig.custom()
                .limitForPeriod(1)
                .limitRefreshPeriod(Duration.ofNanos((long) (1_000_000_000L / messagesPerSecond)))
                .timeoutDuration(Duration.ofMinutes(5))
                .build());
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
        return deliveries.claim(owner, lease, concurrency)
                .flatMap(this::send, concurrency)
                .count();
    }

    private Mono<Void> send(Outgoing o) {
        return Mono.defer(() -> waitForPause()
                        .then(Mono.defer(() -> Mono.delay(chatDelay(o.readerId()))))
                        .then(Mono.just(o).transformDeferred(RateLimiterOperator.of(rate)))
                        .then(Mono.defer(() -> telegram.execute(renderer.render(o.readerId(), o.language(), o.post())))))
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
                .onErrorResume(TelegramException.Unreachable.class, e -> {
                    failed.incrementAndGet();
                    log.info("reader {} cannot be reached ({}): stopping deliveries to them", o.readerId(), e.getMessage());
                    return readers.markUnreachable(o.readerId())
                            .then(deliveries.markFailed(o.id(), "unreachable"))
                            .then(deliveries.dropQueued(o.readerId(), "unreachable"));
                })
                .onErrorResume(e -> {
                    failed.incrementAndGet();
                    log.warn("delivery {} failed: {}", o.id(), e.toString());
                    return deliveries.markFailed(o.id(), abbreviate(e.toString()));
                })
                .then();
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
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) : s;
    }

    public long sentCount() { return sent.get(); }
    public long failedCount() { return failed.get(); }
    public long rateLimitedCount() { return rateLimited.get(); }
}
