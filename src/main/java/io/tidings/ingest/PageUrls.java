package io.tidings.ingest;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * URLs as a t.me page gives them (in a style attribute, protocol-relative, or not http at all), made safe to keep:
 * absolute http(s) only; anything else (data:, javascript:, tg:) is dropped.
 */
final class PageUrls {

    private static final Pattern BACKGROUND_URL =
            Pattern.compile("background-image\\s*:\\s*url\\(\\s*['\"]?([^'\")]+)['\"]?\\s*\\)");

    private PageUrls() {
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

    /** http(s) URLs as they are, protocol-relative ones made https; anything else (data:, javascript:) is dropped. */
    static String absolute(String raw) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        String url = raw.strip();
        if (url.startsWith("//")) {
            url = "https:" + url;
        }
        return TelegramHtml.safeHref(url) != null && !url.startsWith("tg:") ? url : null;
    }

    /** An https URL of a media file as the page gives it, or null. */
    static String mediaFile(String src) {
        String url = absolute(src);
        return url != null && url.startsWith("https://") ? url : null;
    }
}
