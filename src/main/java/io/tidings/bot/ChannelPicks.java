package io.tidings.bot;

import com.pengrad.telegrambot.model.CallbackQuery;
import com.pengrad.telegrambot.model.request.InlineKeyboardButton;
import com.pengrad.telegrambot.model.request.InlineKeyboardMarkup;
import io.tidings.bot.BotHandler.Ctx;
import io.tidings.feed.StoredPreferences;
import io.tidings.render.CallbackData;
import io.tidings.render.Messages;
import io.tidings.store.ReaderControlRepository;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import reactor.core.publisher.Mono;

/**
 * The optional message after /start's first post: the catalogue's best-liked channels as buttons ({@code cp<id>},
 * two a row); each press picks or unpicks one, and for a day the picked channels' posts come first. Ignoring it
 * changes nothing.
 */
final class ChannelPicks {

    /** Channels offered after /start. */
    static final int PICKS_OFFERED = 12;

    private final Replies replies;
    private final Messages messages;
    private final CallbackData callbacks;
    private final ReaderControlRepository control;
    private final StoredPreferences preferences;

    ChannelPicks(Replies replies, Messages messages, CallbackData callbacks, ReaderControlRepository control,
                 StoredPreferences preferences) {
        this.replies = replies;
        this.messages = messages;
        this.callbacks = callbacks;
        this.control = control;
        this.preferences = preferences;
    }

    /** Offers the picks (nothing when fewer than two channels are liked enough to offer). */
    Mono<Void> offer(Ctx ctx) {
        return control.bestLiked(PICKS_OFFERED).collectList()
                .filter(l -> l.size() >= 2)
                .flatMap(l -> replies.text(ctx.user(), messages.get(ctx.lang(), "picks.offer"), keyboard(ctx, l, Set.of())));
    }

    /** A press on {@code channel}: picked or unpicked, the answer says which, and the keyboard shows it. */
    Mono<Void> pick(Ctx ctx, CallbackQuery q, long channel, Integer messageId) {
        return control.togglePick(ctx.user(), channel)
                .flatMap(now -> preferences.reloadPicks(ctx.user())
                        .then(replies.answer(q, messages.get(ctx.lang(), now ? "picks.picked" : "picks.unpicked")))
                        .then(control.bestLiked(PICKS_OFFERED).collectList()
                                .zipWith(control.picks(ctx.user(), StoredPreferences.PICKS_LAST)
                                        .map(ReaderControlRepository.Picks::channels).defaultIfEmpty(Set.of()))
                                .flatMap(t -> replies.editKeyboard(ctx.user(), messageId, keyboard(ctx, t.getT1(), t.getT2())))));
    }

    private InlineKeyboardMarkup keyboard(Ctx ctx, List<ReaderControlRepository.ChannelRef> offered, Set<Long> picked) {
        List<InlineKeyboardButton[]> rows = new ArrayList<>();
        for (int i = 0; i < offered.size(); i += 2) {
            List<InlineKeyboardButton> row = new ArrayList<>();
            for (int j = i; j < Math.min(i + 2, offered.size()); j++) {
                ReaderControlRepository.ChannelRef c = offered.get(j);
                String label = (c.title() == null || c.title().isBlank() ? "" : cut(c.title(), 24) + " ") + "@" + c.username();
                row.add(ControlCommands.button(callbacks, ctx, (picked.contains(c.id()) ? "✅ " : "") + label, "cp", c.id()));
            }
            rows.add(row.toArray(InlineKeyboardButton[]::new));
        }
        return new InlineKeyboardMarkup(rows.toArray(InlineKeyboardButton[][]::new));
    }

    private static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
