package io.tidings.render;

import io.tidings.store.PostKind;
import io.tidings.telegram.TelegramClient;
import com.pengrad.telegrambot.model.LinkPreviewOptions;
import com.pengrad.telegrambot.model.request.InlineKeyboardButton;
import com.pengrad.telegrambot.model.request.InlineKeyboardMarkup;
import com.pengrad.telegrambot.model.request.InputMediaPhoto;
import com.pengrad.telegrambot.model.request.ParseMode;
import com.pengrad.telegrambot.request.AbstractSendRequest;
import com.pengrad.telegrambot.request.SendAnimation;
import com.pengrad.telegrambot.request.SendAudio;
import com.pengrad.telegrambot.request.SendDocument;
import com.pengrad.telegrambot.request.SendVideo;
import com.pengrad.telegrambot.request.SendVoice;
import com.pengrad.telegrambot.request.BaseRequest;
import com.pengrad.telegrambot.request.SendMediaGroup;
import com.pengrad.telegrambot.request.SendMessage;
import com.pengrad.telegrambot.request.SendPhoto;
import io.tidings.store.Post;
import io.tidings.render.CallbackData.Action;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * Turns a stored post into what a reader gets: the channel title linking to the original, the post (Telegram HTML,
 * escaped), date and views, and the buttons 👍 👎 "More" "Less from this channel" "Mute channel". Posts cannot be forwarded from
 * channels the bot is not in, so they are re-rendered from the scraped content:
 * <ul>
 * <li>text: one message, within 4096 characters;</li>
 * <li>photo: sendPhoto with the caption when it fits 1024 characters, else the photo, then the text;</li>
 * <li>album: sendMediaGroup (up to 10 photos), then a message with the buttons;</li>
 * <li>video, animation, voice, audio and document with a file Telegram can fetch (a URL of the page's player, or a
 * file id from a channel post update): sent natively (sendVideo, sendAnimation, sendVoice, sendAudio, sendDocument),
 * the caption as for a photo; when Telegram refuses it (it fetches at most 20 MB by URL, some types not at all), the
 * text with a preview of the original instead;</li>
 * <li>poll, sticker and the rest: text with a preview of the original post.</li>
 * </ul>
 */
public final class PostRenderer {

    static final int TEXT_LIMIT = 4096;
    static final int CAPTION_LIMIT = 1024;
    static final int ALBUM_MAX = 10;
    private static final DateTimeFormatter DATE_EN = DateTimeFormatter.ofPattern("d MMM yyyy, HH:mm 'UTC'", Locale.ENGLISH)
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DATE_RU = DateTimeFormatter.ofPattern("d MMM yyyy, HH:mm 'UTC'", Locale.forLanguageTag("ru"))
            .withZone(ZoneOffset.UTC);

    private final CallbackData callbacks;
    private final Messages messages;

    public PostRenderer(CallbackData callbacks, Messages messages) {
        this.callbacks = callbacks;
        this.messages = messages;
    }

