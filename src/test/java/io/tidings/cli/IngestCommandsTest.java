package io.tidings.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidings.testkit.channels.LocalChannelServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class IngestCommandsTest {

    private static final Instant T0 = Instant.parse("2024-05-01T08:00:00Z");

    private LocalChannelServer server;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void start() {
        server = LocalChannelServer.start(5);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private int scrape(String... args) {
        String[] line = new String[args.length + 1];
        line[0] = "scrape";
        System.arraycopy(args, 0, line, 1, args.length);
        return Main.commandLine(Map.of("TME_BASE_URL", server.baseUrl()), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).execute(line);
    }

    private List<JsonNode> lines() throws Exception {
        ObjectMapper json = new ObjectMapper();
        return out.toString(StandardCharsets.UTF_8).lines().map(l -> {
            try {
                return json.readTree(l);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + l, e);
            }
        }).toList();
    }

    private void readable() {
        server.addChannel("scrape_me", "Scrape me", "");
        for (int i = 0; i < 12; i++) {
            server.addPost("scrape_me", "post " + i + " <b>&</b>", i == 11 ? "https://cdn.example/p.jpg" : null,
                    T0.plusSeconds(60L * i), 1_000L * i);
        }
        server.addForwarded("scrape_me", "relayed", "other_chan", T0.plusSeconds(3600), 5);
    }

    @Test
    void printsOneJsonLinePerPostOfTheRequestedPages() throws Exception {
        readable();
        assertThat(scrape("https://t.me/s/Scrape_Me", "--pages", "2")).isZero();
        List<JsonNode> posts = lines();
        assertThat(posts).extracting(p -> p.get("id").asLong()).containsExactly(9L, 10L, 11L, 12L, 13L, 4L, 5L, 6L,
                7L, 8L);
        JsonNode photo = posts.get(3);
        assertThat(photo.get("channel").asText()).isEqualTo("scrape_me");
        assertThat(photo.get("kind").asText()).isEqualTo("photo");
        assertThat(photo.get("text").asText()).isEqualTo("post 11 <b>&</b>");
        assertThat(photo.get("media").get(0).asText()).isEqualTo("https://cdn.example/p.jpg");
        assertThat(photo.get("views").asLong()).isEqualTo(11_000);
        assertThat(photo.get("date").asText()).isEqualTo("2024-05-01T08:11:00Z");
        assertThat(photo.get("forwarded_from").isNull()).isTrue();
        JsonNode forwarded = posts.get(4);
        assertThat(forwarded.get("forwarded_from").asText()).isEqualTo("other_chan");
        assertThat(forwarded.get("permalink").asText()).isEqualTo("https://t.me/scrape_me/13");
        assertThat(server.requests("scrape_me")).isEqualTo(2);
    }

    @Test
    void aChannelWithoutPreviewIsReportedAndInvalidNamesSendNothing() {
        readable();
        server.setNoPreview("scrape_me");
        assertThat(scrape("scrape_me")).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no public preview");
        assertThat(out.size()).isZero();

        int before = server.totalRequests();
        assertThat(scrape("https://evil.example/s/x")).isEqualTo(2);
        assertThat(server.totalRequests()).isEqualTo(before);
    }
}
