package io.tidings.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class ChannelNamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"durov_news", "@durov_news", "t.me/durov_news", "https://t.me/durov_news",
            "https://t.me/s/durov_news", "http://t.me/s/durov_news/", "  @Durov_News  ", "HTTPS://T.ME/DUROV_NEWS",
            "https://telegram.me/durov_news", "https://t.me/durov_news/1234", "www.t.me/s/durov_news", "durov_news\n"})
    void acceptsTheWaysPeopleWriteAChannel(String input) {
        assertThat(ChannelNames.normalize(input)).contains("durov_news");
    }

    @ParameterizedTest
    @ValueSource(strings = {"abcde", "a2345", "a____", "abcdefghijklmnopqrstuvwxyz012345"})
    void acceptsNamesAtTheEdgesOfTheRules(String input) {
        assertThat(ChannelNames.normalize(input)).contains(input);
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "   ", "@", "abcd", "@abcd", "abcdefghijklmnopqrstuvwxyz0123456", "1channel",
            "_channel", "../etc", "../etc/passwd", "name?x=1", "durov_news?x=1", "t.me/durov_news?x=1",
            "evil.com/name", "evil.com/durov_news", "https://evil.com/durov_news", "https://t.me.evil.com/durov_news",
            "https://evil.com/t.me/durov_news", "durov-news", "durov.news", "durov news", "durov%5Fnews",
            "дуров_канал", "durov_news#x", "t.me/joinchat/AAAAAE", "t.me/+AbCdEf12345", "@@durov_news",
            "https://t.me/s/durov_news/extra", "https://user@t.me/durov_news", "javascript:alert(1)",
            "durov_news\u0000", "durov_\nnews"})
    void rejectsAnythingElse(String input) {
        assertThat(ChannelNames.normalize(input)).isEmpty();
    }
}
