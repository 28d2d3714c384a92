package io.tidings.ingest;

import static io.tidings.ingest.Css.css;

import io.tidings.store.PostKind;
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
    private static final Pattern POST_LINK =
            Pattern.compile("(?:https?://)?(?:www\\.)?(?:t\\.me|telegram\\.me)/(?:s/)?([A-Za-z0-9_]+)/(\\d{1,18})(?:[?#].*)?");
    private static final Pattern VIEWS = Pattern.compile("(\\d{1,12}(?:[.,]\\d{1,3})?)\\s*([KMB]?)");


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
        int skipped = 0;
        Elements messages = doc.select(css("div.tgme_widget_message[data-post]"));
        for (int i = 0; i < messages.size(); i++) {
            Element message = messages.get(i);
            if (message.hasClass("service_message")) {
                continue; // "Channel created", "pinned …", "photo updated": not content
            }
            try {
                ChannelPost post = post(name, message);
                if (post != null) {
                    posts.add(post);
                } else {
                    skipped++;
                }
            } catch (RuntimeException e) {
                // one odd post must not cost the page; the markup is outside our control (and not logged verbatim)
                log.debug("skipping unreadable post #{} of @{}: {}", i, name, e.getClass().getSimpleName());
                skipped++;
            }
        }
        ChannelInfo info = info(doc, name);
        return new ChannelPage(name, info.title(), posts, nextBefore(doc), info, skipped);
    }

    private static ChannelPost post(String channel, Element message) {
        Matcher id = DATA_POST.matcher(message.attr("data-post").strip());
        if (!id.matches()) {
            return null;
        }
        if (!id.group(1).equalsIgnoreCase(channel)) {
            return null;
        }
        long messageId = Long.parseLong(id.group(2));
        Instant date = date(message);
        if (date == null || messageId <= 0) {
            return null;
        }
        var rendered = TelegramHtml.render(textElement(message));
        List<String> media = new ArrayList<>();
        String[] note = new String[2]; // a note on the media, the media file's URL
        PostKind kind = PostMedia.kindAndMedia(message, media, note);
        if (kind == PostKind.POLL && rendered.text().isEmpty()) {
            String question = message.select(css(".tgme_widget_message_poll_question")).text();
            rendered = new TelegramHtml.Rendered(question, TelegramHtml.escape(question));
        } else if (kind == PostKind.OTHER) {
            kind = rendered.text().isEmpty() ? PostKind.OTHER : PostKind.TEXT;
        }
        Element forwarded = message.selectFirst(css(".tgme_widget_message_forwarded_from_name"));
        return new ChannelPost(channel, messageId, date, kind, rendered.text(), rendered.html(), media,
                views(message), forwardedFrom(forwarded), "https://t.me/" + id.group(1) + "/" + messageId,
                forwarded == null ? null : TelegramHtml.safeHref(forwarded.attr("href")),
                replyTo(message, channel), linkPreview(message), edited(message), signature(message), note[0], note[1]);
    }

    private static Element textElement(Element message) {
        // the outermost caption; a reply quote carries js-message_reply_text instead of js-message_text
        for (Element e : message.select(css(".tgme_widget_message_text.js-message_text"))) {
            if (e.closest(css(PostMedia.NOT_OWN_MEDIA)) == null) {
                return e;
            }
        }
        for (Element e : message.select(css(".tgme_widget_message_text"))) {
            if (e.closest(css(PostMedia.NOT_OWN_MEDIA)) == null) {
                return e;
            }
        }
        return null;
    }

    private static long replyTo(Element message, String channel) {
        Element reply = message.selectFirst(css("a.tgme_widget_message_reply[href]"));
        if (reply == null) {
            return 0;
        }
        Matcher m = POST_LINK.matcher(reply.attr("href").strip());
        return m.matches() && m.group(1).equalsIgnoreCase(channel) ? Long.parseLong(m.group(2)) : 0;
    }

    private static LinkPreview linkPreview(Element message) {
        for (Element a : message.select(css("a.tgme_widget_message_link_preview"))) {
            if (a.closest(css(".tgme_widget_message_reply")) != null) {
                continue;
            }
            String url = TelegramHtml.safeHref(a.attr("href"));
            if (url == null || url.startsWith("tg:")) {
                return null;
            }
            Element image = a.selectFirst(css(".link_preview_image, .link_preview_right_image, .link_preview_video_thumb"));
            return new LinkPreview(url, textOf(a, ".link_preview_site_name"), textOf(a, ".link_preview_title"),
                    textOf(a, ".link_preview_description"), image == null ? null : PageUrls.backgroundUrl(image.attr("style")));
        }
        return null;
    }

    private static String textOf(Element scope, String selector) {
        Element e = scope.selectFirst(css(selector));
        String text = e == null ? "" : e.text().strip();
        return text.isEmpty() ? null : text;
    }

    private static boolean edited(Element message) {
        Element meta = message.selectFirst(css(".tgme_widget_message_footer .tgme_widget_message_meta, "
                + ".tgme_widget_message_meta"));
        return meta != null && meta.ownText().toLowerCase(Locale.ROOT).contains("edited");
    }

    private static String signature(Element message) {
        return textOf(message, ".tgme_widget_message_footer .tgme_widget_message_from_author");
    }

    private static Instant date(Element message) {
        Element time = message.selectFirst(css("a.tgme_widget_message_date time[datetime]"));
        if (time == null) {
            time = message.selectFirst(css(".tgme_widget_message_footer time[datetime], time[datetime]"));
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
        Element views = message.selectFirst(css(".tgme_widget_message_views"));
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

    private static String forwardedFrom(Element name) {
        if (name == null) {
            return null;
        }
        String text = name.text().strip();
        return text.isEmpty() ? null : text;
    }

    private static ChannelInfo info(Document doc, String channel) {
        Element title = doc.selectFirst(css(".tgme_channel_info_header_title"));
        String text = title == null ? "" : title.text().strip();
        if (text.isEmpty()) {
            text = meta(doc, "og:title");
        }
        String username = null;
        Element user = doc.selectFirst(css(".tgme_channel_info_header_username"));
        if (user != null) {
            String u = user.text().strip();
            u = u.startsWith("@") ? u.substring(1) : u;
            username = ChannelNames.isValid(u.toLowerCase(Locale.ROOT)) ? u.toLowerCase(Locale.ROOT) : null;
        }
        Element descriptionElement = doc.selectFirst(css(".tgme_channel_info_description"));
        String description = descriptionElement == null ? meta(doc, "og:description")
                : TelegramHtml.render(descriptionElement).text();
        Element avatar = doc.selectFirst(css(".tgme_channel_info_header .tgme_page_photo_image img[src]"));
        String avatarUrl = avatar == null ? null : PageUrls.absolute(avatar.attr("src"));
        if (avatarUrl == null) {
            avatarUrl = PageUrls.absolute(meta(doc, "og:image"));
        }
        long subscribers = 0;
        for (Element counter : doc.select(css(".tgme_channel_info_counter"))) {
            String type = counter.select(css(".counter_type")).text().strip().toLowerCase(Locale.ROOT);
            if (type.startsWith("subscriber") || type.startsWith("member")) {
                subscribers = parseViews(counter.select(css(".counter_value")).text());
            }
        }
        return new ChannelInfo(username, text.isEmpty() ? channel : text, description, avatarUrl, subscribers);
    }

    private static String meta(Document doc, String property) {
        Element og = doc.selectFirst(css("meta[property=" + property + "]"));
        return og == null ? "" : og.attr("content").strip();
    }

    private static OptionalLong nextBefore(Document doc) {
        for (Element more : doc.select(css("a.tme_messages_more[data-before]"))) {
            String before = more.attr("data-before").strip();
            if (before.matches("\\d{1,18}") && Long.parseLong(before) > 0) {
                return OptionalLong.of(Long.parseLong(before));
            }
        }
        return OptionalLong.empty();
    }
}
