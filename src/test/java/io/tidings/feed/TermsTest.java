package io.tidings.feed;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Words, stems, phrases and the advertising mark, as filters see them. */
class TermsTest {

    private static boolean matches(String text, String phrase) {
        int[] t = Terms.of(text);
        return Terms.contains(t, Terms.of(phrase), Terms.sorted(t));
    }

    @Test
    void russianWordFormsMeetAtOneStem() {
        for (String form : new String[] {"новость", "новости", "новостей", "новостях", "Новостями", "НОВОСТЬЮ"}) {
            assertThat(matches("Главные " + form + " дня", "новость")).as(form).isTrue();
        }
        assertThat(matches("Выборы президента", "выборах")).isTrue();
        assertThat(matches("Ёлка на площади", "елки")).isTrue();
        assertThat(matches("Погода на завтра", "новость")).isFalse();
    }

    @Test
    void englishWordFormsMeetAtOneStem() {
        assertThat(matches("The elections are over", "election")).isTrue();
        assertThat(matches("Crypto: Bitcoin rallied", "bitcoins")).isTrue();
        assertThat(matches("Markets are calm", "marketing")).isTrue();
        assertThat(matches("Sports results", "election")).isFalse();
    }

    @Test
    void phrasesMatchAsConsecutiveWordsIgnoringCaseLinksAndPunctuation() {
        assertThat(matches("Курс доллара вырос, говорит ЦБ", "курс доллара")).isTrue();
        assertThat(matches("Курс евро и доллара", "курс доллара")).isFalse();
        assertThat(matches("Read https://example.com/курс-доллара now", "курс доллара")).isFalse();
        assertThat(matches("@crypto_bot says hi", "crypto")).isFalse();
        assertThat(matches("", "x")).isFalse();
        assertThat(matches("anything", "!!!")).isFalse();
    }

    @Test
    void aPathologicalTextIsReadInOnePass() {
        String text = "a ".repeat(500_000) + "b";
        assertThat(matches(text, "a a a a a a a a a a a a a a a a a a a a a a a a b")).isTrue();
        assertThat(matches(text, "a a a a a a a a a a a a a a a a a a a a a a a a c")).isFalse();
    }

    @Test
    void adsAreRecognisedByTheirMarks() {
        assertThat(Terms.isAd("Лучшие кроссовки\n\nРеклама. ООО «Ромашка», ИНН 7700000000", null)).isTrue();
        assertThat(Terms.isAd("Скидки до 50%\nerid: 2VtzqxAbCdE", null)).isTrue();
        assertThat(Terms.isAd("Скидки до 50%", "<a href=\"https://shop.ru/?erid=2Vtzqx\">магазин</a>")).isTrue();
        assertThat(Terms.isAd("Новый курс #реклама", null)).isTrue();
        assertThat(Terms.isAd("На правах рекламы\nТекст", null)).isTrue();
        assertThat(Terms.isAd("Sponsored\nA new phone", null)).isTrue();
        assertThat(Terms.isAd("Реклама в интернете растёт: отчёт АКАР за год", null)).as("news about ads").isFalse();
        assertThat(Terms.isAd("Erida is a dwarf planet", null)).isFalse();
        assertThat(Terms.isAd("Погода на завтра", null)).isFalse();
    }

    /** The stemmer as first written (a string per word, endings looked up in sets): the reference for the fast one. */
    private static int referenceHash(String lowerWord) {
        String[] ru = {"иями", "ями", "ами", "ией", "иях", "его", "ого", "ему", "ому", "ими", "ыми", "ешь", "ете", "ите", "ать", "ять",
                "ить", "еть", "ах", "ях", "ов", "ев", "ей", "ой", "ий", "ый", "ая", "яя", "ое", "ее", "ие", "ые",
                "ом", "ем", "ам", "ям", "ую", "юю", "ых", "их", "ию", "ия", "ью", "ла", "ло", "ли", "ет", "ит",
                "ут", "ют", "ат", "ят", "а", "я", "о", "е", "и", "ы", "у", "ю", "ь", "й"};
        String[] en = {"ations", "ation", "ings", "ing", "edly", "ies", "ied", "ers", "er", "ed", "ly", "es", "s"};
        boolean cyrillic = Character.UnicodeBlock.of(lowerWord.charAt(lowerWord.length() - 1)) == Character.UnicodeBlock.CYRILLIC;
        java.util.Set<String> endings = java.util.Set.of(cyrillic ? ru : en);
        int max = cyrillic ? 4 : 6;
        for (int l = Math.min(max, lowerWord.length() - 3); l >= 1; l--) {
            if (endings.contains(lowerWord.substring(lowerWord.length() - l))) return Terms.term(lowerWord.substring(0, lowerWord.length() - l));
        }
        return Terms.term(lowerWord);
    }

    @Test
    void termsAreTheHashesOfTheReferenceStemmer() {
        String text = "Новостями дня: выборах, ЁЛКИ и Elections; marketing ings ations 2024 года 15% x ЦБ повысил ставку "
                + "до 21% годовых, регулятор объяснил решение инфляцией. Bitcoin rallied quickly, the edly testing a@b.com";
        java.util.List<Integer> expected = new java.util.ArrayList<>();
        StringBuilder w = new StringBuilder();
        for (String raw : (text + " ").split("")) {
            char c = raw.charAt(0);
            if (Character.isLetterOrDigit(c)) w.append(c == 'ё' || c == 'Ё' ? 'е' : Character.toLowerCase(c));
            else if (w.length() > 0) {
                expected.add(referenceHash(w.toString()));
                w.setLength(0);
            }
        }
        // the e-mail's "@b.com" is skipped as a mention up to the next space
        expected.remove(expected.size() - 1);
        expected.remove(expected.size() - 1);
        assertThat(Terms.of(text)).containsExactly(expected.stream().mapToInt(Integer::intValue).toArray());
        assertThat(java.util.Arrays.stream(Terms.of("2024 года 15% x21")).mapToObj(Terms::isNumber).toList()).containsExactly(true, false, true, false);
    }
}
