package io.tidings.testkit.channels;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Writes channel pages in the structure t.me/s serves (same class names, nesting and attributes as the saved real
 * pages under src/test/resources/tme), so the production parser reads both. Every text is HTML-escaped: catalogue
 * content is treated as untrusted, like the real thing.
 */
final class TmePageRenderer {

    private static final DateTimeFormatter DATETIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter CLOCK =
            DateTimeFormatter.ofPattern("HH:mm", Locale.ROOT).withZone(ZoneOffset.UTC);

    /**
     * One post as the server keeps it. An album has several photos (and spans as many message ids); a video has a
     * thumbnail; a forwarded post names its origin.
     */
    record Post(long id, String text, List<String> photos, String videoThumb, String forwardedFrom, Instant date,
            long views, boolean edited) {

        Post(long id, String text, String photoUrl, Instant date, long views) {
            this(id, text, photoUrl == null ? List.of() : List.of(photoUrl), null, null, date, views, false);
        }

        Post {
            photos = List.copyOf(photos);
        }

        Post edit(String newText) {
            return new Post(id, newText, photos, videoThumb, forwardedFrom, date, views, true);
        }
    }

    private TmePageRenderer() {
    }

    static String channelPage(String name, String title, String description, long subscribers, List<Post> posts,
            Long moreBefore) {
        String n = escape(name);
        StringBuilder b = new StringBuilder(4096 + posts.size() * 1500);
        b.append("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>")
                .append(escape(title)).append(" – Telegram</title>\n")
                .append("<meta property=\"og:title\" content=\"").append(escape(title)).append("\">\n")
                .append("<link rel=\"canonical\" href=\"https://t.me/s/").append(n).append("\">\n")
                .append("</head>\n<body class=\"widget_frame_base tgme_webpage_body\">\n")
                .append("<header class=\"tgme_header search_collapsed\"><div class=\"tgme_header_info\">")
                .append("<div class=\"tgme_channel_info\" id=\"channel-info\">\n")
                .append("<div class=\"tgme_channel_info_header\">")
                .append("<i class=\"tgme_page_photo_image bgcolor1\" data-content=\"")
                .append(escape(title.isEmpty() ? "" : title.substring(0, 1))).append("\"></i>")
                .append("<div class=\"tgme_channel_info_header_title_wrap\"><div class=\"tgme_channel_info_header_title\">")
                .append("<span dir=\"auto\">").append(escape(title)).append("</span></div></div>")
                .append("<div class=\"tgme_channel_info_header_username\"><a href=\"https://t.me/").append(n)
                .append("\">@").append(n).append("</a></div></div>\n")
                .append("<div class=\"tgme_channel_info_description\">").append(multiline(description))
                .append("</div>\n<div class=\"tgme_channel_info_counters\"><div class=\"tgme_channel_info_counter\">")
                .append("<span class=\"counter_value\">").append(compact(subscribers))
                .append("</span> <span class=\"counter_type\">subscribers</span></div></div>\n")
                .append("</div></div></header>\n<main class=\"tgme_main\" data-url=\"/s/").append(n).append("\">\n")
                .append("<section class=\"tgme_channel_history js-message_history\">\n");
        if (moreBefore != null) {
            b.append("<div class=\"tgme_widget_message_centered js-messages_more_wrap\"><a href=\"/s/").append(n)
                    .append("?before=").append(moreBefore)
                    .append("\" class=\"tme_messages_more js-messages_more\" data-before=\"").append(moreBefore)
                    .append("\"></a></div>\n");
        }
        for (Post p : posts) {
            post(b, name, title, p);
        }
        return b.append("</section>\n</main>\n</body>\n</html>\n").toString();
    }