    /**
     * Everything to send for one delivery, the message with the buttons last. Send it with
     * {@link RenderedPost#send(TelegramClient)}, which resumes after the parts already sent when retried.
     */
    public RenderedPost renderPost(long chatId, String language, Post post) {
        InlineKeyboardMarkup keyboard = keyboard(chatId, language, post.id(), null);
        List<String> photos = photos(post);
        RenderedPost fallback = new RenderedPost(List.of(), linkPreviewText(chatId, language, post, keyboard), null);
        if (photos.size() >= 2) {
            String caption = compose(post, CAPTION_LIMIT, language, null);
            boolean fits = captionFits(post, language);
            InputMediaPhoto[] media = new InputMediaPhoto[photos.size()];
            for (int i = 0; i < media.length; i++) media[i] = new InputMediaPhoto(photos.get(i));
            if (fits) media[0].caption(caption).parseMode(ParseMode.HTML);
            SendMessage buttons = fits
                    ? new SendMessage(chatId, "⬆️ " + header(post)).parseMode(ParseMode.HTML)
                            .linkPreviewOptions(new LinkPreviewOptions().isDisabled(true))
                    : new SendMessage(chatId, compose(post, TEXT_LIMIT, language, null)).parseMode(ParseMode.HTML)
                            .linkPreviewOptions(new LinkPreviewOptions().isDisabled(true));
            return new RenderedPost(List.of(new SendMediaGroup(chatId, media)), buttons.replyMarkup(keyboard), fallback);
        }
        if (photos.size() == 1) {
            if (captionFits(post, language)) {
                return new RenderedPost(List.of(), new SendPhoto(chatId, photos.get(0))
                        .caption(compose(post, CAPTION_LIMIT, language, null)).parseMode(ParseMode.HTML)
                        .replyMarkup(keyboard), fallback);
            }
            // a caption holds 1024 characters: the photo with the title, then the whole text with the buttons
            BaseRequest<?, ?> photo = new SendPhoto(chatId, photos.get(0)).caption(header(post)).parseMode(ParseMode.HTML);
            SendMessage text = new SendMessage(chatId, compose(post, TEXT_LIMIT, language, null)).parseMode(ParseMode.HTML)
                    .linkPreviewOptions(new LinkPreviewOptions().isDisabled(true)).replyMarkup(keyboard);
            return new RenderedPost(List.of(photo), text, fallback);
        }
        if (nativeMedia(chatId, post, "", null) != null) {
            if (captionFits(post, language)) {
                return new RenderedPost(List.of(), nativeMedia(chatId, post, compose(post, CAPTION_LIMIT, language, null), keyboard),
                        fallback);
            }
            SendMessage text = new SendMessage(chatId, compose(post, TEXT_LIMIT, language, null)).parseMode(ParseMode.HTML)
                    .linkPreviewOptions(new LinkPreviewOptions().isDisabled(true)).replyMarkup(keyboard);
            return new RenderedPost(List.of(nativeMedia(chatId, post, header(post), null)), text, fallback);
        }
        if (isText(post)) {
            return new RenderedPost(List.of(), new SendMessage(chatId, compose(post, TEXT_LIMIT, language, null))
                    .parseMode(ParseMode.HTML).linkPreviewOptions(new LinkPreviewOptions().isDisabled(true))
                    .replyMarkup(keyboard), null);
        }
        return fallback;
    }

    /** Characters of a channel title shown in a digest line (Telegram allows 128). */
    static final int DIGEST_TITLE_MAX = 40;
    /** Buttons per row under a digest (Telegram allows 8 a row, 100 in all; a digest lists at most 20 posts). */
    static final int DIGEST_ROW = 5;

    /**
     * A digest message: one line per post, best first (its number, the channel's title linking to the original post
     * on t.me, the post's first line), and under it a numbered button per post that sends the full post. The
     * headlines share what is left of Telegram's 4096 characters, a short one leaving its room to the others, so the
     * message always fits whatever the texts.
     */
    public RenderedPost renderDigest(long chatId, String language, List<Post> posts) {
        if (posts.isEmpty()) throw new IllegalArgumentException("a digest lists at least one post");
        int n = posts.size();
        String head = messages.get(language, "digest.title", n);
        String[] lead = new String[n];
        String[] lines = new String[n];
        int fixed = head.length();
        for (int i = 0; i < n; i++) {
            Post p = posts.get(i);
            String title = p.channelTitle() == null || p.channelTitle().isBlank() ? "@" + p.channelUsername() : p.channelTitle().strip();
            String shown = Html.escape(Html.cut(title, DIGEST_TITLE_MAX));
            if (shown.length() < Html.escape(title).length()) shown += "…";
            lead[i] = "\n\n<b>" + (i + 1) + ".</b> <a href=\"" + Html.escape(p.permalink()) + "\">" + shown + "</a>: ";
            lines[i] = firstLine(p, language);
            fixed += lead[i].length();
        }
        int[] room = shareRoom(lines, TEXT_LIMIT - fixed);
        StringBuilder text = new StringBuilder(head);
        InlineKeyboardButton[][] rows = new InlineKeyboardButton[(n + DIGEST_ROW - 1) / DIGEST_ROW][];
        for (int i = 0; i < n; i++) {
            String line = Html.escape(lines[i]);
            if (line.length() > room[i]) line = Html.escape(Html.cut(lines[i], Math.max(0, room[i] - 1))) + "…";
            text.append(lead[i]).append(line);
            int row = i / DIGEST_ROW;
            if (rows[row] == null) rows[row] = new InlineKeyboardButton[Math.min(DIGEST_ROW, n - row * DIGEST_ROW)];
            rows[row][i % DIGEST_ROW] = new InlineKeyboardButton("📖 " + (i + 1))
                    .callbackData(callbacks.encode(chatId, Action.FULL, posts.get(i).id()));
        }
        return new RenderedPost(List.of(), new SendMessage(chatId, text.toString()).parseMode(ParseMode.HTML)
                .linkPreviewOptions(new LinkPreviewOptions().isDisabled(true)).replyMarkup(new InlineKeyboardMarkup(rows)), null);
    }

