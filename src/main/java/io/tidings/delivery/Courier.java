package io.tidings.delivery;

import io.tidings.render.PostRenderer;
import io.tidings.render.RenderedPost;
import io.tidings.store.DeliveryRepository.Outgoing;
import io.tidings.telegram.TelegramClient;
import reactor.core.publisher.Mono;

/** Hands one delivery to Telegram. A test may give its own to run the sender on virtual time. */
interface Courier {

    /** One delivery's call, resuming after the parts an earlier attempt already sent ({@link Outgoing#partsSent()}). */
    interface Attempt {
        /** Sends the parts not sent yet; emits the Telegram message id of the last. Resubscribing resumes. */
        Mono<Integer> send();

        /** Parts that reached Telegram so far (stored with the row when it goes back to the queue). */
        int partsSent();
    }

    Attempt prepare(Outgoing o);

    /**
     * When a message to {@code chat} may leave by the pace all of this replica's messages keep (replies to commands
     * too); {@link Long#MIN_VALUE} when the courier keeps none.
     */
    default long chatFreeAt(long chat) {
        return Long.MIN_VALUE;
    }

    /** Completes when Telegram accepts the bot token (at once, normally). */
    default Mono<Void> whenAccessible() {
        return Mono.empty();
    }

    static Courier of(TelegramClient telegram, PostRenderer renderer) {
        return new Courier() {
            @Override
            public Attempt prepare(Outgoing o) {
                RenderedPost parts = (o.isDigest() ? renderer.renderDigest(o.readerId(), o.language(), o.digest())
                        : renderer.renderPost(o.readerId(), o.language(), o.post())).resumeAfter(o.partsSent());
                return new Attempt() {
                    @Override
                    public Mono<Integer> send() {
                        // its place in the send rate was taken by the sender (SendPace)
                        return TelegramClient.budgeted(Mono.defer(() -> parts.send(telegram)))
                                .map(r -> r.message() == null ? 0 : r.message().messageId());
                    }

                    @Override
                    public int partsSent() {
                        return parts.partsSent();
                    }
                };
            }

            @Override
            public long chatFreeAt(long chat) {
                return telegram.chatFreeAt(chat);
            }

            @Override
            public Mono<Void> whenAccessible() {
                return telegram.whenAccessible();
            }
        };
    }
}
