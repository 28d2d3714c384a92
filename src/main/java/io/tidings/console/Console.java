package io.tidings.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import io.netty.handler.codec.http.cookie.CookieHeaderNames;
import io.tidings.util.BoundedBody;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.LongPredicate;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.HttpServerRoutes;

/**
 * The console's HTTP side under {@code /console}: the sign-in page behind the bot's one-time link, the session
 * cookie, the pages and assets from the jar, and the JSON endpoints of {@link ConsoleApi}. Every request under
 * {@code /console/api} and the pages check the session and that its user is still an operator; every POST also
 * needs the session's CSRF token in {@code X-CSRF-Token}. Refusals are pages that say what happened and what to do.
 */
public final class Console {

    private static final Logger log = LoggerFactory.getLogger(Console.class);
    static final String COOKIE = "tidings_console";
    private static final int MAX_BODY = 64 * 1024;
    static final ObjectMapper JSON = new ObjectMapper();

    private final ConsoleConfig config;
    private final SignIn signIn;
    private final ConsoleStore store;
    private final LongPredicate isOperator;
    private final ConsoleApi api;
    /**
     * Every answer that waits for the database is written within this, busy or not: a view or action still waiting
     * (the pool's acquire and the statement timeout together can take longer) is answered 503 rather than never.
     */
    private final java.time.Duration answerWithin;
    private final Map<String, Asset> assets = new HashMap<>();
    private final String indexHtml;
    private final String loginHtml;

    private record Asset(byte[] bytes, String type) {}

    /** A signed-in operator's request: who, and their session (for its CSRF token). */
    record Session(long operator, SignIn.Token token) {}

    public Console(ConsoleConfig config, SignIn signIn, ConsoleStore store, LongPredicate isOperator, ConsoleApi api) {
        this.config = config;
        this.signIn = signIn;
        this.store = store;
        this.isOperator = isOperator;
        this.api = api;
        this.answerWithin = config.answerWithin();
        // read once at start-up: no file or jar reads on an event loop
        for (String f : new String[] {"console.js", "console.css", "login.js"}) {
            assets.put(f, new Asset(resource("/console/" + f), f.endsWith(".js") ? "text/javascript" : "text/css"));
        }
        String uplot = "/META-INF/resources/webjars/uplot/1.6.30/dist/";
        assets.put("uPlot.js", new Asset(resource(uplot + "uPlot.iife.min.js"), "text/javascript"));
        assets.put("uPlot.css", new Asset(resource(uplot + "uPlot.min.css"), "text/css"));
        this.indexHtml = new String(resource("/console/index.html"), StandardCharsets.UTF_8);
        this.loginHtml = new String(resource("/console/login.html"), StandardCharsets.UTF_8);
    }

    /** The link the bot sends an operator: valid once, for the link lifetime. */
    public String link(long operator, int port) {
        return config.urlOr(port) + "/login?t=" + signIn.linkToken(operator);
    }

    /** Adds the console's routes to the server's. */
    public void routes(HttpServerRoutes r) {
        r.get("/console", (req, res) -> res.sendRedirect("/console/"));
        r.get("/console/", (req, res) -> page(req, res));
        r.get("/console/login", this::loginPage);
        r.post("/console/login", this::login);
        r.get("/console/assets/{file}", this::asset);
        r.route(req -> req.uri().startsWith("/console/api/"), this::api);
    }

    // ---- sign-in -------------------------------------------------------------------------------------------

    /** Shows a button that signs in (and presses it by script): a link preview fetching the URL uses nothing up. */
    private Publisher<Void> loginPage(HttpServerRequest req, HttpServerResponse res) {
        String token = queryParam(req.uri(), "t");
        var link = signIn.verifyLink(token);
        if (link.ok().isEmpty()) return refuseLink(res, link.refusal());
        return html(res, 200, loginHtml.replace("{{token}}", escape(token)));
    }

