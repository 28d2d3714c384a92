package io.tidings.delivery;

import io.tidings.store.DeliveryRepository.Outgoing;
import io.tidings.render.PostRenderer;
import io.tidings.render.RenderedPost;
import io.tidings.telegram.TelegramClient;
import reactor.core.publisher.Mono;

/** Hands one delivery to Telegram. A test may give its own to run the sender on virtual time. */
interface Courier {

    /**
     * The call that delivers {@code o}: emits the Telegram message id of its last part. Subscribing again (a
     * retry) resumes after the parts already sent, so an album is never sent twice.
     */
    Mono<Integer> prepare(Outgoing o);

    static Courier of(TelegramClient telegram, PostRenderer renderer) {
        return o -> {
            RenderedPost parts = renderer.renderPost(o.readerId(), o.language(), o.post());
            return Mono.defer(() -> parts.send(telegram))
                    .map(r -> r.message() == null ? 0 : r.message().messageId());
        };
    }
}
