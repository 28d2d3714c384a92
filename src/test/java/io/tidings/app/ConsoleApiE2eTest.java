package io.tidings.app;

import static io.tidings.app.ConsoleFixture.ANN;
import static io.tidings.app.ConsoleFixture.OPERATOR;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The console's JSON endpoints end to end: sign-in through the bot's link, every view, every action, every refusal.
 * The tests that change nothing but sign-ins share one running service (its sign-ins and audit emptied before each);
 * a test that changes the service (an action, a broadcast) gets a service of its own.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleApiE2eTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The service the tests that change nothing but sign-ins share; closed before a test that needs its own. */
    private static ConsoleFixture shared;
    private ConsoleFixture own;
    private ConsoleFixture f;
    private ConsoleFixture.Browser browser;

    /** For a test that only signs in and looks: the shared service, with no sign-in or audit row left from before. */
    private void sharedService() {
        if (shared == null) {
            shared = new ConsoleFixture();
        } else {
            shared.forgetSignIns();
        }
        f = shared;
        browser = new ConsoleFixture.Browser(f.base());
    }

    /** For a test that changes the service: one of its own (the shared one is closed: one service per database). */
    private void ownService() {
        closeShared();
        own = new ConsoleFixture();
        f = own;
        browser = new ConsoleFixture.Browser(f.base());
    }

    @AfterEach
    void tearDown() {
        if (own != null) own.close();
    }

    @AfterAll
    static void closeShared() {
        if (shared != null) shared.close();
        shared = null;
    }

    @Test
    @Order(1)
    void anOperatorSignsInThroughTheBotsLinkAndSeesEveryView() {
        sharedService();
        HttpResponse<String> signIn = browser.signIn(f.link());
        assertThat(signIn.statusCode()).isEqualTo(303);
        assertThat(signIn.headers().firstValue("Location")).contains("/console/");
        String cookie = signIn.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).containsIgnoringCase("HttpOnly").contains("SameSite=Strict").contains("Path=/console")
                .as("plain HTTP on loopback: a Secure cookie would be dropped").doesNotContain("Secure;");
        assertThat(browser.csrf).isNotBlank();

        // the views read hourly rollups, refreshed every minute by a loop: refresh them now rather than wait
        f.app.consoleRollups().refresh().block(Duration.ofSeconds(30));
        JsonNode overview = get("overview");
        assertThat(count(overview.get("readers"), "status", "active")).as("ann; the operator never sent /start").isEqualTo(1);
        assertThat(count(overview.get("channels"), "status", "held")).isEqualTo(1);
        assertThat(count(overview.get("channels"), "status", "active")).isEqualTo(1);
        assertThat(sum(overview.get("posts_per_hour"), "posts")).as("alphanews' 4 (held gammanews is not read)").isEqualTo(4);
        assertThat(sum(overview.get("sent_per_minute"), "sent")).isEqualTo(2);
        assertThat(overview.get("replicas").get(0).get("alive").asBoolean()).isTrue();
        assertThat(overview.get("send_rate_limit").asDouble()).isEqualTo(200);

        JsonNode quality = get("quality");
        assertThat(sum(quality.get("like_rate_per_hour"), "likes")).isEqualTo(1);
        assertThat(quality.get("by_kind").get(0).get("kind").asText()).isEqualTo("start");
        assertThat(quality.get("by_kind").get(0).get("like_rate").asDouble()).isEqualTo(1.0);
        assertThat(quality.get("channels_per_reader_24h").get("channels_per_reader").asDouble()).as("ann's posts: alphanews only")
                .isEqualTo(1.0);
        assertThat(quality.get("exploration_picks").get("picks").asLong()).as("the posts ann got from her set").isPositive();
        assertThat(quality.get("exploration_picks").get("exploration").asLong()).as("RANKING_NOISE=0: no exploration").isZero();
        assertThat(sum(quality.get("presses_per_day"), "less") + sum(quality.get("presses_per_day"), "mutes")).isZero();

        JsonNode model = get("model");
        assertThat(model.has("versions")).isTrue();
        assertThat(model.get("serving").asLong()).isEqualTo(f.app.models().version());

        JsonNode channels = get("channels");
        assertThat(channels.get("held").get(0).get("username").asText()).isEqualTo("gammanews");
        assertThat(channels.get("held").get(0).get("suggested_by").asLong()).isEqualTo(ANN);
        JsonNode alpha = channels.get("channels").get(0);
        assertThat(alpha.get("username").asText()).isEqualTo("alphanews");
        assertThat(alpha.get("deliveries_24h").asLong()).isEqualTo(2);
        assertThat(alpha.get("likes_24h").asLong()).isEqualTo(1);

        assertThat(get("readers?q=" + ANN).get("readers").get(0).get("id").asLong()).isEqualTo(ANN);
        JsonNode inspector = get("readers/" + ANN);
        assertThat(inspector.get("reader").get("status").asText()).isEqualTo("active");
        assertThat(inspector.get("deliveries")).hasSize(2);
        assertThat(inspector.get("votes").get(0).get("liked").asBoolean()).isTrue();
        assertThat(inspector.get("candidates")).as("the two posts ann has not seen").hasSize(2);
        assertThat(inspector.get("candidates").get(0).get("channel").asText()).isEqualTo("alphanews");
        JsonNode best = inspector.get("candidates").get(0);
        assertThat(best.get("noise").asDouble()).as("RANKING_NOISE=0").isZero();
        assertThat(best.get("penalty_factor").asDouble()).isEqualTo(1.0);
        assertThat(best.get("key").asDouble()).isEqualTo(best.get("score").asDouble() * best.get("penalty_factor").asDouble()
                + best.get("noise").asDouble());
        assertThat(best.get("key").asDouble()).isGreaterThanOrEqualTo(inspector.get("candidates").get(1).get("key").asDouble());

        JsonNode preview = get("preview?post=https://t.me/alphanews/3");
        assertThat(preview.get("messages").get(0).get("html").asText()).contains("alphanews post 3").contains("https://t.me/alphanews/3");
        assertThat(preview.get("messages").get(0).get("buttons").toString()).contains("👍").contains("👎");

        assertThat(get("audit").get("audit").get(0).get("action").asText()).isEqualTo("sign_in");
        assertThat(get("audit").get("audit").get(0).get("operator_id").asLong()).isEqualTo(OPERATOR);
        assertThat(browser.get("/api/nothing").statusCode()).isEqualTo(404);
    }

    @Test
    @Order(5)
    void actionsChangeTheServiceAndAreAudited() {
        ownService();
        browser.signIn(f.link());

        assertThat(post("channels/gammanews/approve", "{}").get("changed").asBoolean()).isTrue();
        assertThat(f.e2e.count("SELECT count(*) FROM channels WHERE username = 'gammanews' AND status = 'active'")).isEqualTo(1);

        JsonNode scheduled = post("broadcasts", "{\"post\":\"https://t.me/alphanews/3\",\"at\":\"" + Instant.now().plus(Duration.ofHours(2)) + "\"}");
        long id = scheduled.get("id").asLong();
        assertThat(scheduled.get("post_id").asLong()).isEqualTo(f.postId("alphanews", 3));
        assertThat(get("broadcasts").get("broadcasts").get(0).get("state").asText()).isEqualTo("scheduled");
        assertThat(post("broadcasts/" + id + "/cancel", "{}").get("changed").asBoolean()).isTrue();
        assertThat(post("broadcasts/" + id + "/cancel", "{}").get("changed").asBoolean()).as("once").isFalse();
        assertThat(f.e2e.count("SELECT count(*) FROM broadcasts WHERE state = 'cancelled'")).isEqualTo(1);
        assertThat(browser.postJson("/api/broadcasts", "{\"post\":\"999999\"}").statusCode()).isEqualTo(400);
        assertThat(browser.postJson("/api/broadcasts", "{\"post\":\"1\",\"at\":\"2001-01-01T00:00:00Z\"}").statusCode()).isEqualTo(400);

        assertThat(post("readers/" + ANN + "/ban", "{}").get("changed").asBoolean()).isTrue();
        assertThat(f.e2e.count("SELECT count(*) FROM readers WHERE id = $1 AND status = 'paused'", ANN)).isEqualTo(1);
        assertThat(get("readers/" + ANN).get("reader").get("banned_by").asLong()).isEqualTo(OPERATOR);
        // a banned reader cannot resume, start again, or get a post by "More"
        long delivered = f.e2e.count("SELECT count(*) FROM deliveries WHERE reader_id = $1", ANN);
        assertThat(f.ann.say("/resume").text()).contains("An operator has stopped your mailings");
        f.ann.say("/start");
        var post = f.e2e.posts(ANN).get(0);
        f.ann.press(post.messageId(), post.button("More ➡️").callbackData());
        f.ann.say("/resume");
        assertThat(f.e2e.count("SELECT count(*) FROM readers WHERE id = $1 AND status = 'paused'", ANN)).isEqualTo(1);
        assertThat(f.e2e.count("SELECT count(*) FROM deliveries WHERE reader_id = $1", ANN)).isEqualTo(delivered);
        assertThat(post("readers/" + ANN + "/unban", "{}").get("changed").asBoolean()).isTrue();
        assertThat(f.e2e.count("SELECT count(*) FROM readers WHERE id = $1 AND status = 'active'", ANN)).isEqualTo(1);
        assertThat(f.ann.say("/resume").text()).doesNotContain("An operator");

        assertThat(get("audit").get("audit").findValuesAsText("action"))
                .containsExactly("unban_reader", "ban_reader", "cancel_broadcast", "schedule_broadcast", "approve_channel", "sign_in");
    }

    @Test
    @Order(6)
    void aBroadcastComposedFromATextIsPreviewedScheduledListedCancelledAndSentAsPreviewed() {
        ownService();
        browser.signIn(f.link());
        String text = "Maintenance tonight <b>not bold</b> & 22:00–23:00";
        JsonNode preview = get("preview?text=" + java.net.URLEncoder.encode(text, java.nio.charset.StandardCharsets.UTF_8));
        String html = preview.get("messages").get(0).get("html").asText();
        assertThat(html).startsWith("<b>📢</b>\n\nMaintenance tonight &lt;b&gt;not bold&lt;/b&gt; &amp; 22:00–23:00")
                .as("no link to a channel").doesNotContain("t.me");
        assertThat(preview.get("messages").get(0).get("buttons").toString()).contains("👍");
        assertThat(browser.postJson("/api/broadcasts", "{\"text\":\"   \"}").statusCode()).as("an empty text").isEqualTo(400);
        assertThat(browser.postJson("/api/broadcasts", "{\"text\":\"" + "x".repeat(3001) + "\"}").statusCode()).isEqualTo(400);

        long later = post("broadcasts", "{\"text\":\"Later\",\"at\":\"" + Instant.now().plus(Duration.ofHours(3)) + "\"}").get("id").asLong();
        post("broadcasts", JSON.createObjectNode().put("text", text).put("at", "now").toString());
        JsonNode list = get("broadcasts").get("broadcasts");
        assertThat(list.findValuesAsText("text")).contains(text, "Later");
        assertThat(post("broadcasts/" + later + "/cancel", "{}").get("changed").asBoolean()).isTrue();

        // the broadcast loop queues it for every active reader: ann gets exactly the previewed message
        E2e.await("the announcement reaches ann", () -> f.e2e.telegram.sentTo(ANN).stream()
                .anyMatch(m -> m.textOrCaption().contains("Maintenance tonight")), Duration.ofSeconds(60));
        var got = f.e2e.telegram.sentTo(ANN).stream().filter(m -> m.textOrCaption().contains("Maintenance tonight")).toList();
        assertThat(got).hasSize(1);
        assertThat(withoutDate(plain(got.get(0).textOrCaption()))).as("as previewed (the date line aside: a minute may pass)")
                .isEqualTo(withoutDate(plain(html))).contains("📢");
        assertThat(got.get(0).buttons().stream().map(b -> b.text()).toList())
                .isEqualTo(flatten(preview.get("messages").get(0).get("buttons")));
        assertThat(f.e2e.count("SELECT count(*) FROM broadcasts WHERE state = 'cancelled'")).isEqualTo(1);
        assertThat(get("channels").get("channels").findValuesAsText("username")).as("the announcements channel is not listed")
                .doesNotContain("@operator");
    }

    /** Telegram's HTML as a reader reads it: tags dropped, entities back to characters. */
    private static String plain(String html) {
        return html.replaceAll("<[^>]+>", "").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&");
    }

    private static String withoutDate(String text) {
        return text.substring(0, text.lastIndexOf("\n\n"));
    }

    private static java.util.List<String> flatten(JsonNode rows) {
        java.util.List<String> out = new java.util.ArrayList<>();
        rows.forEach(row -> row.forEach(b -> out.add(b.asText())));
        return out;
    }

    @Test
    @Order(2)
    void reusedExpiredAndForeignLinksAreRefused() {
        sharedService();
        String link = f.link();
        assertThat(browser.signIn(link).statusCode()).isEqualTo(303);

        ConsoleFixture.Browser again = new ConsoleFixture.Browser(f.base());
        HttpResponse<String> reused = again.signIn(link);
        assertThat(reused.statusCode()).isEqualTo(403);
        assertThat(reused.body()).contains("Link already used");
        assertThat(again.cookie).isNull();

        HttpResponse<String> expired = again.signIn(f.forgedLinkFor(OPERATOR, Duration.ofMinutes(11)));
        assertThat(expired.statusCode()).isEqualTo(403);
        assertThat(expired.body()).contains("Link expired");

        HttpResponse<String> stranger = again.signIn(f.forgedLinkFor(ANN, Duration.ZERO));
        assertThat(stranger.statusCode()).isEqualTo(403);
        assertThat(stranger.body()).contains("Not an operator");

        HttpResponse<String> tampered = again.signIn(link.replace("?t=", "?t=x"));
        assertThat(tampered.statusCode()).isEqualTo(403);
        assertThat(tampered.body()).contains("Invalid link");

        assertThat(f.e2e.count("SELECT count(*) FROM console_audit WHERE action = 'sign_in'")).isEqualTo(1);
        assertThat(again.get("/api/overview").statusCode()).as("no session").isEqualTo(401);
        assertThat(again.get("/").body()).contains("Sign in through the bot");
        again.cookie = browser.cookie.replace("=", "=x");
        assertThat(again.get("/api/overview").statusCode()).as("a forged cookie").isEqualTo(401);
    }

    @Test
    @Order(3)
    void aChangeWithoutTheCsrfTokenIsRefusedAndChangesNothing() {
        sharedService();
        browser.signIn(f.link());
        HttpResponse<String> none = browser.post("/api/channels/gammanews/approve", "application/json", "{}", null);
        assertThat(none.statusCode()).isEqualTo(403);
        assertThat(none.body()).contains("Missing CSRF token");
        HttpResponse<String> wrong = browser.post("/api/readers/" + ANN + "/ban", "application/json", "{}", "forged");
        assertThat(wrong.statusCode()).isEqualTo(403);
        assertThat(f.e2e.count("SELECT count(*) FROM channels WHERE status = 'held'")).isEqualTo(1);
        assertThat(f.e2e.count("SELECT count(*) FROM reader_bans")).isZero();
        assertThat(f.e2e.count("SELECT count(*) FROM console_audit WHERE action <> 'sign_in'")).isZero();
    }

    @Test
    @Order(4)
    void onlyOperatorsGetALink() {
        sharedService();
        assertThat(f.ann.say("/console").text()).doesNotContain("/console/login");
    }

    @Test
    @Order(5)
    void aBodyOverTheLimitIsRefusedAndChangesNothing() {
        sharedService();
        browser.signIn(f.link());
        String big = "{\"text\":\"" + "x".repeat(70 * 1024) + "\",\"at\":\"now\"}";
        HttpResponse<String> sized = browser.postJson("/api/broadcasts", big);
        assertThat(sized.statusCode()).as(sized.body()).isEqualTo(413);
        assertThat(sized.body()).contains("over 64 KB");
        // without a Content-Length (chunked): found while reading, never cut and never taken as an empty body
        HttpResponse<String> chunked = browser.postChunked("/api/broadcasts", big);
        assertThat(chunked.statusCode()).as(chunked.body()).isEqualTo(413);
        HttpResponse<String> login = browser.post("/login", "application/x-www-form-urlencoded", "t=" + "x".repeat(2 << 20), null); // 2 MB: read to its end and dropped, so the answer arrives
        assertThat(login.statusCode()).isEqualTo(413);
        assertThat(login.body()).contains("Too large");
        assertThat(f.e2e.count("SELECT count(*) FROM broadcasts")).isZero();
        assertThat(f.e2e.count("SELECT count(*) FROM console_audit WHERE action <> 'sign_in'")).isZero();
        assertThat(browser.get("/api/overview").statusCode()).as("the session still works").isEqualTo(200);
    }

    private JsonNode get(String path) {
        HttpResponse<String> res = browser.get("/api/" + path);
        assertThat(res.statusCode()).as("GET %s: %s", path, res.body()).isEqualTo(200);
        return parse(res.body());
    }

    private JsonNode post(String path, String json) {
        HttpResponse<String> res = browser.postJson("/api/" + path, json);
        assertThat(res.statusCode()).as("POST %s: %s", path, res.body()).isEqualTo(200);
        return parse(res.body());
    }

    private static long count(JsonNode rows, String key, String value) {
        for (JsonNode r : rows) if (r.get(key).asText().equals(value)) return r.get("n").asLong();
        return 0;
    }

    private static long sum(JsonNode rows, String key) {
        long n = 0;
        for (JsonNode r : rows) n += r.get(key).asLong();
        return n;
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
