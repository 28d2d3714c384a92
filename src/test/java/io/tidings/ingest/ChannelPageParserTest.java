package io.tidings.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.store.PostKind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

class ChannelPageParserTest {

    static String fixture(String name) {
        try (InputStream in = ChannelPageParserTest.class.getResourceAsStream("/tme/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final ChannelPage PAGE = ChannelPageParser.parse("TechDigest", fixture("techdigest_page.html"));

    private static ChannelPost post(long id) {
        return PAGE.posts().stream().filter(p -> p.messageId() == id).findFirst().orElseThrow();
    }

    @Test
    void pageHeaderPostsInOrderAndTheLinkToOlderPosts() {
        assertThat(PAGE.channel()).isEqualTo("techdigest");
        assertThat(PAGE.title()).isEqualTo("Tech Digest 🚀");
        assertThat(PAGE.nextBefore()).isEqualTo(OptionalLong.of(101));
        assertThat(PAGE.info().username()).isEqualTo("techdigest");
        assertThat(PAGE.info().description()).isEqualTo("Daily notes on software & hardware.");
        assertThat(PAGE.info().avatarUrl()).isEqualTo("https://cdn4.telesco.pe/file/avatar_techdigest.jpg");
        assertThat(PAGE.info().subscribers()).isEqualTo(48_300);
        // 100 is a service message ("Channel photo updated"); 104 and 105 belong to album 103
        assertThat(PAGE.posts()).extracting(ChannelPost::messageId).containsExactly(101L, 102L, 103L, 106L, 107L,
                108L, 109L);
    }

    @Test
    void formattedTextKeepsTelegramTagsAndLinksAndIsAlsoPlain() {
        ChannelPost p = post(101);
        assertThat(p.channel()).isEqualTo("techdigest");
        assertThat(p.kind()).isEqualTo(PostKind.TEXT);
        assertThat(p.date()).isEqualTo(Instant.parse("2024-03-01T09:15:00Z"));
        assertThat(p.views()).isEqualTo(980);
        assertThat(p.permalink()).isEqualTo("https://t.me/techdigest/101");
        assertThat(p.forwardedFrom()).isNull();
        assertThat(p.mediaUrls()).isEmpty();
        assertThat(p.text()).isEqualTo("Release notes for v2.0 🚀\n\nRead the notes, ask @durov, underlined, struck, "
                + "make test\nfor i in 1..3\nQuoted words <3\nTags: #release secret");
        assertThat(p.html()).isEqualTo("<b>Release notes</b> for <i>v2.0</i> 🚀\n\n"
                + "Read <a href=\"https://example.com/notes?a=1&amp;b=2\">the notes</a>, "
                + "ask <a href=\"https://t.me/durov\">@durov</a>, <u>underlined</u>, <s>struck</s>, "
                + "<code>make test</code>\n<pre>for i in 1..3</pre><blockquote>Quoted words &lt;3</blockquote>"
                + "Tags: #release secret");
    }

    @Test
    void photoPostCarriesItsImageUrl() {
        ChannelPost p = post(102);
        assertThat(p.kind()).isEqualTo(PostKind.PHOTO);
        assertThat(p.mediaUrls()).containsExactly("https://cdn4.telesco.pe/file/photo102.jpg");
        assertThat(p.text()).isEqualTo("A photo with a caption");
        assertThat(p.html()).isEqualTo("A photo with a caption");
        assertThat(p.views()).isEqualTo(1_200);
        assertThat(p.date()).isEqualTo(Instant.parse("2024-03-01T10:00:00Z"));
    }

    @Test
    void albumIsOnePostWithAllItsPhotosAndVideoThumbnails() {
        ChannelPost p = post(103);
        assertThat(p.kind()).isEqualTo(PostKind.ALBUM);
        assertThat(p.mediaUrls()).containsExactly("https://cdn4.telesco.pe/file/album103a.jpg",
                "https://cdn4.telesco.pe/file/album104thumb.jpg", "https://cdn4.telesco.pe/file/album105.jpg");
        assertThat(p.text()).isEqualTo("Three from the conference");
        assertThat(p.views()).isEqualTo(436_600);
        assertThat(p.permalink()).isEqualTo("https://t.me/techdigest/103");
    }

    @Test
    void videoPostCarriesItsThumbnail() {
        ChannelPost p = post(106);
        assertThat(p.kind()).isEqualTo(PostKind.VIDEO);
        assertThat(p.mediaUrls()).containsExactly("https://cdn4.telesco.pe/file/video106thumb.jpg");
        assertThat(p.text()).isEqualTo("Demo video");
        assertThat(p.views()).isEqualTo(3_000_000);
        assertThat(p.date()).isEqualTo(Instant.parse("2024-03-01T12:00:00Z"));
    }

    @Test
    void documentPostIsADocumentWithItsCaption() {
        ChannelPost p = post(107);
        assertThat(p.kind()).isEqualTo(PostKind.DOCUMENT);
        assertThat(p.mediaUrls()).isEmpty();
        assertThat(p.text()).isEqualTo("Slides from the talk");
        assertThat(p.mediaNote()).isEqualTo("slides.pdf");
        assertThat(p.views()).isEqualTo(15_400);
    }

    @Test
    void forwardedPostNamesItsSourceAndIgnoresTheLinkPreviewImage() {
        ChannelPost p = post(108);
        assertThat(p.kind()).isEqualTo(PostKind.TEXT);
        assertThat(p.forwardedFrom()).isEqualTo("Other News");
        assertThat(p.forwardedFromUrl()).isEqualTo("https://t.me/othernews/55");
        assertThat(p.linkPreview()).isEqualTo(new LinkPreview("https://example.org/article", "Example", "An article",
                null, "https://cdn4.telesco.pe/file/preview108.jpg"));
        assertThat(p.text()).isEqualTo("Forwarded words\non two lines");
        assertThat(p.mediaUrls()).isEmpty();
        assertThat(p.views()).isEqualTo(2_500_000);
    }

    @Test
    void pollUsesItsQuestionAsText() {
        ChannelPost p = post(109);
        assertThat(p.kind()).isEqualTo(PostKind.POLL);
        assertThat(p.text()).isEqualTo("Tabs or spaces?");
        assertThat(p.views()).isEqualTo(7_000);
    }

    @Test
    void viewCountsAsTelegramAbbreviatesThem() {
        assertThat(ChannelPageParser.parseViews("980")).isEqualTo(980);
        assertThat(ChannelPageParser.parseViews("1.2K")).isEqualTo(1_200);
        assertThat(ChannelPageParser.parseViews("436.6K")).isEqualTo(436_600);
        assertThat(ChannelPageParser.parseViews("3M")).isEqualTo(3_000_000);
        assertThat(ChannelPageParser.parseViews("3.1M")).isEqualTo(3_100_000);
        assertThat(ChannelPageParser.parseViews(" 12k ")).isEqualTo(12_000);
        assertThat(ChannelPageParser.parseViews("lots")).isZero();
        assertThat(ChannelPageParser.parseViews("")).isZero();
        assertThat(ChannelPageParser.parseViews(null)).isZero();
    }

    @Test
    void brokenAndTruncatedPageKeepsTheGoodPosts() {
        ChannelPage page = ChannelPageParser.parse("techdigest", fixture("techdigest_broken.html"));
        assertThat(page.title()).isEqualTo("Tech Digest");
        assertThat(page.nextBefore()).isEmpty(); // data-before="not-a-number"
        assertThat(page.posts()).extracting(ChannelPost::messageId).containsExactly(20L, 25L);
        ChannelPost second = page.posts().get(1);
        assertThat(second.views()).isZero();
        assertThat(second.mediaUrls()).isEmpty(); // url(javascript:…) is not a media URL
        assertThat(second.date()).isEqualTo(Instant.parse("2024-02-01T10:09:00Z"));
        assertThat(second.permalink()).isEqualTo("https://t.me/TechDigest/25");
    }

    @Test
    void garbageNeverThrows() {
        for (String html : List.of("", "<<<>>>", "<div class=\"tgme_widget_message\" data-post=\"x/1\">",
                "\u0000\uFFFF", "<html><body>" + "<div>".repeat(5_000) + "deep</body></html>")) {
            ChannelPage page = ChannelPageParser.parse("techdigest", html);
            assertThat(page.posts()).isEmpty();
            assertThat(page.title()).isEqualTo("techdigest");
        }
    }

    @Test
    void hostileMarkupIsEscapedOrDroppedInHtml() {
        ChannelPage page = ChannelPageParser.parse("evilchan", fixture("hostile.html"));
        assertThat(page.title()).isEqualTo("Evil <b>Channel</b>"); // a plain string; whoever renders it escapes it

        ChannelPost escaped = page.posts().get(0);
        assertThat(escaped.text()).isEqualTo("Escaped by Telegram: <script>alert(1)</script> & <b>not bold</b>");
        assertThat(escaped.html()).isEqualTo(
                "Escaped by Telegram: &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;not bold&lt;/b&gt;");

        ChannelPost raw = page.posts().get(1);
        assertThat(raw.html()).isEqualTo("Raw click me <a href=\"https://ok.example/\">fine link</a> hover quoted "
                + "data caps");
        assertThat(raw.html()).doesNotContain("script", "javascript", "onclick", "onerror", "iframe", "style", "<img");
        assertThat(raw.text()).isEqualTo("Raw click me fine link hover quoted data caps");
    }
}
