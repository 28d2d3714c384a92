package io.tidings.telegram;

import com.pengrad.telegrambot.model.CallbackQuery;
import com.pengrad.telegrambot.model.Message;
import com.pengrad.telegrambot.model.Update;
import com.pengrad.telegrambot.model.User;
import com.pengrad.telegrambot.request.AnswerCallbackQuery;
import com.pengrad.telegrambot.request.EditMessageReplyMarkup;
import com.pengrad.telegrambot.request.SendMessage;
import io.tidings.feed.FeedService;
import io.tidings.store.ReaderRepository;
import io.tidings.store.VoteRepository;
import io.tidings.telegram.CallbackData.Action;
import io.tidings.telegram.CallbackData.Press;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * What the bot does with each update: /start registers the reader and sends the first post; a 👍/👎
 * press stores the vote, answers the button, marks it and sends the next post; "More" sends another.
 * Forged or foreign button data changes nothing and gets a polite answer.
 */
public final class BotHandler {

    private static final Logger log = LoggerFactory.getLogger(BotHandler.class);
    private static final int REPLY_RETRIES = 3;
    private static final Duration MAX_REPLY_WAIT = Duration.ofSeconds(30);

    private final TelegramClient telegram;
    private final ReaderRepository readers;
    private final VoteRepository votes;
    private final FeedService feed;
    private final CallbackData callbacks;
    private final PostRenderer renderer;
    private final Messages messages;

    public BotHandler(TelegramClient telegram, ReaderRepository readers, VoteRepository votes, FeedService feed,
                      CallbackData callbacks, PostRenderer renderer, Messages messages) {
        this.telegram = telegram;
        this.readers = readers;
        this.votes = votes;
        this.feed = feed;
        this.callbacks = callbacks;
        this.renderer = renderer;
        this.messages = messages;
    }

    public Mono<Void> handle(Update update) {
        if (update.callbackQuery() != null) return onCallback(update.callbackQuery());
        if (update.message() != null) return onMessage(update.message());
        return Mono.empty(); // other kinds are not ours yet
    }

    private Mono<Void> onMessage(Message m) {
        User from = m.from();
        if (from == null || m.chat() == null || from.isBot()) return Mono.empty();
        if (m.chat().type() != com.pengrad.telegrambot.model.Chat.Type.Private) return Mono.empty();
        String lang = Messages.languageOf(from.languageCode());
        String text = m.text() == null ? "" : m.text().strip();
        if (text.equals("/start") || text.startsWith("/start ") || text.startsWith("/start@")) {
            String name = from.firstName() == null ? "" : ", " + from.firstName();
            return readers.start(from.id(), from.firstName(), lang)
                    .flatMap(r -> reply(from.id(), messages.get(lang, "greeting", name)).onErrorResume(e -> {
                        // the greeting is nice to have; the first post is what the reader came for
                        log.info("greeting to reader {} not sent: {}", from.id(), e.toString());
                        return Mono.empty();
                    }))
                    .then(feed.next(from.id(), "start"))
                    .flatMap(queued -> queued ? Mono.empty() : reply(from.id(), messages.get(lang, "feed.empty")));
        }
        return reply(from.id(), messages.get(lang, "hint"));
    }

    private Mono<Void> onCallback(CallbackQuery q) {
        User from = q.from();
        if (from == null) return Mono.empty();
        String lang = Messages.languageOf(from.languageCode());
        Optional<Press> press = callbacks.decode(from.id(), q.data());
        if (press.isEmpty()) {
            log.info("rejected callback data from reader {}", from.id());
            return answer(q, messages.get(lang, "callback.invalid"));
        }
        Press p = press.get();
        if (p.action() == Action.MORE) {
            return answer(q, messages.get(lang, "vote.more")).then(next(from.id(), lang, "more"));
        }
        boolean liked = p.action() == Action.LIKE;
        return votes.upsert(from.id(), p.postId(), liked)
                .thenReturn(true)
                .onErrorResume(e -> {
                    // a deleted post or an unknown reader: the vote cannot be stored
                    log.info("vote of reader {} for post {} not stored: {}", from.id(), p.postId(), e.toString());
                    return Mono.just(false);
                })
                .flatMap(stored -> !stored ? answer(q, messages.get(lang, "callback.unknown_post"))
                        : answer(q, messages.get(lang, liked ? "vote.liked" : "vote.disliked"))
                                .then(markChosen(q, from.id(), lang, p))
                                .then(next(from.id(), lang, "next")));
    }

    private Mono<Void> next(long reader, String lang, String reason) {
        return feed.next(reader, reason)
                .flatMap(queued -> queued ? Mono.empty() : reply(reader, messages.get(lang, "feed.empty")));
    }

    private Mono<Void> markChosen(CallbackQuery q, long reader, String lang, Press p) {
        if (q.maybeInaccessibleMessage() == null || q.maybeInaccessibleMessage().messageId() == null) return Mono.empty();
        return telegram.execute(new EditMessageReplyMarkup(reader, q.maybeInaccessibleMessage().messageId())
                        .replyMarkup(renderer.keyboard(reader, lang, p.postId(), p.action())))
                .then()
                .onErrorResume(e -> Mono.empty()); // cosmetic: the vote is stored either way
    }

    private Mono<Void> answer(CallbackQuery q, String text) {
        return telegram.execute(new AnswerCallbackQuery(q.id()).text(text)).then()
                .onErrorResume(e -> {
                    log.info("could not answer a callback: {}", e.toString());
                    return Mono.empty();
                });
    }

    /** Sends a plain reply; a 429 is waited out (a few times, if Telegram asks for a short wait), as Telegram requires. */
    private Mono<Void> reply(long chat, String text) {
        return telegram.execute(new SendMessage(chat, text)).then()
                .retryWhen(Retry.from(signals -> signals.concatMap(s -> s.failure() instanceof TelegramException.RetryAfter ra
                        && s.totalRetries() < REPLY_RETRIES && ra.retryAfter().compareTo(MAX_REPLY_WAIT) <= 0
                        ? Mono.delay(ra.retryAfter())
                        : Mono.error(s.failure()))));
    }
}