    /** A post's first non-blank line of text, or a note on its kind when it has none. */
    private String firstLine(Post p, String language) {
        String t = p.text() == null ? "" : p.text().strip();
        int nl = t.indexOf('\n');
        String first = (nl < 0 ? t : t.substring(0, nl)).strip();
        if (!first.isEmpty()) return first;
        return isText(p) ? messages.get(language, "digest.no_text") : mediaNote(language, p.kind());
    }

    /**
     * Splits {@code budget} characters among the lines (as escaped HTML): a line that fits takes what it needs, and
     * what it leaves goes to the longer ones, evenly.
     */
    static int[] shareRoom(String[] lines, int budget) {
        int n = lines.length;
        Integer[] order = new Integer[n];
        int[] need = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
            need[i] = Html.escape(lines[i]).length();
        }
        java.util.Arrays.sort(order, java.util.Comparator.comparingInt(i -> need[i]));
        int[] room = new int[n];
        int left = Math.max(0, budget);
        for (int k = 0; k < n; k++) {
            int i = order[k];
            room[i] = Math.min(need[i], left / (n - k));
            left -= room[i];
        }
        return room;
    }

    /**
     * One request for a delivery, for senders that send exactly one message: the message with the buttons of
     * {@link #renderPost} when that is all there is, else a photo with a cut caption or a text with a preview of the
     * original.
     */
    public AbstractSendRequest<?> render(long chatId, String language, Post post) {
        RenderedPost full = renderPost(chatId, language, post);
        if (full.lead().isEmpty()) return full.last();
        List<String> photos = photos(post);
        AbstractSendRequest<?> nativeMedia = nativeMedia(chatId, post, compose(post, CAPTION_LIMIT, language, null),
                keyboard(chatId, language, post.id(), null));
        if (nativeMedia != null) return nativeMedia;
        if (photos.size() == 1) {
            return new SendPhoto(chatId, photos.get(0)).caption(compose(post, CAPTION_LIMIT, language, null))
                    .parseMode(ParseMode.HTML).replyMarkup(keyboard(chatId, language, post.id(), null));
        }
        return linkPreviewText(chatId, language, post, keyboard(chatId, language, post.id(), null));
    }

    /** The buttons under a post; {@code chosen} marks the one the reader pressed. */
    public InlineKeyboardMarkup keyboard(long chatId, String language, long postId, Action chosen) {
        String less = messages.get(language, "button.less");
        String mute = messages.get(language, "button.mute");
        return new InlineKeyboardMarkup(
                new InlineKeyboardButton[] {
                        new InlineKeyboardButton(chosen == Action.LIKE ? "✅ 👍" : "👍").callbackData(callbacks.encode(chatId, Action.LIKE, postId)),
                        new InlineKeyboardButton(chosen == Action.DISLIKE ? "✅ 👎" : "👎").callbackData(callbacks.encode(chatId, Action.DISLIKE, postId))},
                new InlineKeyboardButton[] {
                        new InlineKeyboardButton(messages.get(language, "button.more")).callbackData(callbacks.encode(chatId, Action.MORE, postId)),
                        new InlineKeyboardButton(chosen == Action.LESS ? "✅ " + less : less).callbackData(callbacks.encode(chatId, Action.LESS, postId))},
                new InlineKeyboardButton[] {
                        new InlineKeyboardButton(chosen == Action.MUTE ? "✅ " + mute : mute).callbackData(callbacks.encode(chatId, Action.MUTE, postId))});
    }

    private SendMessage linkPreviewText(long chatId, String language, Post post, InlineKeyboardMarkup keyboard) {
        String note = isText(post) ? null : mediaNote(language, post.kind());
        return new SendMessage(chatId, compose(post, TEXT_LIMIT, language, note)).parseMode(ParseMode.HTML)
                .linkPreviewOptions(new LinkPreviewOptions().url(post.permalink()).preferLargeMedia(true))
                .replyMarkup(keyboard);
    }

    private String mediaNote(String language, PostKind kind) {
        String key = switch (kind) {
            case VIDEO, DOCUMENT, POLL, VOICE, STICKER, LOCATION -> "media." + kind.sql();
            default -> "media.other";
        };
        return messages.get(language, key);
    }

    /**
     * The request that sends the post's media file natively, or null: a file id (no "://") or an https URL; a document
     * by URL only as a PDF, ZIP or GIF (the only ones Telegram fetches).
     */
    static AbstractSendRequest<?> nativeMedia(long chatId, Post post, String caption, InlineKeyboardMarkup keyboard) {
        String file = post.mediaFile();
        if (file == null || file.isBlank() || post.kind() == null) return null;
        boolean url = file.contains("://");
        if (url && !file.startsWith("https://")) return null;
        AbstractSendRequest<?> r = switch (post.kind()) {
            case VIDEO -> new SendVideo(chatId, file).caption(caption).parseMode(ParseMode.HTML);
            case ANIMATION -> new SendAnimation(chatId, file).caption(caption).parseMode(ParseMode.HTML);
            case VOICE -> new SendVoice(chatId, file).caption(caption).parseMode(ParseMode.HTML);
            case AUDIO -> new SendAudio(chatId, file).caption(caption).parseMode(ParseMode.HTML);
            case DOCUMENT -> !url || fetchableDocument(file) ? new SendDocument(chatId, file).caption(caption).parseMode(ParseMode.HTML) : null;
            default -> null;
        };
        if (r != null && keyboard != null) r.replyMarkup(keyboard);
        return r;
    }

    private static boolean fetchableDocument(String url) {
        String path = url.toLowerCase(Locale.ROOT);
        int q = path.indexOf('?');
        if (q >= 0) path = path.substring(0, q);
        return path.endsWith(".pdf") || path.endsWith(".zip") || path.endsWith(".gif");
    }

    private static boolean isText(Post post) {
        return post.kind() == null || post.kind() == PostKind.TEXT;
    }

    private static List<String> photos(Post post) {
        if (post.kind() != PostKind.PHOTO && post.kind() != PostKind.ALBUM) return List.of();
        List<String> urls = post.mediaUrls().stream().filter(u -> u != null && u.startsWith("http")).toList();
        return urls.size() > ALBUM_MAX ? urls.subList(0, ALBUM_MAX) : urls;
    }

    private static boolean captionFits(Post post, String language) {
        return compose(post, Integer.MAX_VALUE, language, null).length() <= CAPTION_LIMIT;
    }

    /**
     * The reserved channel of operators' announcements (broadcasts composed from a text): not a Telegram username
     * (those have no '@' once normalised), so it names no real channel; its posts have a plain title and no links.
     */
    public static final String ANNOUNCEMENTS = "@operator";

    /** An announcement's text as the HTML a post holds (plain text, escaped). */
    public static String announcementHtml(String text) {
        return Html.escape(text);
    }

    static boolean isAnnouncement(Post post) {
        return ANNOUNCEMENTS.equals(post.channelUsername());
    }

    static String header(Post post) {
        if (isAnnouncement(post)) return "<b>📢</b>";
        String title = post.channelTitle() == null || post.channelTitle().isBlank() ? "@" + post.channelUsername() : post.channelTitle();
        return "<b><a href=\"" + Html.escape(post.permalink()) + "\">" + Html.escape(title) + "</a></b>";
    }

    static String compose(Post post, int limit) {
        return compose(post, limit, "en", null);
    }

    /** Title link, body (cut to fit with a link to the rest), an optional note on media, date and views. */
    static String compose(Post post, int limit, String language, String note) {
        String header = header(post) + "\n\n";
        String link = "<a href=\"" + Html.escape(post.permalink()) + "\">";
        String noteLine = note == null ? "" : "\n\n" + link + Html.escape(note) + "</a>";
        String date = ("ru".equals(language) ? DATE_RU : DATE_EN).format(post.publishedAt());
        String footer = noteLine + "\n\n<i>" + date + (isAnnouncement(post) ? "" : " · 👁 " + post.views()) + "</i>";
        String body = post.html() == null || post.html().isBlank() ? Html.escape(post.text()) : post.html();
        int room = limit == Integer.MAX_VALUE ? Integer.MAX_VALUE : limit - header.length() - footer.length();
        if (body.length() > room) {
            String more = "… " + link + "→</a>";
            body = Html.escape(Html.cut(post.text(), Math.max(0, room - more.length() - 64))) + more;
        }
        if (body.isBlank()) header = header(post);
        return header + body + footer;
    }
}