    private static void post(StringBuilder b, String name, String title, Post p) {
        String n = escape(name);
        String link = "https://t.me/" + n + "/" + p.id();
        b.append("<div class=\"tgme_widget_message_wrap js-widget_message_wrap\">")
                .append("<div class=\"tgme_widget_message text_not_supported_wrap js-widget_message\" data-post=\"")
                .append(n).append('/').append(p.id()).append("\" data-view=\"").append(dataView(p.id()))
                .append("\">\n<div class=\"tgme_widget_message_user\"><a href=\"https://t.me/").append(n)
                .append("\"><i class=\"tgme_widget_message_user_photo bgcolor1\" data-content=\"")
                .append(escape(title.isEmpty() ? "" : title.substring(0, 1))).append("\"></i></a></div>\n")
                .append("<div class=\"tgme_widget_message_bubble\">")
                .append("<i class=\"tgme_widget_message_bubble_tail\"></i>\n")
                .append("<div class=\"tgme_widget_message_author accent_color\">")
                .append("<a class=\"tgme_widget_message_owner_name\" href=\"https://t.me/").append(n)
                .append("\"><span dir=\"auto\">").append(escape(title)).append("</span></a></div>\n");
        if (p.forwardedFrom() != null) {
            b.append("<div class=\"tgme_widget_message_forwarded_from accent_color\">Forwarded from&nbsp;")
                    .append("<a class=\"tgme_widget_message_forwarded_from_name\" href=\"https://t.me/")
                    .append(escape(p.forwardedFrom())).append("\"><span dir=\"auto\">").append(escape(p.forwardedFrom()))
                    .append("</span></a></div>\n");
        }
        boolean album = p.photos().size() > 1;
        if (album) {
            b.append("<div class=\"tgme_widget_message_grouped_wrap js-message_grouped_wrap\" data-margin-w=\"2\" ")
                    .append("data-margin-h=\"2\" style=\"width:453px;\"><div class=\"tgme_widget_message_grouped ")
                    .append("js-message_grouped\" style=\"padding-top:93.819%\"><div class=\"tgme_widget_message_grouped_layer ")
                    .append("js-message_grouped_layer\" style=\"width:453px;height:425px\">");
            for (int i = 0; i < p.photos().size(); i++) {
                b.append("<a class=\"tgme_widget_message_photo_wrap grouped_media_wrap blured js-message_photo\" ")
                        .append("style=\"left:0px;top:0px;width:226px;height:169px;background-image:url('")
                        .append(escape(cssUrl(p.photos().get(i)))).append("')\" data-ratio=\"1.3333333333333\" href=\"https://t.me/")
                        .append(n).append('/').append(p.id() + i).append("?single\"><div class=\"grouped_media_helper\">")
                        .append("<div class=\"tgme_widget_message_photo grouped_media\"></div></div></a>");
            }
            b.append("</div></div></div>\n");
        } else if (p.photos().size() == 1) {
            b.append("<a class=\"tgme_widget_message_photo_wrap blured js-message_photo\" style=\"width:453px;")
                    .append("background-image:url('").append(escape(cssUrl(p.photos().get(0))))
                    .append("')\" data-ratio=\"1.3333333333333\" href=\"").append(link).append("\">")
                    .append("<div class=\"tgme_widget_message_photo\" style=\"padding-top:75%\"></div></a>\n");
        }
        if (p.videoThumb() != null) {
            b.append("<a class=\"tgme_widget_message_video_player blured js-message_video_player\" href=\"").append(link)
                    .append("\"><i class=\"tgme_widget_message_video_thumb\" style=\"background-image:url('")
                    .append(escape(cssUrl(p.videoThumb()))).append("')\"></i><div class=\"tgme_widget_message_video_wrap\">")
                    .append("</div><div class=\"message_video_play js-message_video_play\"></div>")
                    .append("<time class=\"message_video_duration js-message_video_duration\">0:27</time>")
                    .append("<div class=\"message_media_not_supported_wrap\"><div class=\"message_media_not_supported\">")
                    .append("<div class=\"message_media_not_supported_label\">This media is not supported in your browser")
                    .append("</div></div></div></a>\n");
        }
        if (p.text() != null && !p.text().isEmpty()) {
            // an album caption sits in two nested text divs, as on t.me
            String open = "<div class=\"tgme_widget_message_text js-message_text\" dir=\"auto\">";
            b.append(open);
            if (album) {
                b.append(open);
            }
            b.append(multiline(p.text())).append(album ? "</div></div>\n" : "</div>\n");
        }
        b.append("<div class=\"tgme_widget_message_footer compact js-message_footer\">")
                .append("<div class=\"tgme_widget_message_info short js-message_info\">")
                .append("<span class=\"tgme_widget_message_views\">").append(compact(p.views()))
                .append("</span><span class=\"copyonly\"> views</span><span class=\"tgme_widget_message_meta\">")
                .append(p.edited() ? "edited &nbsp;" : "")
                .append("<a class=\"tgme_widget_message_date\" href=\"").append(link).append("\">")
                .append("<time datetime=\"").append(DATETIME.format(p.date())).append("\" class=\"time\">")
                .append(CLOCK.format(p.date())).append("</time></a></span></div></div>\n")
                .append("</div>\n</div></div>\n");
    }

    /** The t.me/&lt;name&gt; page a channel without a preview redirects to. */
    static String profilePage(String name, String title) {
        return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Telegram: Contact @" + escape(name)
                + "</title></head><body><div class=\"tgme_page\"><div class=\"tgme_page_title\"><span dir=\"auto\">"
                + escape(title) + "</span></div><div class=\"tgme_page_extra\">@" + escape(name)
                + "</div></div></body></html>\n";
    }

    /** Counts as t.me shows them: 980, 1.2K, 436.6K, 3.1M (one decimal, truncated, no trailing .0). */
    static String compact(long n) {
        if (n < 1_000) {
            return Long.toString(Math.max(0, n));
        }
        long unit = n < 1_000_000 ? 1_000 : 1_000_000;
        long tenths = n * 10 / unit;
        String s = tenths % 10 == 0 ? Long.toString(tenths / 10) : (tenths / 10) + "." + (tenths % 10);
        return s + (unit == 1_000 ? "K" : "M");
    }

    private static String dataView(long id) {
        String json = "{\"c\":-1000000000,\"p\":" + id + ",\"t\":0,\"h\":\"0\"}";
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String multiline(String s) {
        return s == null ? "" : escape(s).replace("\r\n", "\n").replace("\n", "<br/>");
    }

    /** Keeps a URL from leaving {@code url('…')}: quotes, parentheses, backslashes and spaces are percent-encoded. */
    private static String cssUrl(String url) {
        StringBuilder b = new StringBuilder(url.length());
        for (char c : url.toCharArray()) {
            switch (c) {
                case '\'', '"', '(', ')', '\\', ' ', '<', '>' -> b.append('%')
                        .append(String.format(Locale.ROOT, "%02X", (int) c));
                default -> {
                    if (c >= ' ' && c != 0x7f) {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    static String escape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
