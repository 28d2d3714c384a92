package io.tidings.ingest;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.select.Elements;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a t.me/s/&lt;channel&gt; page into posts. Scraped HTML is untrusted and changes without notice, so nothing in
 * it throws for the whole page: a post without an id or a date is skipped and the others are kept.
 */
public final class ChannelPageParser {

    private static final Logger log = LoggerFactory.getLogger(ChannelPageParser.class);

    private static final Pattern DATA_POST = Pattern.compile("([A-Za-z0-9_]+)/(\\d{1,18})");
    private static final Pattern BACKGROUND_URL =
            Pattern.compile("background-image\\s*:\\s*url\\(\\s*['\"]?([^'\")]+)['\"]?\\s*\\)");
    private static final Pattern VIEWS = Pattern.compile("(\\d{1,12}(?:[.,]\\d{1,3})?)\\s*([KMB]?)");

    /** Media that belongs to something quoted or linked, not to the post itself. */
    private static final String NOT_OWN_MEDIA =
            ".tgme_widget_message_link_preview, .tgme_widget_message_reply, .tgme_widget_message_user";

    private ChannelPageParser() {
    }

    /**
     * Parses one page. {@code channel} is the name the page was requested for; posts whose {@code data-post} names
     * another channel are ignored.
     */
    public static ChannelPage parse(String channel, String html) {
        String name = channel.toLowerCase(Locale.ROOT);
        Document doc = Jsoup.parse(html == null ? "" : html);
        List<ChannelPost> posts = new ArrayList<>();
        Elements messages = doc.select("div.tgme_widget_message[data-post]");
        for (int i = 0; i < messages.size(); i++) {
            Element message = messages.get(i);
            try {
                ChannelPost post = post(name, message);
                if (post != null) {
                    posts.add(post);
                }
            } catch (RuntimeException e) {
                // one odd post must not cost the page; the markup is outside our control (and not logged verbatim)
                log.debug("skipping unreadable post #{} of @{}: {}", i, name, e.getClass().getSimpleName());
            }
        }
        return new ChannelPage(name, title(doc, name), posts, nextBefore(doc));
    }

    private static ChannelPost post(String channel, Element message) {
        if (message.hasClass("service_message")) {
            return null;
        }
        Matcher id = DATA_POST.matcher(message.attr("data-post").strip());
        if (!id.matches() || !id.group(1).equalsIgnoreCase(channel)) {
            return null;
        }
        long messageId = Long.parseLong(id.group(2));
        Instant date = date(message);
        if (date == null || messageId <= 0) {
            return null;
        }
        var rendered = TelegramHtml.render(textElement(message));
        List<String> media = new ArrayList<>();
        PostKind kind = kindAndMedia(message, media);
        if (kind == PostKind.POLL && rendered.text().isEmpty()) {
            String question = message.select(".tgme_widget_message_poll_question").text();
            rendered = new TelegramHtml.Rendered(question, TelegramHtml.escape(question));
        } else if (kind == PostKind.OTHER && !rendered.text().isEmpty() && media.isEmpty()
                && !hasUnsupportedMedia(message)) {
            kind = PostKind.TEXT;
        }
        return new ChannelPost(channel, messageId, date, kind, rendered.text(), rendered.html(), media,
                views(message), forwardedFrom(message), "https://t.me/" + id.group(1) + "/" + messageId);
    }

    private static Element textElement(Element message) {
        // the outermost caption; a reply quote carries js-message_reply_text instead of js-message_text
        Element text = message.selectFirst(".tgme_widget_message_text.js-message_text");
        if (text != null) {
            return text;
        }
        for (Element e : message.select(".tgme_widget_message_text")) {
            if (e.closest(".tgme_widget_message_reply") == null) {
                return e;
            }
        }
        return null;
    }

