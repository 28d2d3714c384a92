package io.tidings.bot;

import com.pengrad.telegrambot.model.CallbackQuery;
import com.pengrad.telegrambot.model.request.InlineKeyboardButton;
import com.pengrad.telegrambot.model.request.InlineKeyboardMarkup;
import io.tidings.render.CallbackData;
import io.tidings.render.Messages;
import io.tidings.store.ReaderSettings;
import io.tidings.store.ReaderSettingsRepository;
import io.tidings.store.ReaderControlRepository;
import io.tidings.feed.StoredPreferences;
import io.tidings.bot.BotHandler.Ctx;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;
import reactor.core.publisher.Mono;

/**
 * /settings and /lang as inline keyboards, never typed syntax. The settings message keeps its text; its keyboard is
 * edited in place: a main menu whose buttons show the current values, and sub-menus for mailing times (toggles),
 * time zone, posts per mailing and language. Button data (signed like every button): {@code m} main menu,
 * {@code mt mz mn ml} sub-menus, {@code t<HHmm>} toggle a time, {@code td} default times, {@code z<i>} zone,
 * {@code n<k>} posts, {@code i} instant push, {@code a} ad filter, {@code g} digest, {@code p} pause/resume, {@code l:<lang>} language from the menu,
 * {@code l<lang>} language from /lang, {@code x} close.
 */
public final class SettingsMenu {

    /** Time zones offered, by where most readers live; ids are stable, so their index is the button data. */
    static final List<String> ZONES = List.of("UTC", "Europe/London", "Europe/Berlin", "Europe/Kyiv", "Europe/Moscow",
            "Asia/Yerevan", "Asia/Tashkent", "Asia/Almaty", "Asia/Novosibirsk", "Asia/Vladivostok", "America/New_York",
            "America/Los_Angeles");
    static final List<Integer> POSTS = List.of(1, 2, 3, 5);
    private static final List<LocalTime> SLOTS = List.of(LocalTime.of(8, 0), LocalTime.of(10, 20), LocalTime.of(12, 20),
            LocalTime.of(14, 0), LocalTime.of(16, 20), LocalTime.of(19, 20), LocalTime.of(21, 0), LocalTime.of(23, 0));
    private static final DateTimeFormatter HHMM = DateTimeFormatter.ofPattern("HHmm");

    private final Replies replies;
    private final Messages messages;
    private final CallbackData callbacks;
    private final ReaderSettingsRepository settings;
    private final ReaderControlRepository control;
    private final StoredPreferences preferences;
    private final List<LocalTime> defaultTimes;
    private final List<LocalTime> slots;

    public SettingsMenu(Replies replies, Messages messages, CallbackData callbacks, ReaderSettingsRepository settings,
                        ReaderControlRepository control, StoredPreferences preferences, List<LocalTime> defaultMailingTimes) {
        this.control = control;
        this.preferences = preferences;
        this.replies = replies;
        this.messages = messages;
        this.callbacks = callbacks;
        this.settings = settings;
        this.defaultTimes = List.copyOf(defaultMailingTimes);
        TreeSet<LocalTime> all = new TreeSet<>(SLOTS);
        all.addAll(defaultTimes);
        this.slots = List.copyOf(all);
    }

    Mono<Void> open(Ctx ctx) {
        return replies.text(ctx.user(), msg(ctx.lang(), "settings.title"), main(ctx.user(), ctx.lang(), ctx.reader()));
    }

    Mono<Void> openLanguage(Ctx ctx) {
        return replies.text(ctx.user(), msg(ctx.lang(), "lang.choose"), languages(ctx.user(), ctx.lang(), false));
    }

