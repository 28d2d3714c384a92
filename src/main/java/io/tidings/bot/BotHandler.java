package io.tidings.bot;

import io.tidings.render.Messages;
import com.pengrad.telegrambot.model.CallbackQuery;
import com.pengrad.telegrambot.model.Chat;
import com.pengrad.telegrambot.model.Message;
import com.pengrad.telegrambot.model.Update;
import com.pengrad.telegrambot.model.User;
import io.tidings.store.ReaderSettings;
import io.tidings.store.ReaderSettingsRepository;
import java.time.Duration;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * What the bot does with each update. Private messages go to {@link ReaderCommands} (or {@link OperatorCommands} for
 * operators), button presses to {@link VoteButtons} and {@link SettingsMenu}; every reader is held to a
 * {@link FloodGuard}. Groups get a polite "private chats only", edited commands a hint; the rest is ignored.
 */
public final class BotHandler {

    private static final Logger log = LoggerFactory.getLogger(BotHandler.class);
    /** Longer messages are not commands anyone typed: only their start is looked at. */
    private static final int MAX_COMMAND_TEXT = 512;

    /** Who wrote, in which language, and their settings ({@code null} before their first /start). */
    record Ctx(long user, String firstName, String lang, ReaderSettings reader, boolean operator) {
        boolean registered() {
            return reader != null;
        }
    }

    private final Replies replies;
    private final Messages messages;
    private final BotConfig config;
    private final ReaderSettingsRepository settings;
    private final FloodGuard readerGuard;
    private final FloodGuard pressGuard;
    private final FloodGuard groupGuard;
    private final ReaderCommands commands;
    private final OperatorCommands operatorCommands;
    private final VoteButtons buttons;
    private final SentReplies sent;

    /** Routes updates to the handlers, each built with what it needs (see {@code App}). */
    public BotHandler(Replies replies, Messages messages, BotConfig config, ReaderSettingsRepository settings,
                      ReaderCommands commands, OperatorCommands operatorCommands, VoteButtons buttons) {
        this(replies, messages, config, settings, commands, operatorCommands, buttons, System::nanoTime);
    }

    BotHandler(Replies replies, Messages messages, BotConfig config, ReaderSettingsRepository settings, ReaderCommands commands,
               OperatorCommands operatorCommands, VoteButtons buttons, java.util.function.LongSupplier nanoTime) {
        this.replies = replies;
        this.messages = messages;
        this.config = config;
        this.settings = settings;
        this.commands = commands;
        this.operatorCommands = operatorCommands;
        this.buttons = buttons;
        this.sent = new SentReplies(nanoTime);
        BotConfig c = config;
        this.readerGuard = new FloodGuard(c.commandBurst(), c.commandsPerMinute(), c.floodSilence(), nanoTime);
        // voting quickly through a feed is what the bot is for: buttons get four times the room of typed commands
        this.pressGuard = new FloodGuard(4 * c.commandBurst(), 4 * c.commandsPerMinute(), c.floodSilence(), nanoTime);
        // Telegram allows 20 messages a minute in a group; one "private chats only" every 10 minutes is plenty
        this.groupGuard = new FloodGuard(1, 1, Duration.ofMinutes(10), nanoTime);
    }

    /**
     * Shares the per-reader flood limits among {@code liveReplicas} replicas, so that together they hold one limit
     * (see {@link FloodGuard}).
     */
    public BotHandler shareLimitsAmong(java.util.function.IntSupplier liveReplicas) {
        readerGuard.shareAmong(liveReplicas);
        pressGuard.shareAmong(liveReplicas);
        return this;
    }

    /** Enables operators' {@code /console}: {@code links} makes a one-time sign-in link for a user id. */
    public BotHandler consoleLinks(java.util.function.LongFunction<String> links) {
        operatorCommands.consoleLinks(links);
        return this;
    }

    /**
     * Handles one update; called again for an update tried again after a failure, which then does not send the replies
     * that went out before it failed (see {@link SentReplies}).
     */
    public Mono<Void> handle(Update update) {
        return sent.attempt(update.updateId(), Mono.defer(() -> dispatch(update)));
    }

    private Mono<Void> dispatch(Update update) {
        if (update.callbackQuery() != null) return onCallback(update.callbackQuery());
        if (update.message() != null) return onMessage(update.message(), false);
        if (update.editedMessage() != null) return onMessage(update.editedMessage(), true);
        return Mono.empty(); // channel posts, membership changes, reactions: nothing to answer
    }

    /**
     * An update whose handling failed for good: a reader who pressed a button or wrote in a private chat is asked to try
     * again (in Telegram's language for them: their stored one may be what could not be read). Nothing for the rest.
     */
    public Mono<Void> apologise(Update u) {
        sent.forget(u.updateId());
        CallbackQuery q = u.callbackQuery();
        if (q != null && q.from() != null && q.id() != null) {
            return replies.answer(q, messages.get(Messages.languageOf(q.from().languageCode()), "try_again"));
        }
        Message m = u.message();
        if (m == null || m.from() == null || m.chat() == null || m.chat().type() != Chat.Type.Private
                || !m.from().id().equals(m.chat().id())) {
            return Mono.empty();
        }
        return replies.text(m.chat().id(), messages.get(Messages.languageOf(m.from().languageCode()), "try_again"));
    }

