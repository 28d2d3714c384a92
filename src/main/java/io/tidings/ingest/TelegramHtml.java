package io.tidings.ingest;

import java.util.Locale;
import java.util.Set;

import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;

/**
 * Converts a scraped message text element into plain text and into the HTML subset Telegram's parse mode accepts.
 * The input is untrusted: tags outside the subset are unwrapped (their text kept, escaped), script-like elements are
 * dropped with their content, and links keep only http, https and tg targets.
 */
final class TelegramHtml {

    /** Scraped tag → the Telegram tag it becomes. */
    private static final java.util.Map<String, String> FORMAT = java.util.Map.ofEntries(
            java.util.Map.entry("b", "b"), java.util.Map.entry("strong", "b"),
            java.util.Map.entry("i", "i"), java.util.Map.entry("em", "i"),
            java.util.Map.entry("u", "u"), java.util.Map.entry("ins", "u"),
            java.util.Map.entry("s", "s"), java.util.Map.entry("strike", "s"), java.util.Map.entry("del", "s"),
            java.util.Map.entry("code", "code"), java.util.Map.entry("pre", "pre"),
            java.util.Map.entry("blockquote", "blockquote"));

    /** Dropped together with everything inside them. */
    private static final Set<String> DROP = Set.of("script", "style", "iframe", "object", "embed", "noscript",
            "template", "svg", "math", "textarea", "select", "button", "input", "form", "head", "title", "link",
            "meta", "img", "video", "audio");

    private static final int MAX_DEPTH = 64;

    /** Plain and safe-HTML renderings of one text element. */
    record Rendered(String text, String html) {
    }

    private final StringBuilder text = new StringBuilder();
    private final StringBuilder html = new StringBuilder();

    private TelegramHtml() {
    }

    static Rendered render(Element element) {
        if (element == null) {
            return new Rendered("", "");
        }
        var out = new TelegramHtml();
        out.children(element, 0);
        return new Rendered(out.text.toString().strip(), out.html.toString().strip());
    }

    private void children(Node parent, int depth) {
        for (Node child : parent.childNodes()) {
            node(child, depth + 1);
        }
    }

    private void node(Node node, int depth) {
        if (node instanceof TextNode t) {
            String s = t.getWholeText();
            text.append(s);
            html.append(escape(s));
            return;
        }
        if (!(node instanceof Element e) || depth > MAX_DEPTH) {
            return; // comments, data nodes; absurd nesting is cut rather than recursed into
        }
        String tag = e.normalName();
        if (DROP.contains(tag)) {
            return;
        }
        if (tag.equals("br")) {
            text.append('\n');
            html.append('\n');
            return;
        }
        if (e.hasClass("emoji")) {
            // <i class="emoji" style="…"><b>👍</b></i>: the emoji is text, not italic bold
            String s = e.text();
            text.append(s);
            html.append(escape(s));
            return;
        }
        if (tag.equals("a")) {
            String href = safeHref(e.attr("href"));
            if (href == null) {
                children(e, depth);
            } else {
                html.append("<a href=\"").append(escape(href)).append("\">");
                children(e, depth);
                html.append("</a>");
            }
            return;
        }
        boolean block = tag.equals("pre") || tag.equals("blockquote");
        if (block) {
            textBreak(); // Telegram draws these as blocks; HTML keeps them as tags, plain text needs the break
        }
        String format = FORMAT.get(tag);
        if (format != null) {
            html.append('<').append(format).append('>');
            children(e, depth);
            html.append("</").append(format).append('>');
        } else {
            children(e, depth); // span, div, tg-spoiler, tg-emoji, mark, …: keep the words, lose the tag
        }
        if (block) {
            textBreak();
        } else if (tag.equals("div") || tag.equals("p")) {
            newlineIfNeeded();
        }
    }

    private void textBreak() {
        if (text.length() > 0 && text.charAt(text.length() - 1) != '\n') {
            text.append('\n');
        }
    }

    private void newlineIfNeeded() {
        if (text.length() > 0 && text.charAt(text.length() - 1) != '\n') {
            text.append('\n');
            html.append('\n');
        }
    }

    /** Absolute http(s) and tg: links only; relative (hashtag search) and script links lose their link. */
    static String safeHref(String raw) {
        if (raw == null) {
            return null;
        }
        String href = raw.strip();
        String lower = href.toLowerCase(Locale.ROOT);
        if (!(lower.startsWith("https://") || lower.startsWith("http://") || lower.startsWith("tg://"))) {
            return null;
        }
        for (int i = 0; i < href.length(); i++) {
            char c = href.charAt(i);
            if (c <= ' ' || c == '"' || c == '<' || c == '>' || c == '\\' || c == 0x7f) {
                return null;
            }
        }
        return href;
    }

    /** Escapes for both element content and double-quoted attributes. */
    static String escape(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String r = switch (c) {
                case '&' -> "&amp;";
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '"' -> "&quot;";
                default -> null;
            };
            if (r != null && b == null) {
                b = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (b != null) {
                if (r != null) {
                    b.append(r);
                } else {
                    b.append(c);
                }
            }
        }
        return b == null ? s : b.toString();
    }
}
