package io.tidings.delivery;

import io.tidings.telegram.SendBudget;
import java.util.ArrayDeque;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * Turns in this replica's share of the send rate for messages that are not the outbox's (replies to commands,
 * alerts): each waits for the pace and goes before the next delivery, so together they keep to the rate. While the
 * sender is not running (before start, stopped, or while Telegram refuses the token) a turn is given at once.
 * The queue is touched only on the send loop.
 */
final class ReplyTurns implements SendBudget {

    private final DeliverySender sender;
    private final SendPace pace;
    private final ArrayDeque<MonoSink<Void>> waiting = new ArrayDeque<>();

    ReplyTurns(DeliverySender sender, SendPace pace) {
        this.sender = sender;
        this.pace = pace;
    }

    @Override
    public Mono<Void> take() {
        return Mono.create(sink -> {
            boolean looping = sender.hop(() -> {
                if (sender.sending()) {
                    waiting.add(sink);
                } else {
                    sink.success();
                }
            });
            if (!looping) sink.success();
            sink.onCancel(() -> sender.hop(() -> waiting.remove(sink)));
        });
    }

    @Override
    public void answered() {
        sender.hop(() -> pace.answered(sender.now()));
    }

    /**
     * Lets waiting replies go while the pace allows; with {@code accessRefused} all at once (they fail without a
     * request). Returns when to look again.
     */
    long grant(long now, boolean accessRefused) {
        while (!waiting.isEmpty()) {
            if (accessRefused) {
                waiting.poll().success();
                continue;
            }
            long allowed = pace.nextAllowed(now);
            if (allowed == SendPace.NEVER) return SendPace.NEVER; // woken by the next answer
            if (allowed - now > 0) return allowed;
            pace.sent(now);
            waiting.poll().success();
        }
        return SendPace.NEVER;
    }

    /** The sender stops: every waiting reply goes at once. */
    void releaseAll() {
        while (!waiting.isEmpty()) waiting.poll().success();
    }
}