    private Mono<Void> onMessage(Message m, boolean edited) {
        User from = m.from();
        if (from == null || m.chat() == null || m.chat().id() == null || from.isBot() != null && from.isBot()) {
            return Mono.empty();
        }
        Chat.Type type = m.chat().type();
        if (type == Chat.Type.group || type == Chat.Type.supergroup) return inGroup(m, from, edited);
        if (type != Chat.Type.Private || !m.chat().id().equals(from.id())) return Mono.empty();
        return switch (readerGuard.check(from.id())) {
            case DROP -> Mono.empty();
            case WARN -> context(from).flatMap(ctx -> {
                log.info("reader {} is flooding: one warning, then silence", from.id());
                return replies.text(ctx.user(), messages.get(ctx.lang(), "flood"));
            });
            case ALLOW -> context(from).flatMap(ctx -> reachable(ctx).then(route(ctx, m, edited)))
                    .onErrorResume(ContextUnavailable.class, e -> unavailable(e).then(replies.text(from.id(),
                            messages.get(Messages.languageOf(from.languageCode()), "try_again"))));
        };
    }

    private Mono<Void> route(Ctx ctx, Message m, boolean edited) {
        String text = m.text() == null ? "" : m.text();
        if (text.length() > MAX_COMMAND_TEXT) text = text.substring(0, MAX_COMMAND_TEXT);
        text = text.strip();
        if (edited) {
            // acting on an edit would run a command twice, or one the reader did not mean to send again
            return text.startsWith("/") ? replies.text(ctx.user(), msg(ctx, "edited")) : Mono.empty();
        }
        if (m.forwardOrigin() != null) return commands.forwarded(ctx, m.forwardOrigin());
        if (!text.startsWith("/")) return replies.text(ctx.user(), msg(ctx, text.isEmpty() ? "hint.media" : "hint"));
        int space = indexOfWhitespace(text);
        String command = (space < 0 ? text : text.substring(0, space)).substring(1);
        int at = command.indexOf('@');
        if (at >= 0) command = command.substring(0, at);
        command = command.toLowerCase(Locale.ROOT);
        String args = space < 0 ? "" : text.substring(space).strip();
        if (ctx.operator()) {
            Mono<Void> op = operatorCommands.handle(ctx, command, args);
            if (op != null) return op;
        }
        return commands.handle(ctx, command, args);
    }

    private Mono<Void> inGroup(Message m, User from, boolean edited) {
        if (edited || groupGuard.check(m.chat().id()) != FloodGuard.Verdict.ALLOW) return Mono.empty();
        String lang = Messages.languageOf(from.languageCode());
        return replies.text(m.chat().id(), messages.get(lang, "group")).onErrorResume(e -> Mono.empty());
    }

    private Mono<Void> onCallback(CallbackQuery q) {
        User from = q.from();
        if (from == null || from.id() == null || q.id() == null) return Mono.empty();
        return switch (pressGuard.check(from.id())) {
            case DROP -> replies.answer(q, null); // still answered: the reader's client would spin
            case WARN -> context(from).flatMap(ctx -> replies.answer(q, msg(ctx, "flood")));
            case ALLOW -> context(from).flatMap(ctx -> buttons.onPress(ctx, q))
                    .onErrorResume(ContextUnavailable.class, e -> unavailable(e).then(replies.answer(q,
                            messages.get(Messages.languageOf(from.languageCode()), "try_again"))));
        };
    }

    /** The reader's stored language wins over Telegram's language code once they have one. */
    private Mono<Ctx> context(User from) {
        boolean operator = config.isOperator(from.id());
        String fallback = Messages.languageOf(from.languageCode());
        // a read: retried through a database blip; if it still fails the reader is asked to try again
        return settings.find(from.id())
                .retryWhen(ReaderRetry.of("reading the settings of reader " + from.id()))
                .onErrorMap(e -> new ContextUnavailable(from.id(), e))
                .map(s -> new Ctx(from.id(), from.firstName(), s.language(), s, operator))
                .defaultIfEmpty(new Ctx(from.id(), from.firstName(), fallback, null, operator));
    }

    private static Mono<Void> unavailable(ContextUnavailable e) {
        return Mono.fromRunnable(() -> log.warn("{}; asked to try again", e.getMessage()));
    }

    /** The reader's settings could not be read (the database is away): nothing was done, the reader is told. */
    private static final class ContextUnavailable extends RuntimeException {
        ContextUnavailable(long reader, Throwable cause) {
            super("reader " + reader + ": settings not readable: " + cause, cause, false, false);
        }
    }

    /** A reader marked unreachable wrote again: they can be messaged again (a paused one stays paused). */
    private Mono<Void> reachable(Ctx ctx) {
        if (!ctx.registered() || !"unreachable".equals(ctx.reader().status())) return Mono.empty();
        return settings.reachable(ctx.user()).then();
    }

    private String msg(Ctx ctx, String key) {
        return messages.get(ctx.lang(), key);
    }

    private static int indexOfWhitespace(String s) {
        for (int i = 0; i < s.length(); i++) if (Character.isWhitespace(s.charAt(i))) return i;
        return -1;
    }
}
