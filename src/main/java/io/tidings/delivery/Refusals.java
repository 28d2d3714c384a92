package io.tidings.delivery;

import io.tidings.store.DeliveryRepository.Outcome;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the sender does with a send that failed, as {@link FailurePolicy} decides: waits out a 429 and sends it first,
 * tries again soon, re-queues it with the parts already sent, records it unknown or failed, stops sending to a reader
 * who blocked the bot, stops all sending while Telegram refuses the token; and the circuit breaker: 5xx or timeouts in
 * a row pause all sending, longer each time. Touched only on the send loop.
 */
final class Refusals {

    private static final Logger log = LoggerFactory.getLogger(Refusals.class);
    /** 5xx or timeouts in a row that open the breaker. */
    private static final int BREAKER_FAILURES = 5;
    private static final Duration BREAKER_MIN = Duration.ofSeconds(5);
    private static final Duration BREAKER_MAX = Duration.ofMinutes(2);

    private final DeliverySender sender;
    private final Outbox outbox;
    private final ClaimWindow window;
    private final String owner;
    private int failuresInARow;
    final AtomicLong unknown = new AtomicLong();
    final AtomicLong rateLimited = new AtomicLong();

    Refusals(DeliverySender sender, Outbox outbox, ClaimWindow window, String owner) {
        this.sender = sender;
        this.outbox = outbox;
        this.window = window;
        this.owner = owner;
    }

    /** A send went through: the breaker's count starts again. */
    void succeeded() {
        failuresInARow = 0;
    }

    /** Carries out {@link FailurePolicy}'s decision for a failed send. */
    void refused(Entry e, Throwable err, long now) {
        FailurePolicy.Decision d = FailurePolicy.decide(err, e);
        switch (d.kind()) {
            case RATE_LIMITED -> {
                e.rateLimitedRetries++;
                rateLimited.incrementAndGet();
                sender.pauseFor(d.delay(), "Telegram asked to slow down");
                window.readyFirst(e); // first after the pause
            }
            case ACCESS_REFUSED -> {
                window.readyFirst(e); // nothing was sent
                sender.refuseAccess();
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
                sender.db(outbox.requeue(e.id(), owner, d.delay(), parts)).subscribe(
                        n -> { if (n == 0) log.info("delivery {} was no longer ours to re-queue", e.id()); },
                        x -> log.warn("delivery {} left to its lease: {}", e.id(), x.toString()));
            }
            case UNKNOWN -> {
                breakerFailure();
                unknown.incrementAndGet();
                log.warn("delivery {} to reader {} may or may not have arrived ({}): recorded unknown, not sent again",
                        e.id(), e.chat(), d.reason());
                sender.record(e, Outcome.unknown(e.id(), d.reason()));
            }
            case UNREACHABLE -> {
                window.unreachable(e.chat(), now);
                log.info("reader {} cannot be reached ({}): stopping deliveries to them", e.chat(), err.getMessage());
                sender.record(e, Outcome.failed(e.id(), "unreachable"));
                sender.db(outbox.readerUnreachable(e.chat())).subscribe(x -> { },
                        x -> log.warn("reader {} not marked unreachable: {}", e.chat(), x.toString()));
            }
            case FAILED -> {
                if (err instanceof io.tidings.telegram.TelegramException) log.warn("delivery {} failed: {}", e.id(), d.reason());
                else log.warn("delivery {} failed unexpectedly", e.id(), err);
                sender.record(e, Outcome.failed(e.id(), d.reason()));
            }
        }
    }

    private void breakerFailure() {
        int n = ++failuresInARow;
        if (n >= BREAKER_FAILURES) {
            long factor = Math.min(1L << Math.min(10, n - BREAKER_FAILURES), BREAKER_MAX.dividedBy(BREAKER_MIN));
            sender.pauseFor(BREAKER_MIN.multipliedBy(factor), n + " server errors or timeouts in a row");
        }
    }
}
