package io.tidings.bot;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.pengrad.telegrambot.model.CallbackQuery;
import com.pengrad.telegrambot.model.request.InlineKeyboardButton;
import com.pengrad.telegrambot.model.request.InlineKeyboardMarkup;
import io.tidings.bot.BotHandler.Ctx;
import io.tidings.feed.StoredPreferences;
import io.tidings.render.CallbackData;
import io.tidings.render.Messages;
import io.tidings.store.PrivacyRepository;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A reader's data rights: {@code /forget} deletes everything kept about them, after a confirm button ({@code cfy}
 * yes, {@code cfn} no), in memory too; {@code /export} sends it all as a JSON file.
 */
final class PrivacyCommands {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Replies replies;
    private final Messages messages;
    private final CallbackData callbacks;
    private final PrivacyRepository privacy;
    private final StoredPreferences preferences;

    PrivacyCommands(Replies replies, Messages messages, CallbackData callbacks, PrivacyRepository privacy,
                    StoredPreferences preferences) {
        this.replies = replies;
        this.messages = messages;
        this.callbacks = callbacks;
        this.privacy = privacy;
        this.preferences = preferences;
    }

    /** {@code /forget}: asks to confirm. */
    Mono<Void> askToForget(Ctx ctx) {
        return replies.text(ctx.user(), msg(ctx, "forget.confirm"), new InlineKeyboardMarkup(new InlineKeyboardButton[] {
                new InlineKeyboardButton(msg(ctx, "forget.yes")).callbackData(callbacks.encodeSetting(ctx.user(), "cfy")),
                new InlineKeyboardButton(msg(ctx, "forget.no")).callbackData(callbacks.encodeSetting(ctx.user(), "cfn"))}));
    }

    /** Deletes everything about the reader (after the confirm button), then forgets them in memory too. */
    Mono<Void> forget(Ctx ctx, CallbackQuery q, boolean confirmed) {
        Integer messageId = q.maybeInaccessibleMessage() == null ? null : q.maybeInaccessibleMessage().messageId();
        if (!confirmed) return replies.answer(q, msg(ctx, "forget.cancelled")).then(replies.editKeyboard(ctx.user(), messageId, null));
        return privacy.forget(ctx.user())
                .then(Mono.fromRunnable(() -> preferences.forget(ctx.user())).subscribeOn(Schedulers.boundedElastic()))
                .then(replies.answer(q, null))
                .then(replies.editKeyboard(ctx.user(), messageId, null))
                .then(replies.text(ctx.user(), msg(ctx, "forget.done")));
    }

    /** A JSON file of everything kept about the reader. */
    Mono<Void> export(Ctx ctx) {
        return privacy.export(ctx.user()).flatMap(json -> {
            byte[] pretty;
            try {
                pretty = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(JSON.readTree(json));
            } catch (java.io.IOException e) {
                return Mono.error(e);
            }
            return replies.document(ctx.user(), pretty, "tidings-" + ctx.user() + ".json", msg(ctx, "export.caption"));
        });
    }

    private String msg(Ctx ctx, String key) {
        return messages.get(ctx.lang(), key);
    }
}
