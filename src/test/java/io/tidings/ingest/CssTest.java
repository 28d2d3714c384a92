package io.tidings.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.select.Selector;
import org.junit.jupiter.api.Test;

class CssTest {

    @Test
    void aSelectorIsParsedOnceAndSelectsWhatTheStringSelects() {
        Document doc = Jsoup.parse("<div class='a'><span class='b'>1</span></div><div class='a b'>2</div><p class='b'>3</p>");
        assertThat(Css.css("div.a .b, p.b")).isSameAs(Css.css("div.a .b, p.b"));
        assertThat(doc.select(Css.css("div.a .b, p.b"))).containsExactlyElementsOf(doc.select("div.a .b, p.b"));
        assertThat(doc.selectFirst(Css.css("div.a.b")).text()).isEqualTo("2");
    }

    @Test
    void selectorsMadeFromDataCannotGrowTheCachePastItsLimitAndStillWork() {
        Document doc = Jsoup.parse("<meta property='og:title' content='t'>");
        for (int i = 0; i < Css.LIMIT * 2; i++) {
            assertThat(doc.selectFirst(Css.css("meta[property=og:x" + i + "]"))).isNull();
        }
        assertThat(Css.kept()).isLessThanOrEqualTo(Css.LIMIT);
        assertThat(doc.selectFirst(Css.css("meta[property=og:title]")).attr("content")).isEqualTo("t");
    }

    @Test
    void anInvalidSelectorFailsAsJsoupFailsAndIsNotKept() {
        int before = Css.kept();
        assertThatThrownBy(() -> Css.css("div[")).isInstanceOf(Selector.SelectorParseException.class);
        assertThat(Css.kept()).isEqualTo(before);
    }
}