    private Publisher<Void> login(HttpServerRequest req, HttpServerResponse res) {
        return body(req).flatMap(body -> {
            String token = queryParam("?" + body, "t");
            var link = signIn.verifyLink(token);
            if (link.ok().isEmpty()) return refuseLink(res, link.refusal());
            SignIn.Token t = link.value();
            if (!isOperator.test(t.user())) {
                log.info("console sign-in refused: {} is not an operator", t.user());
                return refusal(res, 403, "Not an operator", "This Telegram account is not (or no longer) an operator of this bot.");
            }
            return store.redeem(t.id(), t.user(), t.expires()).timeout(answerWithin).flatMap(fresh -> {
                if (!fresh) {
                    return refusal(res, 403, "Link already used", "Each sign-in link works once. Send /console to the bot for a new one.");
                }
                DefaultCookie cookie = new DefaultCookie(COOKIE, signIn.sessionToken(t.user()));
                cookie.setHttpOnly(true);
                cookie.setSecure(config.secureCookies());
                cookie.setSameSite(CookieHeaderNames.SameSite.Strict);
                cookie.setPath("/console");
                cookie.setMaxAge(signIn.sessionTtl().toSeconds());
                log.info("operator {} signed in to the console", t.user());
                return store.audit(t.user(), "sign_in", null, null).timeout(answerWithin)
                        .then(res.status(303).header(HttpHeaderNames.SET_COOKIE, ServerCookieEncoder.STRICT.encode(cookie))
                                .header(HttpHeaderNames.LOCATION, "/console/").send().then());
            });
        }).onErrorResume(BoundedBody.TooLarge.class, e -> {
            log.info("console sign-in refused: {}", e.getMessage());
            return refusal(res.keepAlive(false), 413, "Too large", "A sign-in sends only its link's token. "
                    + "Open the link from the bot again.");
        }).onErrorResume(java.util.concurrent.TimeoutException.class, e -> {
            log.warn("console sign-in: the database did not answer within {} s", answerWithin.toSeconds());
            return refusal(res, 503, "Busy", "The service did not answer in time. Open the link again in a minute "
                    + "(if it says the link was used, send /console to the bot for a new one).");
        });
    }

    private Mono<Void> refuseLink(HttpServerResponse res, SignIn.Refusal why) {
        return why == SignIn.Refusal.EXPIRED
                ? refusal(res, 403, "Link expired", "Sign-in links are valid for " + config.linkTtl().toMinutes()
                        + " minutes. Send /console to the bot for a new one.")
                : refusal(res, 403, "Invalid link", "This sign-in link is not valid. Send /console to the bot for a new one.");
    }

    /** The session of the request, if it has a valid one whose user is still an operator. */
    private Session session(HttpServerRequest req) {
        Map<CharSequence, Set<Cookie>> cookies = req.cookies();
        Set<Cookie> ours = cookies.get(COOKIE);
        if (ours == null || ours.isEmpty()) return null;
        for (Cookie c : ours) {
            var s = signIn.verifySession(c.value());
            if (s.ok().isPresent() && isOperator.test(s.value().user())) return new Session(s.value().user(), s.value());
        }
        return null;
    }

    private Publisher<Void> page(HttpServerRequest req, HttpServerResponse res) {
        Session s = session(req);
        if (s == null) return signedOut(req, res);
        return html(res, 200, indexHtml.replace("{{csrf}}", signIn.csrf(s.token()))
                .replace("{{operator}}", Long.toString(s.operator())));
    }

    private Mono<Void> signedOut(HttpServerRequest req, HttpServerResponse res) {
        boolean hadCookie = req.cookies().containsKey(COOKIE);
        return refusal(res, 401, hadCookie ? "Signed out" : "Sign in through the bot",
                (hadCookie ? "Your session has ended, or your account is no longer an operator. " : "")
                        + "Send /console to the bot: it answers operators with a one-time link.");
    }

    // ---- API -----------------------------------------------------------------------------------------------

