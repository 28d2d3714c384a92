package io.tidings.bot;

import com.pengrad.telegrambot.model.CallbackQuery;
import com.pengrad.telegrambot.model.request.InlineKeyboardButton;
import com.pengrad.telegrambot.model.request.InlineKeyboardMarkup;
import io.tidings.bot.BotHandler.Ctx;
import io.tidings.feed.StoredPreferences;
import io.tidings.feed.Terms;
import io.tidings.ingest.ChannelNames;
import io.tidings.render.CallbackData;
import io.tidings.render.Messages;
import io.tidings.store.Channel;
import io.tidings.store.ChannelRepository;
import io.tidings.store.PenaltyRepository;
import io.tidings.store.PrivacyRepository;
import io.tidings.store.ReaderControlRepository;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The reader in control of their feed: {@code /mute @name}, {@code /unmute @name}, {@code /muted}, {@code /only @a @b …}
 * and {@code /only off}, {@code /less} (the "Less from this channel" presses, each with an undo button) and
 * {@code /filter}; {@code /forget} (after a confirm button) and {@code /export}. Every change reaches the planner's in-memory view before the reply. Buttons (signed like every
 * button, as settings data): {@code cu<channel>} unmute, {@code cl<channel>} undo "less". The channels offered after
 * /start are {@link ChannelPicks}'; /forget and /export, {@link PrivacyCommands}.
 */
public final class ControlCommands {

    /** Filters per reader, and characters per filter. */
    static final int MAX_FILTERS = 50;
    static final int MAX_FILTER_CHARS = 100;
    /** Channels in one /only list. */
    static final int MAX_ONLY = 50;
    /** Lines of a list shown in one message (a button each: Telegram allows 100 buttons). */
    private static final int LIST_SHOWN = 50;
    /** Characters a list reply may take (Telegram allows 4096; the rest is for the title and hints). */
    private static final int LIST_CHARS = 3800;
    /** Room kept for the "…and N more" line. */
    private static final int MORE_CHARS = 40;
    /** Characters of a channel title shown in a list (Telegram allows 128). */
    private static final int TITLE_SHOWN = 40;

    private final Replies replies;
    private final Messages messages;
    private final CallbackData callbacks;
    private final ChannelRepository channels;
    private final ReaderControlRepository control;
    private final PenaltyRepository penalties;
    private final StoredPreferences preferences;
    private final Duration lessHalfLife;
    private final PrivacyCommands privacy;
    private final ChannelPicks picks;

    public ControlCommands(Replies replies, Messages messages, CallbackData callbacks, ChannelRepository channels,
                           ReaderControlRepository control, PenaltyRepository penalties, StoredPreferences preferences,
                           PrivacyRepository privacy, Duration lessHalfLife) {
        this.privacy = new PrivacyCommands(replies, messages, callbacks, privacy, preferences);
        this.picks = new ChannelPicks(replies, messages, callbacks, control, preferences);
        this.replies = replies;
        this.messages = messages;
        this.callbacks = callbacks;
        this.channels = channels;
        this.control = control;
        this.penalties = penalties;
        this.preferences = preferences;
        this.lessHalfLife = lessHalfLife;
    }

    static boolean isCommand(String c) {
        return List.of("mute", "unmute", "muted", "only", "less", "filter", "filters", "forget", "export").contains(c);
    }

    Mono<Void> handle(Ctx ctx, String command, String args) {
        return switch (command) {
            case "mute" -> mute(ctx, args);
            case "unmute" -> unmute(ctx, args);
            case "muted" -> muted(ctx);
            case "only" -> only(ctx, args);
            case "less" -> less(ctx);
            case "forget" -> privacy.askToForget(ctx);
            case "export" -> privacy.export(ctx);
            default -> filter(ctx, args);
        };
    }

    // ---- mute ----------------------------------------------------------------------------------------

    private Mono<Void> mute(Ctx ctx, String args) {
        return channel(ctx, args, "mute.usage", c -> control.mute(ctx.user(), c.id())
                .flatMap(added -> changed(ctx).then(reply(ctx, fmt(ctx, added ? "mute.done" : "mute.already", "@" + c.username())))));
    }

    /** The "🔇 Mute channel" button under a post. */
    Mono<Void> muteFromPost(Ctx ctx, CallbackQuery q, long channelId, String username) {
        return control.mute(ctx.user(), channelId).then(changed(ctx))
                .then(replies.answer(q, fmt(ctx, "mute.done", "@" + username)));
    }

