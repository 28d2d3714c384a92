package io.tidings.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.console.SignIn;
import io.tidings.testkit.botapi.SentMessage;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The whole system with something for the console to show: an operator, a reader who got posts and voted, a
 * suggestion held for an operator (CATALOGUE_AUTO_ACCEPT=false). Sign-in links come from the bot, as an operator
 * gets them: by sending /console.
 */
final class ConsoleFixture implements AutoCloseable {

    static final long OPERATOR = 42;
    static final long ANN = 1001;
    private static final Pattern LINK = Pattern.compile("http://\\S+/console/login\\?t=\\S+");

    final E2e e2e;
    final Chat op;
    final Chat ann;
    final App app;

    ConsoleFixture() {
        this(Map.of());
    }

    /** The same with more settings for the app, e.g. a short CONSOLE_ANSWER_SECONDS. */
    ConsoleFixture(Map<String, String> env) {
        e2e = new E2e().channel("alphanews", 4);
        e2e.channels.addChannel("gammanews", "Gamma", "third");
        e2e.addPost("gammanews", 1);
        e2e.db.sql().update("TRUNCATE console_audit, console_links, reader_bans").block(E2e.T);
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("OPERATORS", Long.toString(OPERATOR));
        all.put("CATALOGUE_AUTO_ACCEPT", "false");
        app = e2e.start(List.of("alphanews"), all);
        e2e.ingest();
        op = new Chat(e2e, OPERATOR, "en");
        ann = new Chat(e2e, ANN, "en");
        ann.say("/start");
        SentMessage first = e2e.awaitPost(ANN, 1);
        ann.press(first.messageId(), first.button("👍").callbackData());
        e2e.awaitPost(ANN, 2);
        assertThat(ann.say("/add gammanews").text()).as("held for an operator").isNotEmpty();
        E2e.await("gammanews held", () -> e2e.count("SELECT count(*) FROM channels WHERE status = 'held'") == 1);
        e2e.awaitOutboxEmpty();
    }

    /**
     * Forgets every sign-in (used links, audit rows; links and sessions stay valid by their signature), so a test
     * sharing this service with others counts its own.
     */
    void forgetSignIns() {
        e2e.db.sql().update("TRUNCATE console_audit, console_links").block(E2e.T);
    }

    /** Sends /console as the operator and returns the link in the bot's answer. */
    String link() {
        SentMessage reply = op.say("/console");
        Matcher m = LINK.matcher(reply.text());
        assertThat(m.find()).as("a link in %s", reply.text()).isTrue();
        return m.group();
    }

    /** A link signed with the console's key, as the bot would make it, but for anyone and at any time. */
    String forgedLinkFor(long user, Duration age) {
        Config c = app.config();
        SignIn old = new SignIn(c.console().key(c.callbackKey()), Clock.offset(Clock.systemUTC(), age.negated()),
                c.console().linkTtl(), c.console().sessionTtl());
        return base() + "/login?t=" + old.linkToken(user);
    }

    String base() {
        return "http://127.0.0.1:" + app.httpPort() + "/console";
    }

    long postId(String channel, int messageId) {
        return e2e.count("SELECT p.id FROM posts p JOIN channels c ON c.id = p.channel_id WHERE c.username = $1 AND p.message_id = $2",
                channel, (long) messageId);
    }

    @Override
    public void close() {
        e2e.close();
    }

    /** A browser stand-in over HTTP: keeps the session cookie, follows no redirects. */
    static final class Browser {
        // HTTP/1.1 as the server speaks it (the JDK's default, HTTP/2, asks every new connection to upgrade to h2c)
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
        private final String base;
        String cookie;
        String csrf;

        Browser(String base) {
            this.base = base;
        }

        HttpResponse<String> get(String url) {
            return send(HttpRequest.newBuilder(URI.create(url.startsWith("http") ? url : base + url)).GET());
        }

        HttpResponse<String> post(String url, String contentType, String body, String csrfToken) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url.startsWith("http") ? url : base + url))
                    .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body));
            if (csrfToken != null) b.header("X-CSRF-Token", csrfToken);
            return send(b);
        }

        /** A POST whose body goes chunked, with no Content-Length. */
        HttpResponse<String> postChunked(String path, String json) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                    .header("X-CSRF-Token", csrf)
                    .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofString(json)));
            return send(b);
        }

        HttpResponse<String> postJson(String path, String json) {
            return post(path, "application/json", json, csrf);
        }

        /** Opens the link's page, then signs in as its script would; returns the answer to the sign-in. */
        HttpResponse<String> signIn(String link) {
            HttpResponse<String> page = get(link);
            if (page.statusCode() != 200) return page;
            String token = link.substring(link.indexOf("?t=") + 3);
            HttpResponse<String> res = post(base + "/login", "application/x-www-form-urlencoded",
                    "t=" + URLEncoder.encode(token, StandardCharsets.UTF_8), null);
            res.headers().firstValue("Set-Cookie").ifPresent(c -> cookie = c.substring(0, c.indexOf(';')));
            if (res.statusCode() == 303) {
                Matcher m = Pattern.compile("name=\"csrf\" content=\"([^\"]+)\"").matcher(get("/").body());
                if (m.find()) csrf = m.group(1);
            }
            return res;
        }

        private HttpResponse<String> send(HttpRequest.Builder b) {
            if (cookie != null) b.header("Cookie", cookie);
            try {
                return http.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            } catch (java.net.http.HttpTimeoutException e) {
                // an answer that never came: what every thread was doing, for whoever reads the failure
                StringBuilder dump = new StringBuilder("no answer within 30 s; threads:\n");
                Thread.getAllStackTraces().forEach((t, stack) -> {
                    dump.append(t.getName()).append(' ').append(t.getState()).append('\n');
                    for (StackTraceElement f : stack) dump.append("    at ").append(f).append('\n');
                });
                System.err.println(dump);
                throw new java.io.UncheckedIOException(e);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
