package io.tidings.feed;

import java.util.Arrays;
import java.util.Locale;

/**
 * Words of a text as stemmed term hashes, for filters and near-duplicates. One left-to-right pass: letters and digits
 * make words (lower case, ё as е), everything else separates them; links and @mentions are dropped; each word loses a
 * common Russian or English ending (a light suffix stripper, not a dictionary: "новости", "новостей" and "новость"
 * meet at "новост", "elections" and "election" at "election"). No regular expressions anywhere, so the cost is linear in
 * the text, whatever a reader types.
 */
public final class Terms {

    /** Russian endings, longest first within each length, tried longest first. */
    private static final String[] RU = {
            "иями", "ями", "ами", "ией", "иях", "его", "ого", "ему", "ому", "ими", "ыми", "ешь", "ете", "ите", "ать", "ять",
            "ить", "еть", "ах", "ях", "ов", "ев", "ей", "ой", "ий", "ый", "ая", "яя", "ое", "ее", "ие", "ые",
            "ом", "ем", "ам", "ям", "ую", "юю", "ых", "их", "ию", "ия", "ью", "ла", "ло", "ли", "ет", "ит",
            "ут", "ют", "ат", "ят", "а", "я", "о", "е", "и", "ы", "у", "ю", "ь", "й"};
    /** The endings by length (index = length), so a word is stemmed with a few set lookups, longest ending first. */
    private static final java.util.Set<String>[] RU_BY_LENGTH = byLength(RU);
    private static final String[] EN = {"ations", "ation", "ings", "ing", "edly", "ies", "ied", "ers", "er", "ed", "ly", "es", "s"};
    private static final int MIN_STEM = 3;
    private static final java.util.Set<String>[] EN_BY_LENGTH = byLength(EN);

    @SuppressWarnings("unchecked")
    private static java.util.Set<String>[] byLength(String[] endings) {
        int max = Arrays.stream(endings).mapToInt(String::length).max().orElse(0);
        java.util.Set<String>[] out = new java.util.Set[max + 1];
        for (int l = 0; l <= max; l++) {
            int len = l;
            out[l] = java.util.Set.of(Arrays.stream(endings).filter(e -> e.length() == len).distinct().toArray(String[]::new));
        }
        return out;
    }

    private Terms() {}

    /** The text's stemmed words, hashed, in order. */
    public static int[] of(String text) {
        if (text == null || text.isEmpty()) return new int[0];
        int[] out = new int[16];
        int n = 0;
        StringBuilder word = new StringBuilder();
        int len = text.length();
        int i = 0;
        while (i < len) {
            // a link or a mention is one unit to skip: "https://…", "t.me/…", "@name"
            if (startsWithAt(text, i, "http://") || startsWithAt(text, i, "https://") || startsWithAt(text, i, "t.me/")
                    || text.charAt(i) == '@') {
                while (i < len && !Character.isWhitespace(text.charAt(i))) i++;
                continue;
            }
            char c = text.charAt(i);
            if (Character.isLetterOrDigit(c)) {
                word.append(c == 'ё' || c == 'Ё' ? 'е' : Character.toLowerCase(c));
            } else if (word.length() > 0) {
                if (n == out.length) out = Arrays.copyOf(out, n * 2);
                out[n++] = stem(word).hashCode();
                word.setLength(0);
            }
            i++;
        }
        if (word.length() > 0) {
            if (n == out.length) out = Arrays.copyOf(out, n + 1);
            out[n++] = stem(word).hashCode();
        }
        return Arrays.copyOf(out, n);
    }

    /** The stem of one lower-case word. */
    static String stem(CharSequence lowerWord) {
        String w = lowerWord.toString();
        boolean cyrillic = !w.isEmpty() && Character.UnicodeBlock.of(w.charAt(w.length() - 1)) == Character.UnicodeBlock.CYRILLIC;
        java.util.Set<String>[] endings = cyrillic ? RU_BY_LENGTH : EN_BY_LENGTH;
        for (int l = Math.min(endings.length - 1, w.length() - MIN_STEM); l >= 1; l--) {
            if (endings[l].contains(w.substring(w.length() - l))) return w.substring(0, w.length() - l);
        }
        return w;
    }

    /** Whether {@code phrase} occurs in {@code text} as consecutive terms (both from {@link #of}); an empty phrase never does. */
    public static boolean contains(int[] text, int[] phrase, int[] sortedText) {
        if (phrase.length == 0 || phrase.length > text.length) return false;
        // cheap rejection first: every term of the phrase must be in the text at all
        for (int t : phrase) if (Arrays.binarySearch(sortedText, t) < 0) return false;
        if (phrase.length == 1) return true;
        // then the order; phrases are at most 100 characters, so this is linear in the text
        outer:
        for (int i = 0; i + phrase.length <= text.length; i++) {
            for (int j = 0; j < phrase.length; j++) if (text[i + j] != phrase[j]) continue outer;
            return true;
        }
        return false;
    }

    /** The distinct terms, sorted, for {@link #contains}. */
    public static int[] sorted(int[] terms) {
        return Arrays.stream(terms).sorted().distinct().toArray();
    }

    private static boolean startsWithAt(String s, int i, String prefix) {
        return s.regionMatches(true, i, prefix, 0, prefix.length());
    }

    /**
     * Whether a post is marked as advertising, the way Russian channels must mark it: an {@code erid} token (the
     * advertising register's id, in the text or a link), a {@code #реклама}-like hashtag, or a line that says
     * "Реклама"/"Sponsored"/"На правах рекламы".
     */
    public static boolean isAd(String text, String html) {
        if (html != null && html.toLowerCase(Locale.ROOT).contains("erid=")) return true;
        if (text == null || text.isEmpty()) return false;
        String t = text.toLowerCase(Locale.ROOT).replace('ё', 'е');
        for (String tag : new String[] {"#реклама", "#промо", "#ad ", "#ads", "#sponsored", "#партнерскийпост", "#партнерство"}) {
            if (t.contains(tag) || t.endsWith(tag.strip())) return true;
        }
        if (hasToken(t, "erid")) return true;
        for (String line : t.split("\n")) {
            String l = line.strip();
            if (l.equals("реклама") || l.startsWith("реклама.") || l.startsWith("реклама:") || l.startsWith("реклама ооо")
                    || l.startsWith("реклама ип") || l.startsWith("реклама. ") || l.startsWith("на правах рекламы")
                    || l.equals("sponsored") || l.startsWith("sponsored:") || l.equals("advertisement")
                    || l.startsWith("партнерский пост") || l.startsWith("партнерский материал")) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasToken(String lower, String token) {
        int from = 0;
        while (true) {
            int i = lower.indexOf(token, from);
            if (i < 0) return false;
            int end = i + token.length();
            boolean startOk = i == 0 || !Character.isLetterOrDigit(lower.charAt(i - 1));
            boolean endOk = end == lower.length() || !Character.isLetterOrDigit(lower.charAt(end));
            if (startOk && endOk) return true;
            from = i + 1;
        }
    }
}
