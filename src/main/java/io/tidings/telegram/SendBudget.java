package io.tidings.telegram;

import reactor.core.publisher.Mono;

/**
 * The replica's share of the bot's send rate (Telegram allows about 30 messages a second per token), as kept by whoever
 * sends most (the outbox's sender). Messages that do not come from there (replies to commands, alerts) take their turn
 * in it through the {@link TelegramClient}, so that together they never go over it.
 */
public interface SendBudget {

    /** Completes when one more message may leave now (first in line, before the outbox's next). */
    Mono<Void> take();

    /** The message a {@link #take()} let go was answered, or failed. */
    void answered();
}