    private Publisher<Void> api(HttpServerRequest req, HttpServerResponse res) {
        Session s = session(req);
        // a refusal still reads the request body: an unread body leaves the client waiting for the answer
        if (s == null) return req.receive().then(signedOut(req, res));
        String path = req.uri();
        int q = path.indexOf('?');
        String query = q < 0 ? "" : path.substring(q);
        path = (q < 0 ? path : path.substring(0, q)).substring("/console/api/".length());
        if (req.method() == HttpMethod.GET) {
            String p = path;
            return Mono.defer(() -> api.get(p, query)).timeout(answerWithin)
                    .flatMap(body -> json(res, body == ConsoleApi.NOT_FOUND ? 404 : 200,
                            body == ConsoleApi.NOT_FOUND ? Map.of("error", "not found: " + p) : body))
                    .onErrorResume(ConsoleApi.BadRequest.class, e -> json(res, 400, Map.of("error", e.getMessage())))
                    .onErrorResume(java.util.concurrent.TimeoutException.class, e -> busy(res, "GET " + p,
                            "the database did not answer within " + answerWithin.toSeconds() + " s; try again"));
        }
        if (req.method() != HttpMethod.POST) {
            return req.receive().then(refusal(res, 405, "Method not allowed", "Only GET and POST are used here."));
        }
        if (!signIn.csrfMatches(s.token(), req.requestHeaders().get("X-CSRF-Token"))) {
            log.info("console POST {} refused: missing or wrong CSRF token (operator {})", path, s.operator());
            return req.receive().then(refusal(res, 403, "Missing CSRF token",
                    "Changes are accepted only from the console's own pages. Reload the page and try again."));
        }
        String p = path;
        return body(req).flatMap(body -> {
            JsonNode json;
            try {
                json = body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
            } catch (IOException e) {
                return json(res, 400, Map.of("error", "the body is not JSON"));
            }
            return Mono.defer(() -> api.post(p, json, s.operator())).timeout(answerWithin)
                    .flatMap(out -> json(res, out == ConsoleApi.NOT_FOUND ? 404 : 200,
                            out == ConsoleApi.NOT_FOUND ? Map.of("error", "no such action: " + p) : out))
                    .onErrorResume(ConsoleApi.BadRequest.class, e -> json(res, 400, Map.of("error", e.getMessage())))
                    .onErrorResume(java.util.concurrent.TimeoutException.class, e -> busy(res, "POST " + p,
                            "the database did not answer within " + answerWithin.toSeconds()
                                    + " s: the change may or may not be made; reload to see"));
        }).onErrorResume(BoundedBody.TooLarge.class, e -> {
            log.info("console POST {} refused: {} (operator {})", p, e.getMessage(), s.operator());
            return json(res.keepAlive(false), 413, Map.of("error", e.getMessage() + "; nothing was changed"));
        });
    }

    private static Mono<Void> busy(HttpServerResponse res, String what, String message) {
        log.warn("console {}: {}", what, message);
        return json(res, 503, Map.of("error", message));
    }

    // ---- responses -----------------------------------------------------------------------------------------

    private Publisher<Void> asset(HttpServerRequest req, HttpServerResponse res) {
        Asset a = assets.get(req.param("file"));
        if (a == null) return res.status(404).send();
        return res.header(HttpHeaderNames.CONTENT_TYPE, a.type() + "; charset=utf-8")
                .header(HttpHeaderNames.CACHE_CONTROL, "private, max-age=300")
                .sendByteArray(Mono.just(a.bytes())).then();
    }

    static Mono<Void> json(HttpServerResponse res, int status, Object body) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            return Mono.error(e);
        }
        return security(res).status(status).header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .sendByteArray(Mono.just(bytes)).then();
    }

    private static Mono<Void> html(HttpServerResponse res, int status, String html) {
        return security(res).status(status).header(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                .sendString(Mono.just(html)).then();
    }

    /** A refusal page: what happened and what to do, no details an attacker could use. */
    static Mono<Void> refusal(HttpServerResponse res, int status, String title, String text) {
        return html(res, status, "<!doctype html><html lang=en><head><meta charset=utf-8><title>" + escape(title)
                + " · tidings console</title><link rel=stylesheet href=/console/assets/console.css></head><body class=refusal>"
                + "<main><h1 id=refusal>" + escape(title) + "</h1><p>" + escape(text) + "</p></main></body></html>");
    }

    private static HttpServerResponse security(HttpServerResponse res) {
        return res.header("Content-Security-Policy", "default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; "
                        + "frame-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer")
                .header(HttpHeaderNames.CACHE_CONTROL, "no-store");
    }

    /** The request's body, at most {@link #MAX_BODY} bytes ({@link BoundedBody}: a longer one fails, read to its end). */
    private static Mono<String> body(HttpServerRequest req) {
        return BoundedBody.read(req.receive().asByteArray(), MAX_BODY);
    }

    static String queryParam(String uri, String name) {
        int q = uri.indexOf('?');
        if (q < 0) return null;
        for (String pair : uri.substring(q + 1).split("&")) {
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            if (k.equals(name)) {
                try {
                    return URLDecoder.decode(eq < 0 ? "" : pair.substring(eq + 1), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    return null;
                }
            }
        }
        return null;
    }

    static String escape(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static byte[] resource(String path) {
        try (InputStream in = Console.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("missing resource " + path);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
