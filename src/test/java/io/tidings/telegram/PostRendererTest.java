package io.tidings.telegram;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.store.Post;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PostRendererTest {

    private static Post post(String kind, String text, String html, List<String> media) {
        return new Post(5, 1, "durov", "Durov's <Channel>", 42, Instant.parse("2026-11-27T10:00:00Z"), kind, text, html,
                media, 1200, null);
    }

    @Test
    void aPostLinksToItsOriginalWithEscapedTitle() {
        String s = PostRenderer.compose(post("text", "hi", "<b>hi</b>", List.of()), PostRenderer.TEXT_LIMIT);
        assertThat(s).startsWith("<b><a href=\"https://t.me/durov/42\">Durov's &lt;Channel&gt;</a></b>")
                .contains("<b>hi</b>").contains("27 Nov 2026").contains("1200");
    }

    @Test
    void plainTextIsEscaped() {
        String s = PostRenderer.compose(post("text", "<script>x</script> & co", "", List.of()), PostRenderer.TEXT_LIMIT);
        assertThat(s).contains("&lt;script&gt;x&lt;/script&gt; &amp; co").doesNotContain("<script>");
    }

    @Test
    void longTextsAreCutWithinTheLimitWithALinkToTheOriginal() {
        String text = "word ".repeat(2000) + "<&>".repeat(500);
        String s = PostRenderer.compose(post("text", text, "", List.of()), PostRenderer.TEXT_LIMIT);
        assertThat(s.length()).isLessThanOrEqualTo(PostRenderer.TEXT_LIMIT);
        assertThat(s).contains("… <a href=\"https://t.me/durov/42\">");
        String caption = PostRenderer.compose(post("photo", text, "", List.of("http://x/1.jpg")), PostRenderer.CAPTION_LIMIT);
        assertThat(caption.length()).isLessThanOrEqualTo(PostRenderer.CAPTION_LIMIT);
    }

    @Test
    void cuttingNeverSplitsASurrogatePair() {
        String emoji = "😀".repeat(100);
        String cut = Html.cut(emoji, 51);
        assertThat(Character.isHighSurrogate(cut.charAt(cut.length() - 1))).isFalse();
        assertThat(cut.getBytes(StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(200);
    }

    @Test
    void bothLanguagesSayEverything() {
        Messages m = new Messages();
        assertThat(m.keys("ru")).containsExactlyInAnyOrderElementsOf(m.keys("en"));
        assertThat(Messages.languageOf("uk")).isEqualTo("ru");
        assertThat(Messages.languageOf("be")).isEqualTo("ru");
        assertThat(Messages.languageOf("de")).isEqualTo("en");
        assertThat(Messages.languageOf(null)).isEqualTo("en");
        assertThat(m.get("ru", "greeting", ", Аня")).startsWith("Привет, Аня!");
    }
}
