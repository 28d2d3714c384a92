package io.tidings.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.tidings.testkit.botapi.LocalBotApiServer;
import io.tidings.testkit.botapi.SentMessage;
import io.tidings.testkit.channels.LocalChannelServer;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.ConnectionProvider;

/**
 * {@code tidings stand-ins}: the local Bot API server and the local t.me server (the demo's channels) as long-running
 * processes, for running the real service (e.g. its container image) against them from a script. Prints
 * {@code KEY=value} lines (the settings to give the service, and the control URL) and then {@code ready}; runs until
 * killed. The control server lets a script act as readers and see what they received:
 * <ul>
 *   <li>{@code POST /stand-in/start?from=ID&count=N[&lang=en]}: readers ID…ID+N-1 send /start (paced into the webhook);
 *   <li>{@code POST /stand-in/press?from=ID&count=N&button=like|dislike|more}: each presses that button on the newest
 *       post they received (readers with none are counted as missing);
 *   <li>{@code GET /stand-in/sent}: every message the bot sent to those readers, one JSON object a line;
 *   <li>{@code GET /stand-in/summary}: one JSON object: chats, messages, posts, duplicates (a post twice in one chat),
 *       webhook deliveries still pending.
 * </ul>
 * With {@code --webhook-backends P1,P2,…} it also plays the Kubernetes Service in front of several replicas: webhook
 * POSTs to {@code WEBHOOK_URL} go round-robin to {@code 127.0.0.1:Pi} (same path and headers), skipping replicas that
 * refuse the connection or answer 5xx (a draining replica answers 503), as a Service skips pods that are not ready.
 */
