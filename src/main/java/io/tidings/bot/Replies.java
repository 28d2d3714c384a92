package io.tidings.bot;

import io.tidings.telegram.TelegramClient;
import io.tidings.telegram.TelegramException;
import com.pengrad.telegrambot.model.CallbackQuery;
import com.pengrad.telegrambot.model.request.InlineKeyboardMarkup;
import com.pengrad.telegrambot.request.AnswerCallbackQuery;
import com.pengrad.telegrambot.request.EditMessageReplyMarkup;
import com.pengrad.telegrambot.request.SendDocument;
import com.pengrad.telegrambot.request.SendMessage;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * How the handlers talk back: plain replies (429 waited out), callback answers and keyboard edits; a reply or answer
 * that an earlier attempt at the same update sent is not sent again.
 */
public final class Replies {

    private static final Logger log = LoggerFactory.getLogger(Replies.class);
    private static final int REPLY_RETRIES = 3;
    private static final Duration MAX_REPLY_WAIT = Duration.ofSeconds(30);

    private final TelegramClient telegram;

    public Replies(TelegramClient telegram) {
        this.telegram = telegram;
    }

    TelegramClient telegram() {
        return telegram;
    }

    /** A plain-text reply (no parse mode: nothing in it is markup). */
    Mono<Void> text(long chat, String text) {
        return send(new SendMessage(chat, text));
    }

    Mono<Void> text(long chat, String text, InlineKeyboardMarkup keyboard) {
        return send(new SendMessage(chat, text).replyMarkup(keyboard));
    }

    /** A file (up to Telegram's 50 MB for bots) with a caption of at most 1024 characters. */
    Mono<Void> document(long chat, byte[] content, String fileName, String caption) {
        return SentReplies.once("document " + chat + " " + fileName + " " + caption,
                telegram.execute(new SendDocument(chat, content).fileName(fileName).contentType("application/json")
                        .caption(caption)).then().retryWhen(rateLimited()));
    }

    /**
     * Sends a reply; a 429 is waited out (a few times, if Telegram asks for a short wait), as Telegram requires. An
     * update tried again does not send the same reply again (see {@link SentReplies}).
     */
    Mono<Void> send(SendMessage message) {
        var p = message.getParameters();
        return SentReplies.once("message " + p.get("chat_id") + " " + p.get("text"),
                telegram.execute(message).then().retryWhen(rateLimited()));
    }

    /** Always answer a callback query, else the reader's client shows a spinner; failures are only logged. */
    Mono<Void> answer(CallbackQuery q, String text) {
        AnswerCallbackQuery a = new AnswerCallbackQuery(q.id());
        if (text != null && !text.isEmpty()) a.text(text.length() > 200 ? text.substring(0, 199) + "…" : text);
        return SentReplies.once("answer " + q.id(), telegram.execute(a).then())
                .onErrorResume(e -> {
                    log.info("could not answer a callback: {}", e.toString());
                    return Mono.empty();
                });
    }

    /** Replaces (or with {@code null} removes) the keyboard of a message; cosmetic, so failures are ignored. */
    Mono<Void> editKeyboard(long chat, Integer messageId, InlineKeyboardMarkup keyboard) {
        if (messageId == null) return Mono.empty();
        EditMessageReplyMarkup edit = new EditMessageReplyMarkup(chat, messageId);
        if (keyboard != null) edit.replyMarkup(keyboard);
        return telegram.execute(edit).then().onErrorResume(e -> {
            log.debug("keyboard of message {} in {} not edited: {}", messageId, chat, e.toString());
            return Mono.empty();
        });
    }

    private static Retry rateLimited() {
        return Retry.from(signals -> signals.concatMap(s -> s.failure() instanceof TelegramException.RetryAfter ra
                && s.totalRetries() < REPLY_RETRIES && ra.retryAfter().compareTo(MAX_REPLY_WAIT) <= 0
                ? Mono.delay(ra.retryAfter())
                : Mono.error(s.failure())));
    }
}
