package io.tidings.testkit.channels;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.tidings.ingest.ChannelPageParser;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.netty.http.client.HttpClient;

class LocalChannelServerTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Instant T0 = Instant.parse("2024-05-01T08:00:00Z");

    /** Selectors scrapers (ours included) rely on; the generated page must have each one the real page has. */
    private static final List<String> STRUCTURE = List.of(
            ".tgme_channel_info_header_title > span",
            ".tgme_channel_info_counter > span.counter_value",
            "section.tgme_channel_history.js-message_history",
            ".js-messages_more_wrap > a.tme_messages_more.js-messages_more[data-before][href]",
            "div.tgme_widget_message_wrap.js-widget_message_wrap > div.tgme_widget_message.js-widget_message"
                    + "[data-post][data-view]",
            ".tgme_widget_message > .tgme_widget_message_bubble > .tgme_widget_message_text.js-message_text",
            ".tgme_widget_message_bubble > a.tgme_widget_message_photo_wrap[style*=\"background-image:url('\"]",
            ".tgme_widget_message_footer .tgme_widget_message_info > span.tgme_widget_message_views",
            ".tgme_widget_message_meta > a.tgme_widget_message_date[href^=\"https://t.me/\"] > time.time[datetime]");

    private LocalChannelServer server;
    private final HttpClient client = HttpClient.create();

    @BeforeEach
    void start() {
        server = LocalChannelServer.start();
        server.addChannel("demo_channel", "Demo <i>Channel</i>", "About <script>x</script>");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String get(String path) {
        return client.get().uri(server.baseUrl() + path).responseContent().aggregate().asString().block(WAIT);
    }

    private int status(String path) {
        return client.get().uri(server.baseUrl() + path).response().block(WAIT).status().code();
    }

    @Test
    void generatedPageHasTheStructureOfTheRealOne() throws IOException {
        for (int i = 0; i < 25; i++) {
            server.addPost("demo_channel", "post " + i, i % 2 == 0 ? "https://cdn.example/p" + i + ".jpg" : null,
                    T0.plusSeconds(i), 1_000L * i);
        }
        Document generated = Jsoup.parse(get("/s/demo_channel"));
        Document real;
        try (InputStream in = getClass().getResourceAsStream("/tme/techdigest_page.html")) {
            real = Jsoup.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        for (String selector : STRUCTURE) {
            assertThat(real.select(selector)).as("real page: " + selector).isNotEmpty();
            assertThat(generated.select(selector)).as("generated page: " + selector).isNotEmpty();
        }
    }

    @Test
    void pagesShowTheLatestPostsOldestFirstAndLinkToOlderOnes() {
        for (int i = 1; i <= 30; i++) {
            assertThat(server.addPost("demo_channel", "post " + i, null, T0.plusSeconds(i), i)).isEqualTo(i);
        }
        var latest = ChannelPageParser.parse("demo_channel", get("/s/demo_channel"));
        assertThat(latest.posts()).hasSize(LocalChannelServer.PAGE_SIZE);
        assertThat(latest.posts().get(0).messageId()).isEqualTo(11);
        assertThat(latest.posts().get(19).messageId()).isEqualTo(30);
        assertThat(latest.nextBefore()).hasValue(11);

        var older = ChannelPageParser.parse("demo_channel", get("/s/demo_channel?before=11"));
        assertThat(older.posts()).extracting(p -> p.messageId()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L,
                9L, 10L);
        assertThat(older.nextBefore()).isEmpty();
    }

    @Test
    void untrustedTextsAreEscaped() {
        server.addPost("demo_channel", "<script>alert(1)</script><b>x</b>", "https://cdn.example/a.jpg')x(\"", T0, 1);
        String html = get("/s/demo_channel");
        assertThat(html).doesNotContain("<script>", "<b>x</b>", "<i>Channel</i>", "')x(");
        var page = ChannelPageParser.parse("demo_channel", html);
        assertThat(page.title()).isEqualTo("Demo <i>Channel</i>");
        assertThat(page.posts().get(0).text()).isEqualTo("<script>alert(1)</script><b>x</b>");
    }

    @Test
    void removedChannelIsNotFoundAndFaultsAreCountedDown() {
        server.failNext(503, 2);
        assertThat(status("/s/demo_channel")).isEqualTo(503);
        assertThat(status("/s/demo_channel")).isEqualTo(503);
        assertThat(status("/s/demo_channel")).isEqualTo(200);
        server.removeChannel("demo_channel");
        assertThat(status("/s/demo_channel")).isEqualTo(404);
        assertThat(status("/s/..%2Fetc")).isEqualTo(404);
        assertThat(server.requests("demo_channel")).isEqualTo(4);
    }

    @Test
    void noPreviewRedirectsToTheProfilePage() {
        server.setNoPreview("demo_channel");
        var response = client.get().uri(server.baseUrl() + "/s/demo_channel").response().block(WAIT);
        assertThat(response.status().code()).isEqualTo(302);
        assertThat(response.responseHeaders().get("Location")).isEqualTo("/demo_channel");
        assertThat(get("/demo_channel")).contains("tgme_page_title");
    }
}