    Mono<Void> onPress(Ctx ctx, CallbackQuery q, String arg) {
        if (!ctx.registered()) return replies.answer(q, msg(ctx.lang(), "hint"));
        ReaderSettings s = ctx.reader();
        long u = ctx.user();
        Integer messageId = q.maybeInaccessibleMessage() == null ? null : q.maybeInaccessibleMessage().messageId();
        if (arg.equals("m")) return show(q, messageId, u, main(u, ctx.lang(), s), null, ctx.lang());
        if (arg.equals("mt")) return show(q, messageId, u, times(u, ctx.lang(), s), "settings.times.help", ctx.lang());
        if (arg.equals("mz")) return show(q, messageId, u, zones(u, ctx.lang(), s), null, ctx.lang());
        if (arg.equals("mn")) return show(q, messageId, u, posts(u, ctx.lang(), s), null, ctx.lang());
        if (arg.equals("ml")) return show(q, messageId, u, languages(u, ctx.lang(), true), null, ctx.lang());
        if (arg.equals("x")) return replies.answer(q, null).then(replies.editKeyboard(u, messageId, null));
        if (arg.equals("a")) {
            return save(q, messageId, ctx, control.setAdFilter(u, !s.adFilter()).then(preferences.reload(u)), false);
        }
        if (arg.equals("g")) return save(q, messageId, ctx, settings.setDigest(u, !s.digest()), false);
        if (arg.equals("i")) return save(q, messageId, ctx, settings.setInstantPush(u, !s.instantPush()), false);
        if (arg.equals("p")) {
            return save(q, messageId, ctx, (s.paused() ? settings.resume(u) : settings.pause(u)).then(), false);
        }
        if (arg.equals("td")) return save(q, messageId, ctx, settings.setMailingTimes(u, null), true);
        if (arg.matches("t\\d{4}")) {
            LocalTime t = parseSlot(arg.substring(1));
            if (t == null || !slots.contains(t)) return invalid(ctx, q);
            TreeSet<LocalTime> chosen = new TreeSet<>(s.mailingTimesOr(defaultTimes));
            if (!chosen.remove(t)) chosen.add(t);
            return save(q, messageId, ctx, settings.setMailingTimes(u, List.copyOf(chosen)), true);
        }
        if (arg.matches("z\\d{1,2}")) {
            int i = Integer.parseInt(arg.substring(1));
            if (i >= ZONES.size()) return invalid(ctx, q);
            return save(q, messageId, ctx, settings.setTimeZone(u, ZoneId.of(ZONES.get(i))), false);
        }
        if (arg.matches("n\\d{1,2}")) {
            int n = Integer.parseInt(arg.substring(1));
            if (!POSTS.contains(n)) return invalid(ctx, q);
            return save(q, messageId, ctx, settings.setPostsPerMailing(u, n), false);
        }
        if (arg.equals("l:en") || arg.equals("l:ru") || arg.equals("len") || arg.equals("lru")) {
            String lang = arg.substring(arg.length() - 2);
            boolean fromMenu = arg.startsWith("l:");
            return settings.setLanguage(u, lang)
                    .then(replies.answer(q, msg(lang, "lang.set")))
                    .then(settings.find(u))
                    .flatMap(now -> replies.editKeyboard(u, messageId,
                            fromMenu ? main(u, lang, now) : languages(u, lang, false)));
        }
        return invalid(ctx, q);
    }

    private Mono<Void> show(CallbackQuery q, Integer messageId, long u, InlineKeyboardMarkup keyboard, String toast, String lang) {
        return replies.answer(q, toast == null ? null : msg(lang, toast)).then(replies.editKeyboard(u, messageId, keyboard));
    }

    /** Applies a change, says "saved", and shows the main menu (or stays in the times menu to toggle more). */
    private Mono<Void> save(CallbackQuery q, Integer messageId, Ctx ctx, Mono<?> change, boolean stayInTimes) {
        long u = ctx.user();
        return change.then(replies.answer(q, msg(ctx.lang(), "settings.saved")))
                .then(settings.find(u))
                .flatMap(now -> replies.editKeyboard(u, messageId,
                        stayInTimes ? times(u, ctx.lang(), now) : main(u, ctx.lang(), now)));
    }

    private Mono<Void> invalid(Ctx ctx, CallbackQuery q) {
        return replies.answer(q, msg(ctx.lang(), "callback.invalid"));
    }