    private Mono<Void> unmute(Ctx ctx, String args) {
        return channel(ctx, args, "unmute.usage", c -> control.unmute(ctx.user(), c.id())
                .flatMap(removed -> changed(ctx).then(reply(ctx, fmt(ctx, removed ? "unmute.done" : "unmute.not", "@" + c.username())))));
    }

    private Mono<Void> muted(Ctx ctx) {
        Mono<List<ReaderControlRepository.ChannelRef>> muted = control.muted(ctx.user()).collectList();
        Mono<List<ReaderControlRepository.ChannelRef>> only = control.followed(ctx.user()).collectList();
        return Mono.zip(muted, only).flatMap(t -> {
            StringBuilder tail = new StringBuilder();
            if (!t.getT2().isEmpty()) {
                tail.append("\n\n").append(msg(ctx, "only.title"));
                List<String> names = t.getT2().stream().map(c -> "\n• @" + c.username()).toList();
                appendBounded(ctx, tail, names, LIST_CHARS / 2);
                tail.append("\n").append(msg(ctx, "only.off_hint"));
            }
            StringBuilder b = new StringBuilder();
            List<InlineKeyboardButton[]> rows = new ArrayList<>();
            if (t.getT1().isEmpty()) {
                b.append(msg(ctx, "muted.none"));
            } else {
                b.append(msg(ctx, "muted.title"));
                List<ReaderControlRepository.ChannelRef> list = t.getT1();
                int shown = appendBounded(ctx, b, list.stream().map(c -> "\n• " + shortTitled(c.username(), c.title())).toList(),
                        LIST_CHARS - b.length() - tail.length());
                list.stream().limit(shown).forEach(c ->
                        rows.add(new InlineKeyboardButton[] {button(ctx, fmt(ctx, "muted.unmute", "@" + c.username()), "cu", c.id())}));
            }
            b.append(tail);
            return rows.isEmpty() ? reply(ctx, b.toString())
                    : replies.text(ctx.user(), b.toString(), new InlineKeyboardMarkup(rows.toArray(InlineKeyboardButton[][]::new)));
        });
    }

    /**
     * Appends {@code lines} to {@code b} while at most {@link #LIST_SHOWN} are shown and they take at most {@code room}
     * characters, then "…and N more" for the rest; returns how many were shown. Keeps every list reply within Telegram's
     * 4096 characters and its keyboard (a button per line shown) within its 100 buttons.
     */
    private int appendBounded(Ctx ctx, StringBuilder b, List<String> lines, int room) {
        int used = 0;
        int shown = 0;
        for (String line : lines) {
            if (shown == LIST_SHOWN || used + line.length() > room - MORE_CHARS) break;
            b.append(line);
            used += line.length();
            shown++;
        }
        if (shown < lines.size()) b.append("\n").append(fmt(ctx, "list.more", Integer.toString(lines.size() - shown)));
        return shown;
    }

    /** "@name (title)" with the title cut to {@link #TITLE_SHOWN} characters. */
    private static String shortTitled(String username, String title) {
        String t = title == null ? null : title.strip();
        if (t != null && t.length() > TITLE_SHOWN) t = t.substring(0, TITLE_SHOWN - 1).strip() + "…";
        return ReaderCommands.titled(username, t);
    }

    // ---- only ----------------------------------------------------------------------------------------

