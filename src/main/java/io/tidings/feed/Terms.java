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

    /** Endings as characters, by length: {@code [length][i]}, so a word is stemmed without building strings. */
    private static final char[][][] RU_CHARS = chars(RU_BY_LENGTH);
    private static final char[][][] EN_CHARS = chars(EN_BY_LENGTH);

    private static char[][][] chars(java.util.Set<String>[] byLength) {
        char[][][] out = new char[byLength.length][][];
        for (int l = 0; l < byLength.length; l++) out[l] = byLength[l].stream().sorted().map(String::toCharArray).toArray(char[][]::new);
        return out;
    }

    /**
     * The text's stemmed words, hashed, in order. Each term is the {@link String#hashCode()} of {@link #stem} of the
     * lower-case word, computed over a reused character buffer (no string per word: this runs for every new post).
     */
    public static int[] of(String text) {
        return of(text, null);
    }

    /**
     * {@link #of(String)}, and when {@code names} is given, the terms of the words that look like names into it: a word
     * starting with a capital letter that does not start a sentence or a line (first words, and those after '.', '!',
     * '?', ':' or a line break, are not names). Read in the same pass.
     */
    static int[] of(String text, java.util.function.IntConsumer names) {
        if (text == null || text.isEmpty()) return new int[0];
        int len = text.length();
        int[] out = new int[Math.max(4, len / 4)];
        int n = 0;
        char[] word = new char[32];
        int wl = 0;
        int i = 0;
        boolean sentenceStart = true;
        boolean name = false;
        while (i < len) {
            char c = text.charAt(i);
            if (wl == 0 && (c == '.' || c == '!' || c == '?' || c == ':' || c == '\n')) sentenceStart = true;
            // a link or a mention is one unit to skip: "https://…", "t.me/…", "@name"
            if (c == '@' || ((c == 'h' || c == 'H') && (startsWithAt(text, i, "http://") || startsWithAt(text, i, "https://")))
                    || ((c == 't' || c == 'T') && startsWithAt(text, i, "t.me/"))) {
                while (i < len && !Character.isWhitespace(text.charAt(i))) i++;
                continue;
            }
            if (Character.isLetterOrDigit(c)) {
                if (wl == 0) {
                    name = names != null && Character.isUpperCase(c) && !sentenceStart;
                    sentenceStart = false;
                }
                if (wl == word.length) word = Arrays.copyOf(word, wl * 2);
                word[wl++] = c == 'ё' || c == 'Ё' ? 'е' : Character.toLowerCase(c);
            } else if (wl > 0) {
                if (n == out.length) out = Arrays.copyOf(out, n * 2);
                out[n++] = stemHash(word, wl);
                if (name) names.accept(out[n - 1]);
                wl = 0;
                if (c == '.' || c == '!' || c == '?' || c == ':' || c == '\n') sentenceStart = true;
            }
            i++;
        }
        if (wl > 0) {
            if (n == out.length) out = Arrays.copyOf(out, n + 1);
            out[n++] = stemHash(word, wl);
            if (name) names.accept(out[n - 1]);
        }
        return Arrays.copyOf(out, n);
    }

    /** Whether a term is a number (a word of digits only): its lowest bit is set, that of every other term clear. */
    static boolean isNumber(int term) {
        return (term & 1) != 0;
    }

    /** The term of one lower-case, already stemmed word (for constants). */
    static int term(String stemmed) {
        return mark(stemmed.hashCode(), stemmed.chars().allMatch(Character::isDigit));
    }

    private static int mark(int hash, boolean number) {
        return hash << 1 | (number ? 1 : 0); // words that collide differ in the top bit only: as rare as any 31-bit hash
    }

    /**
     * {@code stem(new String(word, 0, length)).hashCode()} without the strings, its lowest bit set for a number and
     * cleared otherwise (see {@link #isNumber}).
     */
    private static int stemHash(char[] word, int length) {
        char last = word[length - 1];
        char[][][] endings = last >= '\u0400' && last <= '\u04FF' ? RU_CHARS : EN_CHARS;
        int keep = length;
        outer:
        for (int l = Math.min(endings.length - 1, length - MIN_STEM); l >= 1; l--) {
            for (char[] e : endings[l]) {
                if (e[l - 1] != last) continue;
                boolean same = true;
                for (int k = 0; k < l - 1; k++) {
                    if (word[length - l + k] != e[k]) {
                        same = false;
                        break;
                    }
                }
                if (same) {
                    keep = length - l;
                    break outer;
                }
            }
        }
        int h = 0;
        boolean digits = true;
        for (int k = 0; k < keep; k++) {
            h = 31 * h + word[k];
            digits &= word[k] >= '0' && word[k] <= '9';
        }
        return mark(h, digits);
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
        int[] s = terms.clone();
        Arrays.sort(s);
        int n = 0;
        for (int i = 0; i < s.length; i++) if (n == 0 || s[i] != s[n - 1]) s[n++] = s[i];
        return n == s.length ? s : Arrays.copyOf(s, n);
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
        if (html != null && containsIgnoreCase(html, "erid=")) return true;
        if (text == null || text.isEmpty()) return false;
        String t = text.toLowerCase(Locale.ROOT).replace('ё', 'е');
        for (String tag : new String[] {"#реклама", "#промо", "#ad ", "#ads", "#sponsored", "#партнерскийпост", "#партнерство"}) {
            if (t.contains(tag) || t.endsWith(tag.strip())) return true;
        }
        if (hasToken(t, "erid")) return true;
        for (int from = 0; from <= t.length(); ) {
            int nl = t.indexOf('\n', from);
            if (nl < 0) nl = t.length();
            String l = t.substring(from, nl).strip();
            from = nl + 1;
            if (l.equals("реклама") || l.startsWith("реклама.") || l.startsWith("реклама:") || l.startsWith("реклама ооо")
                    || l.startsWith("реклама ип") || l.startsWith("реклама. ") || l.startsWith("на правах рекламы")
                    || l.equals("sponsored") || l.startsWith("sponsored:") || l.equals("advertisement")
                    || l.startsWith("партнерский пост") || l.startsWith("партнерский материал")) {
                return true;
            }
        }
        return false;
    }

    /** {@code s.toLowerCase().contains(ascii)} for a lower-case ASCII needle, without the copy. */
    private static boolean containsIgnoreCase(String s, String ascii) {
        char first = ascii.charAt(0);
        for (int i = 0; i + ascii.length() <= s.length(); i++) {
            char c = s.charAt(i);
            if ((c == first || Character.toLowerCase(c) == first) && s.regionMatches(true, i, ascii, 0, ascii.length())) return true;
        }
        return false;
    }

    /** Stems that every advertising mark {@link #isAd(String, String)} knows leaves among a text's terms. */
    private static final int[] AD_STEMS = java.util.stream.Stream.of("реклам", "erid", "sponsor", "advertisement", "партнерск",
            "партнерств", "пром", "ad", "ads").mapToInt(Terms::term).toArray();

    /**
     * {@link #isAd(String, String)} for a text whose {@link #sorted} terms are known: the same answer, but a text with
     * no hashtag, no "erid" and none of the marks' stems (nearly every post) is passed after a few lookups instead of
     * being lower-cased and split into lines.
     */
    public static boolean isAd(String text, String html, int[] sortedTerms) {
        if (html != null && hasEridParameter(html)) return true;
        if (text == null || text.isEmpty()) return false;
        boolean maybe = text.indexOf('#') >= 0 || containsIgnoreCase(text, "erid");
        for (int i = 0; !maybe && i < AD_STEMS.length; i++) maybe = Arrays.binarySearch(sortedTerms, AD_STEMS[i]) >= 0;
        return maybe && isAd(text, null);
    }

    /** {@code html.toLowerCase().contains("erid=")} without the copy: only where an '=' is. */
    private static boolean hasEridParameter(String html) {
        for (int eq = html.indexOf('='); eq >= 0; eq = html.indexOf('=', eq + 1)) {
            if (eq >= 4 && html.regionMatches(true, eq - 4, "erid", 0, 4)) return true;
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
