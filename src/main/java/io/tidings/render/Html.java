package io.tidings.render;

/** Escaping and cutting for Telegram's HTML parse mode. */
final class Html {

    private Html() {}

    static String escape(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * The longest prefix of plain {@code text} that, once escaped, fits in {@code limit} characters, cut at
     * a word boundary when there is one nearby and never inside a surrogate pair.
     */
    static String cut(String text, int limit) {
        if (text == null) return "";
        if (escape(text).length() <= limit) return text;
        int end = 0;
        int escaped = 0;
        while (end < text.length()) {
            char c = text.charAt(end);
            int w = switch (c) { case '&' -> 5; case '<', '>' -> 4; case '"' -> 6; default -> 1; };
            if (escaped + w > limit) break;
            escaped += w;
            end++;
        }
        if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) end--;
        int space = text.lastIndexOf(' ', end);
        if (space > end - 40 && space > 0) end = space;
        return text.substring(0, end).stripTrailing();
    }

    /** Telegram HTML as the plain text it shows: tags dropped, the four escapes undone (for a message sent without entities). */
    static String toPlain(String html) {
        if (html == null) return "";
        String text = html.replaceAll("<[^>]*>", "");
        return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&");
    }
}