    private static PostKind kindAndMedia(Element message, List<String> media) {
        Elements grouped = message.select(".tgme_widget_message_grouped_wrap");
        Element scope = grouped.isEmpty() ? message : grouped.first();
        int photos = 0;
        int videos = 0;
        for (Element e : scope.select(".tgme_widget_message_photo_wrap, .tgme_widget_message_video_player, "
                + ".tgme_widget_message_roundvideo_player")) {
            if (isNotOwn(e)) {
                continue;
            }
            boolean photo = e.hasClass("tgme_widget_message_photo_wrap");
            Element styled = photo ? e
                    : e.selectFirst(".tgme_widget_message_video_thumb, .tgme_widget_message_roundvideo_thumb");
            String url = styled == null ? null : backgroundUrl(styled.attr("style"));
            if (url != null) {
                media.add(url);
            }
            if (photo) {
                photos++;
            } else {
                videos++;
            }
        }
        if (!grouped.isEmpty() || photos + videos > 1) {
            return PostKind.ALBUM;
        }
        if (photos == 1) {
            return PostKind.PHOTO;
        }
        if (videos == 1 || hasOwn(message, ".tgme_widget_message_video, .tgme_widget_message_roundvideo")) {
            return PostKind.VIDEO;
        }
        if (hasOwn(message, ".tgme_widget_message_document_wrap, .tgme_widget_message_document")) {
            return PostKind.DOCUMENT;
        }
        if (hasOwn(message, ".tgme_widget_message_poll")) {
            return PostKind.POLL;
        }
        return PostKind.OTHER; // becomes TEXT when a caption is all there is
    }

    private static boolean hasUnsupportedMedia(Element message) {
        return hasOwn(message, ".tgme_widget_message_sticker_wrap, .tgme_widget_message_sticker, "
                + ".tgme_widget_message_voice, .tgme_widget_message_location_wrap, .message_media_not_supported");
    }

    private static boolean hasOwn(Element message, String selector) {
        for (Element e : message.select(selector)) {
            if (!isNotOwn(e)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isNotOwn(Element e) {
        return e.closest(NOT_OWN_MEDIA) != null;
    }

    /** The URL inside {@code background-image:url('…')}, made absolute, http(s) only. */
    static String backgroundUrl(String style) {
        if (style == null || style.isEmpty()) {
            return null;
        }
        Matcher m = BACKGROUND_URL.matcher(style);
        if (!m.find()) {
            return null;
        }
        String url = m.group(1).strip();
        if (url.startsWith("//")) {
            url = "https:" + url;
        }
        return TelegramHtml.safeHref(url) != null && !url.startsWith("tg:") ? url : null;
    }

    private static Instant date(Element message) {
        Element time = message.selectFirst("a.tgme_widget_message_date time[datetime]");
        if (time == null) {
            time = message.selectFirst(".tgme_widget_message_footer time[datetime], time[datetime]");
        }
        if (time == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(time.attr("datetime").strip()).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static long views(Element message) {
        Element views = message.selectFirst(".tgme_widget_message_views");
        return views == null ? 0 : parseViews(views.text());
    }

    /** "980" → 980, "1.2K" → 1200, "436.6K" → 436600, "3M" → 3000000; anything else → 0. */
    static long parseViews(String raw) {
        if (raw == null) {
            return 0;
        }
        Matcher m = VIEWS.matcher(raw.strip().toUpperCase(Locale.ROOT));
        if (!m.matches()) {
            return 0;
        }
        BigDecimal n = new BigDecimal(m.group(1).replace(',', '.'));
        BigDecimal scale = switch (m.group(2)) {
            case "K" -> BigDecimal.valueOf(1_000);
            case "M" -> BigDecimal.valueOf(1_000_000);
            case "B" -> BigDecimal.valueOf(1_000_000_000);
            default -> BigDecimal.ONE;
        };
        return n.multiply(scale).longValue();
    }

    private static String forwardedFrom(Element message) {
        Element name = message.selectFirst(".tgme_widget_message_forwarded_from_name");
        if (name == null) {
            return null;
        }
        String text = name.text().strip();
        return text.isEmpty() ? null : text;
    }

    private static String title(Document doc, String channel) {
        Element title = doc.selectFirst(".tgme_channel_info_header_title");
        String text = title == null ? "" : title.text().strip();
        if (text.isEmpty()) {
            Element og = doc.selectFirst("meta[property=og:title]");
            text = og == null ? "" : og.attr("content").strip();
        }
        return text.isEmpty() ? channel : text;
    }

    private static OptionalLong nextBefore(Document doc) {
        for (Element more : doc.select("a.tme_messages_more[data-before]")) {
            String before = more.attr("data-before").strip();
            if (before.matches("\\d{1,18}") && Long.parseLong(before) > 0) {
                return OptionalLong.of(Long.parseLong(before));
            }
        }
        return OptionalLong.empty();
    }
}