    private Mono<Void> only(Ctx ctx, String args) {
        if (args.isEmpty()) {
            return control.followed(ctx.user()).map(c -> "@" + c.username()).collectList().flatMap(list -> list.isEmpty()
                    ? reply(ctx, msg(ctx, "only.usage"))
                    : reply(ctx, fmt(ctx, "only.current", String.join(", ", list))));
        }
        if (args.equalsIgnoreCase("off") || args.equalsIgnoreCase("выкл")) {
            return control.only(ctx.user(), List.of()).then(changed(ctx)).then(reply(ctx, msg(ctx, "only.off")));
        }
        String[] words = args.split("\\s+");
        if (words.length > MAX_ONLY) return reply(ctx, fmt(ctx, "only.too_many", Integer.toString(MAX_ONLY)));
        Set<String> names = new LinkedHashSet<>();
        List<String> invalid = new ArrayList<>();
        for (String w : words) {
            Optional<String> n = ChannelNames.normalize(w.replace(",", ""));
            if (n.isPresent()) names.add(n.get());
            else invalid.add(w);
        }
        if (!invalid.isEmpty()) return reply(ctx, fmt(ctx, "only.invalid", String.join(" ", invalid)));
        return Flux.fromIterable(names)
                .concatMap(n -> channels.findByUsername(n).filter(c -> c.status() == io.tidings.store.ChannelStatus.ACTIVE)
                        .map(Optional::of).defaultIfEmpty(Optional.empty())
                        .map(c -> c.map(x -> (Object) x).orElse(n)))
                .collectList()
                .flatMap(found -> {
                    List<String> unknown = found.stream().filter(o -> o instanceof String).map(o -> "@" + o).toList();
                    if (!unknown.isEmpty()) return reply(ctx, fmt(ctx, "only.unknown", String.join(", ", unknown)));
                    List<Channel> chosen = found.stream().map(o -> (Channel) o).toList();
                    return control.only(ctx.user(), chosen.stream().map(Channel::id).toList())
                            .then(changed(ctx))
                            .then(reply(ctx, fmt(ctx, "only.done",
                                    String.join(", ", chosen.stream().map(c -> "@" + c.username()).toList()))));
                });
    }

    // ---- less ----------------------------------------------------------------------------------------

    private Mono<Void> less(Ctx ctx) {
        return penalties.muted(ctx.user(), lessHalfLife).collectList().flatMap(list -> {
            if (list.isEmpty()) return reply(ctx, msg(ctx, "less.none"));
            StringBuilder b = new StringBuilder(msg(ctx, "less.title"));
            List<String> lines = list.stream().map(m -> "\n• " + shortTitled(m.username(), m.title()) + " — ×"
                    + String.format(Locale.ROOT, "%.2f", io.tidings.feed.ReaderPreferences.factor(m.penalty()))).toList();
            int shown = appendBounded(ctx, b, lines, LIST_CHARS - b.length());
            List<InlineKeyboardButton[]> rows = new ArrayList<>();
            list.stream().limit(shown).forEach(m ->
                    rows.add(new InlineKeyboardButton[] {button(ctx, fmt(ctx, "less.undo", "@" + m.username()), "cl", m.channelId())}));
            return replies.text(ctx.user(), b.toString(), new InlineKeyboardMarkup(rows.toArray(InlineKeyboardButton[][]::new)));
        });
    }

    // ---- filters -------------------------------------------------------------------------------------

    private Mono<Void> filter(Ctx ctx, String args) {
        if (args.isEmpty()) return listFilters(ctx);
        int space = args.indexOf(' ');
        String verb = (space < 0 ? args : args.substring(0, space)).toLowerCase(Locale.ROOT);
        String phrase = space < 0 ? "" : args.substring(space + 1).strip().replace('\n', ' ');
        switch (verb) {
            case "clear" -> {
                return control.clearFilters(ctx.user()).then(changed(ctx)).then(reply(ctx, msg(ctx, "filter.cleared")));
            }
            case "add", "exclude", "-", "no", "without", "без", "исключить", "remove", "delete", "del", "rm", "удалить",
                 "require", "only", "+", "with", "только", "с" -> {
                // a verb of its own
            }
            default -> {
                return reply(ctx, msg(ctx, "filter.usage"));
            }
        }
        if (phrase.isEmpty()) return reply(ctx, msg(ctx, "filter.usage"));
        if (phrase.length() > MAX_FILTER_CHARS) return reply(ctx, fmt(ctx, "filter.too_long", Integer.toString(MAX_FILTER_CHARS)));
        String p = phrase.toLowerCase(Locale.ROOT);
        if (List.of("remove", "delete", "del", "rm", "удалить").contains(verb)) {
            return control.removeFilter(ctx.user(), p)
                    .flatMap(n -> changed(ctx).then(reply(ctx, fmt(ctx, n > 0 ? "filter.removed" : "filter.not_found", p))));
        }
        if (Terms.of(p).length == 0) return reply(ctx, msg(ctx, "filter.no_words"));
        boolean require = List.of("require", "only", "+", "with", "только", "с").contains(verb);
        return control.addFilter(ctx.user(), require, p, MAX_FILTERS).flatMap(added -> {
            if (added) return changed(ctx).then(reply(ctx, fmt(ctx, require ? "filter.required" : "filter.excluded", p)));
            return control.countFilters(ctx.user()).flatMap(n -> reply(ctx, n >= MAX_FILTERS
                    ? fmt(ctx, "filter.limit", Integer.toString(MAX_FILTERS)) : fmt(ctx, "filter.exists", p)));
        });
    }