public final class StandIns implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PERMALINK = Pattern.compile("https://t\\.me/([A-Za-z0-9_]+)/(\\d+)");
    /** Updates in flight to the webhook at most while a bulk /start or press is fed in (the stand-in retries each). */
    private static final int WEBHOOK_WINDOW = 8;

    /** Options: the bot token, ports (0 = any free one), channel content and the webhook's backends. */
    public record Options(String token, int controlPort, int webhookPort, List<Integer> webhookBackends, int postsPerChannel,
                          long seed) {
        public static Options parse(List<String> args) {
            String token = "100000:stand-in-token";
            int control = 0, webhook = 0, posts = 40;
            long seed = 1;
            List<Integer> backends = List.of();
            for (int i = 0; i < args.size(); i += 2) {
                String a = args.get(i);
                if (i + 1 >= args.size()) throw new IllegalArgumentException(a + " needs a value");
                String v = args.get(i + 1);
                switch (a) {
                    case "--token" -> token = v;
                    case "--control-port" -> control = port(a, v);
                    case "--webhook-port" -> webhook = port(a, v);
                    case "--webhook-backends" -> backends = java.util.Arrays.stream(v.split(",")).map(String::trim)
                            .filter(s -> !s.isEmpty()).map(s -> port(a, s)).toList();
                    case "--posts" -> posts = (int) number(a, v, 1, 1000);
                    case "--seed" -> seed = number(a, v, Long.MIN_VALUE, Long.MAX_VALUE);
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (!token.matches("\\d+:[A-Za-z0-9_-]+")) throw new IllegalArgumentException("--token must look like 123:abc");
            return new Options(token, control, webhook, backends, posts, seed);
        }

        private static int port(String name, String v) {
            return (int) number(name, v, 0, 65535);
        }

        private static long number(String name, String v, long min, long max) {
            try {
                long n = Long.parseLong(v);
                if (n < min || n > max) throw new IllegalArgumentException(name + " must be between " + min + " and " + max);
                return n;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " must be a whole number");
            }
        }
    }

    private final LocalBotApiServer api;
    private final LocalChannelServer channels;
    private final NavigableSet<Long> readers = new ConcurrentSkipListSet<>();
    private final List<Integer> backends;
    private final AtomicInteger nextBackend = new AtomicInteger();
    private final ConnectionProvider proxyConnections = ConnectionProvider.create("stand-in-webhook", 64);
    private final HttpClient proxyClient = HttpClient.create(proxyConnections).responseTimeout(Duration.ofSeconds(30));
    private final Map<String, String> settings = new java.util.LinkedHashMap<>();
    private final DisposableServer control;
    private final DisposableServer webhook;

    private StandIns(Options o) {
        this.channels = LocalChannelServer.start();
        this.api = LocalBotApiServer.start(o.token());
        this.backends = o.webhookBackends();
        DemoWorld world = new DemoWorld(channels, o.postsPerChannel(), o.seed());
        this.control = HttpServer.create().host("127.0.0.1").port(o.controlPort())
                .route(r -> r.post("/stand-in/start", guarded(this::start))
                        .post("/stand-in/press", guarded(this::press))
                        .get("/stand-in/sent", this::sent)
                        .get("/stand-in/summary", this::summary)
                        .get("/stand-in/health", (req, res) -> res.sendString(Mono.just("ok\n"))))
                .bindNow(Duration.ofSeconds(10));
        this.webhook = backends.isEmpty() ? null
                : HttpServer.create().host("127.0.0.1").port(o.webhookPort()).handle(this::forward).bindNow(Duration.ofSeconds(10));
        settings.put("TELEGRAM_BOT_TOKEN", o.token());
        settings.put("TELEGRAM_API_URL", api.apiUrl());
        settings.put("TME_BASE_URL", channels.baseUrl());
        settings.put("CHANNELS", String.join(",", world.channels()));
        settings.put("POSTS", Integer.toString(world.posts()));
        settings.put("CONTROL_URL", "http://127.0.0.1:" + control.port() + "/stand-in");
        if (webhook != null) settings.put("WEBHOOK_URL", "http://127.0.0.1:" + webhook.port() + "/telegram/webhook");
    }

    /** Starts the stand-ins (all on loopback). */
    public static StandIns start(Options o) {
        return new StandIns(o);
    }

    /** What to give the service and the script, in order: TELEGRAM_API_URL, TME_BASE_URL, CHANNELS, CONTROL_URL, … */
    public Map<String, String> settings() {
        return java.util.Collections.unmodifiableMap(settings);
    }

    /** The local Bot API server behind the stand-ins. */
    public LocalBotApiServer botApi() {
        return api;
    }

    @Override
    public void close() {
        if (webhook != null) webhook.disposeNow(Duration.ofSeconds(2));
        control.disposeNow(Duration.ofSeconds(2));
        api.close();
        channels.close();
        proxyConnections.dispose();
    }

    /** Serves until the process is killed, after printing the settings and a {@code ready} line. */
    public static int run(List<String> args, PrintStream out) throws InterruptedException {
        StandIns standIns = start(Options.parse(args));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            standIns.close();
            stopped.countDown();
        }, "stand-ins-stop"));
        standIns.settings().forEach((k, v) -> out.println(k + "=" + v));
        out.println("ready");
        out.flush();
        stopped.await();
        return 0;
    }

    // ---- readers ------------------------------------------------------------------------------------------

    private Publisher<Void> start(HttpServerRequest req, HttpServerResponse res) {
        Map<String, String> q = query(req);
        long from = longParam(q, "from");
        int count = (int) longParam(q, "count");
        String lang = q.getOrDefault("lang", "en");
        return paced(Flux.range(0, count).map(i -> from + i), id -> {
            readers.add(id);
            api.pushMessage(id, "/start", lang);
            return true;
        }).flatMap(n -> json(res, Map.of("started", n)));
    }

    private Publisher<Void> press(HttpServerRequest req, HttpServerResponse res) {
        Map<String, String> q = query(req);
        long from = longParam(q, "from");
        int count = (int) longParam(q, "count");
        String label = switch (q.getOrDefault("button", "like")) {
            case "like" -> "👍";
            case "dislike" -> "👎";
            case "more" -> "➡️";
            default -> throw new IllegalArgumentException("button is like, dislike or more");
        };
        AtomicInteger missing = new AtomicInteger();
        return paced(Flux.range(0, count).map(i -> from + i), id -> {
            List<SentMessage> sent = api.sentTo(id);
            for (int i = sent.size() - 1; i >= 0; i--) {
                SentMessage.Button b = sent.get(i).button(label);
                if (b != null && b.callbackData() != null && postOf(sent.get(i)) != null) {
                    api.pushCallbackQuery(id, sent.get(i).messageId(), b.callbackData());
                    return true;
                }
            }
            missing.incrementAndGet();
            return false;
        }).flatMap(n -> json(res, Map.of("pressed", n, "missing", missing.get())));
    }

    /** Feeds updates in while few are in flight to the webhook (each is retried until the bot answers 2xx). */
    private Mono<Long> paced(Flux<Long> ids, java.util.function.Predicate<Long> push) {
        return ids.concatMap(id -> Mono.defer(() -> api.pendingWebhookDeliveries() < WEBHOOK_WINDOW
                        ? Mono.just(push.test(id)) : Mono.<Boolean>empty())
                .repeatWhenEmpty(Integer.MAX_VALUE, f -> f.delayElements(Duration.ofMillis(20))), 1)
                .filter(Boolean::booleanValue).count();
    }

    private Publisher<Void> sent(HttpServerRequest req, HttpServerResponse res) {
        StringBuilder lines = new StringBuilder();
        for (long chat : readers) {
            for (SentMessage m : api.sentTo(chat)) {
                ObjectNode line = JSON.createObjectNode();
                line.put("chat", chat).put("message_id", m.messageId()).put("method", m.method()).put("post", postOf(m));
                String text = m.textOrCaption();
                line.put("text", text == null ? null : text.substring(0, Math.min(80, text.length())));
                lines.append(line).append('\n');
            }
        }
        return res.header(HttpHeaderNames.CONTENT_TYPE, "application/x-ndjson").sendString(Mono.just(lines.toString()));
    }

    private Publisher<Void> summary(HttpServerRequest req, HttpServerResponse res) {
        long messages = 0, posts = 0, duplicates = 0, chatsWithPosts = 0;
        for (long chat : readers) {
            Map<String, Integer> seen = new HashMap<>();
            for (SentMessage m : api.sentTo(chat)) {
                messages++;
                String post = postOf(m);
                if (post == null) continue;
                posts++;
                if (seen.merge(post, 1, Integer::sum) > 1) duplicates++;
            }
            if (!seen.isEmpty()) chatsWithPosts++;
        }
        Map<String, Object> s = new java.util.LinkedHashMap<>();
        s.put("chats", readers.size());
        s.put("chats_with_posts", chatsWithPosts);
        s.put("messages", messages);
        s.put("posts", posts);
        s.put("duplicates", duplicates);
        s.put("webhook_pending", api.pendingWebhookDeliveries());
        return json(res, s);
    }

    /** The post a message shows (its channel title links to the original), or null for greetings and notices. */
    static String postOf(SentMessage m) {
        if (m.buttons().stream().noneMatch(b -> b.text().contains("👍"))) return null;
        String text = m.textOrCaption();
        Matcher link = PERMALINK.matcher(text == null ? "" : text);
        return link.find() ? link.group() : null;
    }

    // ---- the Service in front of the replicas -----------------------------------------------------------

    private Publisher<Void> forward(HttpServerRequest req, HttpServerResponse res) {
        String path = req.uri();
        String secret = req.requestHeaders().get("X-Telegram-Bot-Api-Secret-Token");
        String type = req.requestHeaders().get(HttpHeaderNames.CONTENT_TYPE, "application/json");
        return req.receive().aggregate().asString(StandardCharsets.UTF_8).defaultIfEmpty("")
                .flatMap(body -> tryBackends(path, secret, type, body, nextBackend.getAndIncrement(), 0, 502))
                .flatMap(status -> res.status(HttpResponseStatus.valueOf(status)).send().then());
    }

    private Mono<Integer> tryBackends(String path, String secret, String type, String body, int start, int tried, int last) {
        if (tried == backends.size()) return Mono.just(last);
        int port = backends.get(Math.floorMod(start + tried, backends.size()));
        return proxyClient.headers(h -> {
                    h.set(HttpHeaderNames.CONTENT_TYPE, type);
                    if (secret != null) h.set("X-Telegram-Bot-Api-Secret-Token", secret);
                })
                .post().uri("http://127.0.0.1:" + port + path)
                .send(ByteBufFlux.fromString(Mono.just(body)))
                .responseSingle((r, content) -> content.then(Mono.just(r.status().code())))
                .onErrorReturn(502)
                .flatMap(status -> status >= 500 ? tryBackends(path, secret, type, body, start, tried + 1, status)
                        : Mono.just(status));
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private static Map<String, String> query(HttpServerRequest req) {
        Map<String, String> q = new HashMap<>();
        new QueryStringDecoder(req.uri()).parameters().forEach((k, v) -> q.put(k, v.get(0)));
        return q;
    }

    private static long longParam(Map<String, String> q, String name) {
        try {
            return Long.parseLong(q.getOrDefault(name, ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number");
        }
    }

    private static Mono<Void> json(HttpServerResponse res, Map<String, ?> body) {
        try {
            return res.header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                    .sendString(Mono.just(JSON.writeValueAsString(body) + "\n")).then();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return Mono.error(e);
        }
    }

    /** A bad query answers 400 with the reason instead of a 500. */
    private static java.util.function.BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> guarded(
            java.util.function.BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> handler) {
        return (req, res) -> {
            try {
                return handler.apply(req, res);
            } catch (IllegalArgumentException e) {
                return res.status(400).sendString(Mono.just(e.getMessage() + "\n"));
            }
        };
    }
}
