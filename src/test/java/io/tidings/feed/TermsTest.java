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
}
