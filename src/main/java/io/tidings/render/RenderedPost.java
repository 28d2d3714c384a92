package io.tidings.render;

import io.tidings.telegram.TelegramClient;
import io.tidings.telegram.TelegramException;
import com.pengrad.telegrambot.request.AbstractSendRequest;
import com.pengrad.telegrambot.request.BaseRequest;
import com.pengrad.telegrambot.request.SendMessage;
import com.pengrad.telegrambot.response.BaseResponse;
import com.pengrad.telegrambot.response.SendResponse;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;

/**
 * The requests that deliver one post: {@link #lead()} (an album, or a photo whose text did not fit its caption) and
 * {@link #last()}, the message that carries the buttons and whose message id the delivery records. {@link #send}
 * remembers how far it got, so a retry after a 429 or a 5xx does not send an album twice; when Telegram refuses a
 * media part (a photo URL it cannot fetch), the post goes out as text with a preview instead.
 */
public final class RenderedPost {

    private final List<BaseRequest<?, ?>> lead;
    private final AbstractSendRequest<?> last;
    private final RenderedPost fallback;
    private final AtomicInteger done = new AtomicInteger();
    private volatile boolean fellBack;

    RenderedPost(List<BaseRequest<?, ?>> lead, AbstractSendRequest<?> last, RenderedPost fallback) {
        this.lead = List.copyOf(lead);
        this.last = last;
        this.fallback = fallback;
    }

    /**
     * Continues a delivery of which {@code parts} requests already reached Telegram on an earlier attempt (stored
     * with the delivery), so a retry on any replica never sends an album twice. Returns this.
     */
    public RenderedPost resumeAfter(int parts) {
        if (parts < 0 || parts > lead.size()) throw new IllegalArgumentException("parts sent out of range: " + parts);
        done.set(parts);
        return this;
    }

    /** Requests of {@link #lead()} that reached Telegram so far. */
    public int partsSent() {
        return fellBack ? 0 : done.get();
    }

    /** Requests to send first, in order (responses carry no message id worth keeping). */
    public List<BaseRequest<?, ?>> lead() {
        return lead;
    }

    /** The message with the buttons: its response's message id is the delivery's. */
    public AbstractSendRequest<?> last() {
        return last;
    }

    /** Every request in order, the one with the buttons last. */
    public List<BaseRequest<?, ?>> all() {
        var all = new java.util.ArrayList<BaseRequest<?, ?>>(lead);
        all.add(last);
        return all;
    }

    /**
     * Sends the parts not sent yet, in order, and emits the response of {@link #last()}. Resubscribing (a retry)
     * continues after the last part that succeeded. Errors are the {@link TelegramException}s of the failed part.
     */
    public Mono<SendResponse> send(TelegramClient telegram) {
        return Mono.defer(() -> {
            if (fellBack) return fallback.send(telegram);
            int i = done.get();
            if (i < lead.size()) {
                return execute(telegram, lead.get(i))
                        .doOnNext(r -> done.compareAndSet(i, i + 1))
                        .then(Mono.defer(() -> send(telegram)))
                        .onErrorResume(TelegramException.BadRequest.class, e -> useFallback(telegram, e));
            }
            return execute(telegram, last).cast(SendResponse.class)
                    .onErrorResume(TelegramException.BadRequest.class, e -> entitiesRefused(e) && last instanceof SendMessage
                            ? execute(telegram, plain((SendMessage) last)).cast(SendResponse.class)
                            : useFallback(telegram, e));
        });
    }

    /** 400 "can't parse entities": the markup we built is refused (an edge of Telegram's parser); send it once as plain text. */
    private static boolean entitiesRefused(TelegramException.BadRequest e) {
        return e.description() != null && e.description().toLowerCase(java.util.Locale.ROOT).contains("can't parse entities");
    }

    private static SendMessage plain(SendMessage html) {
        java.util.Map<String, Object> p = html.getParameters();
        SendMessage m = new SendMessage(p.get("chat_id"), Html.toPlain(String.valueOf(p.get("text"))));
        if (p.get("reply_markup") instanceof com.pengrad.telegrambot.model.request.Keyboard k) m.replyMarkup(k);
        return m;
    }

    private Mono<SendResponse> useFallback(TelegramClient telegram, TelegramException.BadRequest e) {
        // only media can be refused for reasons of its own (URL not fetchable, too big): text is the safe form
        if (fallback == null || done.get() > 0 || fellBack) return Mono.error(e);
        fellBack = true;
        return fallback.send(telegram);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Mono<? extends BaseResponse> execute(TelegramClient telegram, BaseRequest<?, ?> request) {
        return telegram.execute((BaseRequest) request);
    }
}
