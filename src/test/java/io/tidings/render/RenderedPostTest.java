package io.tidings.render;

import io.tidings.store.PostKind;
import io.tidings.telegram.TelegramClient;
import io.tidings.telegram.TelegramClientConfig;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.store.Post;
import io.tidings.testkit.botapi.Fault;
import io.tidings.testkit.botapi.LocalBotApiServer;
import io.tidings.testkit.botapi.SentMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** Every kind of post as a reader's chat shows it, sent through the real pengrad client to the local Bot API server. */
class RenderedPostTest {

    private static final String TOKEN = "123456:render-test-token_abcdef";
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final long CHAT = 42;

    private LocalBotApiServer server;
    private TelegramClient client;
    private final PostRenderer renderer = new PostRenderer(new CallbackData("k".getBytes(StandardCharsets.UTF_8)), new Messages());

    @BeforeEach
    void start() {
        server = LocalBotApiServer.start(TOKEN);
        // a chat takes a message every 50 ms here instead of Telegram's second (ChatPaceTest and DeliveryE2eTest test that pace)
        client = TelegramClient.create(TelegramClientConfig.custom(TOKEN).apiUrl(server.apiUrl()).chatGap(Duration.ofMillis(50)).build());
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    private static Post post(String kind, String text, List<String> media) {
        return new Post(5, 1, "durov", "Durov <3", 42, Instant.parse("2026-11-27T10:00:00Z"), PostKind.fromSql(kind), text, "", media, 1200, null);
    }

    private int send(Post p) {
        return renderer.renderPost(CHAT, "en", p).send(client).map(r -> r.message().messageId()).block(WAIT);
    }

    @Test
    void aLongTextIsCutWithinTheLimitAndLinksTheOriginal() {
        int id = send(post("text", "a<b & c ".repeat(1000), List.of()));
        SentMessage m = server.sentTo(CHAT).get(0);
        assertThat(m.messageId()).isEqualTo(id);
        assertThat(m.text().length()).isLessThanOrEqualTo(4096);
        assertThat(m.text()).contains("https://t.me/durov/42").contains("Durov &lt;3").contains("👁 1200");
        assertThat(m.buttons()).hasSize(5);
    }

    @Test
    void aTextTelegramCannotParseIsSentOnceMoreAsPlainText() {
        server.faults().next("sendMessage", Fault.error(400, "Bad Request: can't parse entities: Unsupported start tag"), 1);
        int id = send(post("text", "fish & <chips>", List.of()));
        List<SentMessage> chat = server.sentTo(CHAT);
        assertThat(chat).singleElement().satisfies(m -> {
            assertThat(m.messageId()).isEqualTo(id);
            assertThat(m.text()).contains("fish & <chips>").contains("Durov <3").doesNotContain("&amp;").doesNotContain("<a ");
            assertThat(m.button("👍")).isNotNull();
        });
        assertThat(server.calls("sendMessage")).hasSize(2);
        assertThat(server.calls("sendMessage").get(1).param("parse_mode")).isNull();
    }

    @Test
    void aPhotoWithALongTextArrivesAsThePhotoThenTheTextWithButtons() {
        int id = send(post("photo", "long words ".repeat(300), List.of("http://img/p.jpg")));
        List<SentMessage> chat = server.sentTo(CHAT);
        assertThat(chat).hasSize(2);
        assertThat(chat.get(0).method()).isEqualTo("sendPhoto");
        assertThat(chat.get(0).photoUrls()).containsExactly("http://img/p.jpg");
        assertThat(chat.get(0).buttons()).isEmpty();
        assertThat(chat.get(1).method()).isEqualTo("sendMessage");
        assertThat(chat.get(1).messageId()).isEqualTo(id);
        assertThat(chat.get(1).text()).contains("long words long words").contains("https://t.me/durov/42");
        assertThat(chat.get(1).button("👍")).isNotNull();
    }

    @Test
    void anAlbumArrivesAsAMediaGroupThenTheButtons() {
        List<String> photos = IntStream.range(0, 3).mapToObj(i -> "http://img/" + i + ".jpg").toList();
        int id = send(post("album", "our trip", photos));
        List<SentMessage> chat = server.sentTo(CHAT);
        assertThat(chat).hasSize(4);
        assertThat(chat.subList(0, 3)).allSatisfy(m -> assertThat(m.mediaGroupId()).isNotNull())
                .extracting(m -> m.photoUrls().get(0)).containsExactlyElementsOf(photos);
        assertThat(chat.get(0).caption()).contains("our trip").contains("https://t.me/durov/42");
        SentMessage buttons = chat.get(3);
        assertThat(buttons.messageId()).isEqualTo(id);
        assertThat(buttons.text()).contains("https://t.me/durov/42");
        assertThat(buttons.buttons()).extracting(SentMessage.Button::text).contains("👍", "👎");
    }

    @Test
    void aRetryAfterARateLimitDoesNotSendTheAlbumTwice() {
        server.faults().next("sendMessage", Fault.tooManyRequests(0), 1);
        RenderedPost album = renderer.renderPost(CHAT, "en", post("album", "x", List.of("http://img/1.jpg", "http://img/2.jpg")));
        StepVerifier.create(album.send(client).retry(2)).expectNextCount(1).expectComplete().verify(WAIT);
        assertThat(server.calls("sendMediaGroup")).hasSize(1);
        assertThat(server.sentTo(CHAT)).hasSize(3);
    }

    @Test
    void aPhotoTelegramCannotFetchGoesOutAsTextWithAPreview() {
        server.faults().next("sendPhoto", Fault.error(400, "Bad Request: wrong file identifier/HTTP URL specified"), 1);
        send(post("photo", "short", List.of("http://img/gone.jpg")));
        assertThat(server.sentTo(CHAT)).singleElement().satisfies(m -> {
            assertThat(m.method()).isEqualTo("sendMessage");
            assertThat(m.text()).contains("short");
            assertThat(m.button("👍")).isNotNull();
        });
    }

    @Test
    void aVideoIsTextWithAPreviewOfTheOriginalPost() {
        send(post("video", "watch this", List.of("http://img/thumb.jpg")));
        assertThat(server.sentTo(CHAT)).singleElement().satisfies(m -> assertThat(m.text()).contains("watch this").contains("Video"));
        assertThat(server.calls("sendMessage").get(0).param("link_preview_options")).contains("https://t.me/durov/42");
    }

    private static Post media(String kind, String text, String file) {
        return new Post(6, 1, "durov", "Durov", 43, Instant.parse("2026-11-27T10:00:00Z"), PostKind.fromSql(kind), text, "",
                List.of("https://cdn4.telesco.pe/file/thumb.jpg"), 900, null, null, file);
    }

    @Test
    void videoAnimationVoiceAudioAndDocumentsGoNativelyWithTheirCaptionAndButtons() {
        String[][] cases = {
                {"video", "https://cdn4.telesco.pe/file/video106.mp4?token=xyz", "sendVideo"},
                {"animation", "https://cdn4.telesco.pe/file/funny.mp4?token=1", "sendAnimation"},
                {"voice", "https://cdn1.telegram-cdn.org/file/29881a3f30.ogg?token=RPh7", "sendVoice"},
                {"audio", "CQACAgIAAxkBAAIBsong", "sendAudio"},          // a file id from a channel post update
                {"document", "BQACAgIAAxkBAAIBdoc", "sendDocument"},
                {"document", "https://example.org/report.pdf", "sendDocument"}};
        for (String[] c : cases) {
            server.clearCalls();
            int id = send(media(c[0], "Голосовое / a " + c[0], c[1]));
            SentMessage m = server.sentTo(CHAT).stream().filter(x -> x.messageId() == id).findFirst().orElseThrow();
            assertThat(m.method()).as(c[0]).isEqualTo(c[2]);
            assertThat(m.photoUrls()).containsExactly(c[1]);
            assertThat(m.caption()).contains("Голосовое / a " + c[0]).contains("https://t.me/durov/43");
            assertThat(m.button("👍")).isNotNull();
        }
    }

    @Test
    void aDocumentTelegramCannotFetchByUrlAndAPlayerWithoutFileStayLinks() {
        send(media("document", "a zip? no, a docx", "https://example.org/report.docx"));
        send(media("video", "no file on the page", null));
        assertThat(server.sentTo(CHAT)).extracting(SentMessage::method).containsExactly("sendMessage", "sendMessage");
        assertThat(server.sentTo(CHAT).get(1).text()).contains("https://t.me/durov/43");
    }

    @Test
    void aLongCaptionGoesWithTheVideoTitleThenTheTextWithButtons() {
        int id = send(media("video", "long words ".repeat(300), "https://cdn4.telesco.pe/file/v.mp4"));
        List<SentMessage> chat = server.sentTo(CHAT);
        assertThat(chat).extracting(SentMessage::method).containsExactly("sendVideo", "sendMessage");
        assertThat(chat.get(0).caption()).contains("Durov").hasSizeLessThanOrEqualTo(1024);
        assertThat(chat.get(1).messageId()).isEqualTo(id);
        assertThat(chat.get(1).text()).hasSizeLessThanOrEqualTo(4096);
        assertThat(chat.get(1).button("👍")).isNotNull();
    }

    @Test
    void aVideoTelegramRefuses_tooBigToFetch_isSentAsTheTextWithAPreviewOfTheOriginal() {
        server.faults().next("sendVideo", Fault.error(400, "Bad Request: failed to get HTTP URL content"), 1);
        int id = send(media("video", "a long film", "https://cdn4.telesco.pe/file/huge.mp4"));
        assertThat(server.sentTo(CHAT)).singleElement().satisfies(m -> {
            assertThat(m.messageId()).isEqualTo(id);
            assertThat(m.method()).isEqualTo("sendMessage");
            assertThat(m.text()).contains("a long film").contains("https://t.me/durov/43");
            assertThat(m.button("👍")).isNotNull();
        });
    }
}
