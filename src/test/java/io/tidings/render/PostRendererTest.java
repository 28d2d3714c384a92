package io.tidings.render;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.store.Post;
import io.tidings.store.PostKind;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PostRendererTest {

    private static Post post(String kind, String text, String html, List<String> media) {
        return new Post(5, 1, "durov", "Durov's <Channel>", 42, Instant.parse("2026-11-27T10:00:00Z"), PostKind.fromSql(kind), text, html,
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

    private final PostRenderer renderer = new PostRenderer(new CallbackData("k".getBytes(StandardCharsets.UTF_8)), new Messages());

    @Test
    void everyPostHasFiveSignedButtonsWithinTelegramsLimit() {
        var keyboard = renderer.keyboard(Long.MAX_VALUE, "ru", Long.MAX_VALUE, null).inlineKeyboard();
        assertThat(keyboard).hasNumberOfRows(3);
        assertThat(keyboard[2]).extracting(b -> b.text()).containsExactly("🔇 Заглушить канал");
        assertThat(keyboard[0]).extracting(b -> b.text()).containsExactly("👍", "👎");
        assertThat(keyboard[1]).extracting(b -> b.text()).containsExactly("Ещё ➡️", "🔉 Меньше из этого канала");
        for (var row : keyboard) {
            for (var b : row) assertThat(b.callbackData().getBytes(StandardCharsets.UTF_8).length).isBetween(1, 64);
        }
        var marked = renderer.keyboard(1, "en", 5, CallbackData.Action.LESS).inlineKeyboard();
        assertThat(marked[1][1].text()).isEqualTo("✅ 🔉 Less from this channel");
    }

    @Test
    void aTextPostIsOneHtmlMessageWithoutPreview() {
        RenderedPost r = renderer.renderPost(7, "en", post("text", "hello", "", List.of()));
        assertThat(r.lead()).isEmpty();
        assertThat(r.last()).isInstanceOf(com.pengrad.telegrambot.request.SendMessage.class);
        assertThat(String.valueOf(r.last().getParameters().get("parse_mode"))).isEqualTo("HTML");
        assertThat(String.valueOf(r.last().getParameters().get("link_preview_options"))).contains("is_disabled");
    }

    @Test
    void aPhotoWithAShortTextIsOnePhotoWithCaption() {
        RenderedPost r = renderer.renderPost(7, "en", post("photo", "look", "", List.of("http://img/1.jpg")));
        assertThat(r.lead()).isEmpty();
        assertThat(r.last()).isInstanceOf(com.pengrad.telegrambot.request.SendPhoto.class);
        assertThat((String) r.last().getParameters().get("caption")).contains("look").contains("https://t.me/durov/42");
    }

    @Test
    void aPhotoWithALongTextIsThePhotoThenTheWholeText() {
        String text = "word ".repeat(400);
        RenderedPost r = renderer.renderPost(7, "en", post("photo", text, "", List.of("http://img/1.jpg")));
        assertThat(r.lead()).singleElement().isInstanceOf(com.pengrad.telegrambot.request.SendPhoto.class);
        assertThat(r.last()).isInstanceOf(com.pengrad.telegrambot.request.SendMessage.class);
        assertThat((String) r.last().getParameters().get("text")).contains(text.strip());
        assertThat(r.last().getParameters()).containsKey("reply_markup");
        assertThat(r.lead().get(0).getParameters()).doesNotContainKey("reply_markup");
        // a sender that sends one request gets the photo with a cut caption
        assertThat(renderer.render(7, "en", post("photo", text, "", List.of("http://img/1.jpg"))))
                .isInstanceOf(com.pengrad.telegrambot.request.SendPhoto.class);
    }

    @Test
    void anAlbumIsAMediaGroupThenTheButtons() {
        List<String> photos = java.util.stream.IntStream.range(0, 12).mapToObj(i -> "http://img/" + i + ".jpg").toList();
        RenderedPost r = renderer.renderPost(7, "en", post("album", "trip", "", photos));
        assertThat(r.lead()).singleElement().isInstanceOf(com.pengrad.telegrambot.request.SendMediaGroup.class);
        var media = (com.pengrad.telegrambot.model.request.InputMedia<?>[]) r.lead().get(0).getParameters().get("media");
        assertThat(media).as("Telegram takes 2-10 photos in an album").hasSize(10);
        assertThat(r.last()).isInstanceOf(com.pengrad.telegrambot.request.SendMessage.class);
        assertThat(r.last().getParameters()).containsKey("reply_markup");
        assertThat(r.all()).hasSize(2).last().isSameAs(r.last());
    }

    @Test
    void aVideoIsTextWithAPreviewOfTheOriginal() {
        RenderedPost r = renderer.renderPost(7, "ru", post("video", "clip", "", List.of("http://img/thumb.jpg")));
        assertThat(r.lead()).isEmpty();
        String text = (String) r.last().getParameters().get("text");
        assertThat(text).contains("clip").contains("Видео").contains("https://t.me/durov/42").contains("нояб");
        assertThat(String.valueOf(r.last().getParameters().get("link_preview_options"))).contains("https://t.me/durov/42");
    }

    @Test
    void theLargestDigestFitsTelegramsLimits() {
        PostRenderer r = new PostRenderer(new CallbackData("k".getBytes(StandardCharsets.UTF_8)), new Messages());
        java.util.List<Post> posts = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) { // 20: the most posts a mailing has; the longest titles, names and ids; escapes everywhere
            posts.add(new Post(Long.MAX_VALUE / 2 - i, 1, "a_very_long_channel_name_32chars" + i % 10, "&".repeat(128),
                    999_999_999L, Instant.parse("2026-11-27T10:00:00Z"), PostKind.TEXT, "<&\">".repeat(2000), "", List.of(), 1, null));
        }
        for (String lang : List.of("en", "ru")) {
            var sent = r.renderDigest(7, lang, posts).last();
            String text = (String) sent.getParameters().get("text");
            assertThat(text.length()).isLessThanOrEqualTo(PostRenderer.TEXT_LIMIT);
            assertThat(text).contains("<b>20.</b>").contains("&lt;&amp;&quot;&gt;");
            var keyboard = (com.pengrad.telegrambot.model.request.InlineKeyboardMarkup) sent.getParameters().get("reply_markup");
            var rows = keyboard.inlineKeyboard();
            assertThat(rows.length).isEqualTo(4);
            for (var row : rows) assertThat(row.length).isLessThanOrEqualTo(8);
            assertThat(java.util.Arrays.stream(rows).flatMap(java.util.Arrays::stream))
                    .hasSize(20).allSatisfy(b -> assertThat(b.callbackData().length()).isLessThanOrEqualTo(64));
        }
        // one short headline leaves its room to the others
        int[] room = PostRenderer.shareRoom(new String[] {"short", "x".repeat(1000), "y".repeat(1000)}, 1000);
        assertThat(room).containsExactly(5, 497, 498);
        assertThat(r.renderDigest(7, "en", posts.subList(0, 1)).last().getParameters().get("text").toString()).contains(": 1 post.");
    }
}