    private Mono<Void> listFilters(Ctx ctx) {
        return control.filters(ctx.user()).collectList().flatMap(list -> {
            if (list.isEmpty()) return reply(ctx, msg(ctx, "filter.none") + "\n\n" + msg(ctx, "filter.usage"));
            StringBuilder b = new StringBuilder(msg(ctx, "filter.title"));
            for (ReaderControlRepository.Filter f : list) {
                b.append("\n").append(f.require() ? "➕ " : "➖ ").append(f.phrase());
            }
            b.append("\n\n").append(msg(ctx, "filter.usage"));
            return reply(ctx, b.toString());
        });
    }

    // ---- buttons -------------------------------------------------------------------------------------

    /** Whether a settings argument is one of these buttons. */
    static boolean isButton(String arg) {
        return arg.startsWith("cu") || arg.startsWith("cl") || arg.startsWith("cp") || arg.equals("cfy") || arg.equals("cfn");
    }

    /** The optional message after /start's first post (see {@link ChannelPicks}). */
    Mono<Void> offerPicks(Ctx ctx) {
        return picks.offer(ctx);
    }

    Mono<Void> onPress(Ctx ctx, CallbackQuery q, String arg) {
        if (arg.startsWith("cf")) return privacy.forget(ctx, q, arg.equals("cfy"));
        long channel;
        try {
            channel = Long.parseLong(arg.substring(2), 36);
        } catch (NumberFormatException e) {
            return replies.answer(q, msg(ctx, "callback.invalid"));
        }
        Integer messageId = q.maybeInaccessibleMessage() == null ? null : q.maybeInaccessibleMessage().messageId();
        if (arg.startsWith("cp")) return picks.pick(ctx, q, channel, messageId);
        if (arg.startsWith("cu")) {
            return control.unmute(ctx.user(), channel).then(changed(ctx))
                    .then(replies.answer(q, msg(ctx, "muted.unmuted")));
        }
        return penalties.clear(ctx.user(), channel)
                .doOnNext(n -> preferences.clearPenalty(ctx.user(), channel))
                .then(replies.answer(q, msg(ctx, "less.undone")));
    }

    private InlineKeyboardButton button(Ctx ctx, String text, String prefix, long channelId) {
        return button(callbacks, ctx, text, prefix, channelId);
    }

    /** A button of these commands for one channel: {@code prefix} and the channel's id, signed as settings data. */
    static InlineKeyboardButton button(CallbackData callbacks, Ctx ctx, String text, String prefix, long channelId) {
        return new InlineKeyboardButton(text).callbackData(callbacks.encodeSetting(ctx.user(), prefix + Long.toString(channelId, 36)));
    }

    // ---- helpers -------------------------------------------------------------------------------------

    private Mono<Void> channel(Ctx ctx, String args, String usage, java.util.function.Function<Channel, Mono<Void>> then) {
        if (args.isEmpty()) return reply(ctx, msg(ctx, usage));
        Optional<String> name = ChannelNames.normalize(args.split("\\s+")[0]);
        if (name.isEmpty()) return reply(ctx, msg(ctx, "channel.invalid"));
        return channels.findByUsername(name.get()).map(Optional::of).defaultIfEmpty(Optional.empty())
                .flatMap(c -> c.isEmpty() ? reply(ctx, fmt(ctx, "channel.unknown", name.get())) : then.apply(c.get()));
    }

    /** The planner sees the change before the reader reads the reply. */
    private Mono<Void> changed(Ctx ctx) {
        return preferences.reload(ctx.user());
    }

    private Mono<Void> reply(Ctx ctx, String text) {
        return replies.text(ctx.user(), text);
    }

    private String msg(Ctx ctx, String key) {
        return messages.get(ctx.lang(), key);
    }

    private String fmt(Ctx ctx, String key, String arg) {
        return messages.get(ctx.lang(), key, arg);
    }
}