    InlineKeyboardMarkup main(long u, String lang, ReaderSettings s) {
        List<LocalTime> times = s.mailingTimesOr(defaultTimes);
        String timesText = times.isEmpty() ? msg(lang, "settings.times.off")
                : times.stream().map(LocalTime::toString).collect(Collectors.joining(", "));
        return new InlineKeyboardMarkup(
                row(button(messages.get(lang, "settings.times", timesText), u, "mt")),
                row(button(messages.get(lang, "settings.zone", s.timeZone()), u, "mz")),
                row(button(messages.get(lang, "settings.posts", Integer.toString(s.postsPerMailing())), u, "mn")),
                row(button(msg(lang, s.instantPush() ? "settings.instant.on" : "settings.instant.off"), u, "i")),
                row(button(msg(lang, s.adFilter() ? "settings.ads.on" : "settings.ads.off"), u, "a")),
                row(button(msg(lang, s.digest() ? "settings.digest.on" : "settings.digest.off"), u, "g")),
                row(button(msg(lang, "settings.language"), u, "ml")),
                row(button(msg(lang, s.paused() ? "settings.resume" : "settings.pause"), u, "p")),
                row(button(msg(lang, "settings.close"), u, "x")));
    }

    private InlineKeyboardMarkup times(long u, String lang, ReaderSettings s) {
        List<LocalTime> chosen = s.mailingTimesOr(defaultTimes);
        List<InlineKeyboardButton[]> rows = new ArrayList<>();
        List<InlineKeyboardButton> row = new ArrayList<>();
        for (LocalTime t : slots) {
            row.add(button((chosen.contains(t) ? "✅ " : "") + t, u, "t" + HHMM.format(t)));
            if (row.size() == 4) {
                rows.add(row.toArray(InlineKeyboardButton[]::new));
                row = new ArrayList<>();
            }
        }
        if (!row.isEmpty()) rows.add(row.toArray(InlineKeyboardButton[]::new));
        rows.add(row(button(msg(lang, "settings.default_times"), u, "td"), button(msg(lang, "settings.back"), u, "m")));
        return new InlineKeyboardMarkup(rows.toArray(InlineKeyboardButton[][]::new));
    }

    private InlineKeyboardMarkup zones(long u, String lang, ReaderSettings s) {
        List<InlineKeyboardButton[]> rows = new ArrayList<>();
        for (int i = 0; i < ZONES.size(); i += 2) {
            List<InlineKeyboardButton> row = new ArrayList<>();
            for (int j = i; j < Math.min(i + 2, ZONES.size()); j++) {
                String z = ZONES.get(j);
                row.add(button((z.equals(s.timeZone()) ? "✅ " : "") + z, u, "z" + j));
            }
            rows.add(row.toArray(InlineKeyboardButton[]::new));
        }
        rows.add(row(button(msg(lang, "settings.back"), u, "m")));
        return new InlineKeyboardMarkup(rows.toArray(InlineKeyboardButton[][]::new));
    }

    private InlineKeyboardMarkup posts(long u, String lang, ReaderSettings s) {
        InlineKeyboardButton[] options = POSTS.stream()
                .map(n -> button((n == s.postsPerMailing() ? "✅ " : "") + n, u, "n" + n))
                .toArray(InlineKeyboardButton[]::new);
        return new InlineKeyboardMarkup(options, row(button(msg(lang, "settings.back"), u, "m")));
    }

    private InlineKeyboardMarkup languages(long u, String lang, boolean fromMenu) {
        String p = fromMenu ? "l:" : "l";
        InlineKeyboardMarkup k = new InlineKeyboardMarkup(row(
                button(("en".equals(lang) ? "✅ " : "") + "English", u, p + "en"),
                button(("ru".equals(lang) ? "✅ " : "") + "Русский", u, p + "ru")));
        return fromMenu ? k.addRow(button(msg(lang, "settings.back"), u, "m")) : k;
    }

    private InlineKeyboardButton button(String text, long u, String arg) {
        return new InlineKeyboardButton(text).callbackData(callbacks.encodeSetting(u, arg));
    }

    private static InlineKeyboardButton[] row(InlineKeyboardButton... buttons) {
        return buttons;
    }

    private static LocalTime parseSlot(String hhmm) {
        int h = Integer.parseInt(hhmm.substring(0, 2));
        int m = Integer.parseInt(hhmm.substring(2));
        return h < 24 && m < 60 ? LocalTime.of(h, m) : null;
    }

    private String msg(String lang, String key) {
        return messages.get(lang, key);
    }
}
