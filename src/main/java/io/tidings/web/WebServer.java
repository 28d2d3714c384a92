package io.tidings.web;

import io.tidings.store.Database;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.reactivestreams.Publisher;
import io.micrometer.core.instrument.Counter;
import io.netty.handler.timeout.ReadTimeoutException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.HttpServerRoutes;

/**
 * A replica's HTTP server (Reactor Netty): {@code GET /healthz} (the process answers), {@code GET /readyz}
 * (database reachable, migrations applied, model loaded, not shutting down), {@code GET /metrics}
 * (Prometheus text) and, in webhook mode, {@code POST <webhook path>} for Telegram.
 */
public final class WebServer implements AutoCloseable {

    /** Where the webhook listens and how it checks requests; {@code path} null means no webhook (long polling). */
    public record Webhook(String path, String secret, int maxBodyBytes) {}

    private final Database db;
    private final Metrics metrics;
    private final BooleanSupplier modelLoaded;
    private final WebhookHandler webhook;
    private final String webhookPath;
    private volatile boolean draining;
    private Duration readTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private volatile DisposableServer server;
    private final List<java.util.function.Consumer<HttpServerRoutes>> more = new ArrayList<>();

    public WebServer(Database db, Metrics metrics, BooleanSupplier modelLoaded, Webhook webhook, UpdateInbox inbox) {
        this.db = db;
        this.metrics = metrics;
        this.modelLoaded = modelLoaded;
        this.webhookPath = webhook == null ? null : webhook.path();
        this.webhook = webhook == null ? null
                : new WebhookHandler(webhook.secret(), webhook.maxBodyBytes(), inbox, () -> draining, metrics.registry());
    }

    public WebServer start(String host, int port) {
        HttpServerRoutes routes = HttpServerRoutes.newRoutes();
        routes.get("/healthz", (req, res) -> WebhookHandler.plain(res, 200, "ok\n"));
        routes.get("/readyz", this::ready);
        routes.get("/metrics", (req, res) -> metrics.scrape().flatMap(text -> res
                .header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .sendString(Mono.just(text)).then()));
        if (webhook != null) routes.post(webhookPath, webhook::handle);
        more.forEach(m -> m.accept(routes));
        Counter timeouts = metrics.registry().counter("tidings.web.request.timeouts");
        server = HttpServer.create().host(host).port(port)
                .idleTimeout(Duration.ofSeconds(60))
                // a body promised and never sent (or sent a byte at a time) does not hold its connection for ever
                .readTimeout(readTimeout)
                .requestTimeout(requestTimeout)
                // one request per connection. Reactor Netty 1.3.7 buffers a request that arrives on a kept-alive
                // connection before the previous one's operations ended (answered from another thread, e.g. after a
                // database call) and, once it drained that buffer, no longer reads the socket (reactor-netty#4361):
                // the next request then waits unread until the client gives up (the console's first action after
                // signing in), and a request with over-long headers arriving there gets neither its 431 nor a close.
                // Closing after each answer keeps every request on a fresh connection, off that path; a client opens
                // a new connection per request (for a browser and Telegram's webhook calls, a negligible cost).
                .maxKeepAliveRequests(1)
                .handle((req, res) -> Flux.from(routes.apply(req, res))
                        .onErrorResume(e -> timedOut(e) && !res.hasSentHeaders(), e -> {
                            // the body did not come in time: a clear 408 and a close, not a 500 (the route saw an error)
                            timeouts.increment();
                            return WebhookHandler.plain(res.keepAlive(false), 408, "request timeout\n");
                        }))
                .bindNow(Duration.ofSeconds(10));
        return this;
    }

    /**
     * Before {@link #start}: how long a request's body may pause between two reads, and how long reading it may take
     * in all (defaults 10 s and 30 s; Telegram's updates and the console's forms are a few kilobytes).
     */
    public WebServer requestLimits(Duration read, Duration whole) {
        this.readTimeout = read;
        this.requestTimeout = whole;
        return this;
    }

    /** More routes (the console's), added before {@link #start}. */
    public WebServer routes(java.util.function.Consumer<HttpServerRoutes> routes) {
        more.add(routes);
        return this;
    }

    private final List<java.util.Map.Entry<String, BooleanSupplier>> requirements = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Not ready, saying {@code problem}, while {@code ok} is false (e.g. Telegram refuses the bot token). */
    public WebServer require(String problem, BooleanSupplier ok) {
        requirements.add(java.util.Map.entry(problem, ok));
        return this;
    }

    /** From now on: not ready, and webhook requests answered 503 so Telegram sends them to another replica. */
    public void drain() {
        draining = true;
    }

    public int port() {
        DisposableServer s = server;
        return s == null ? -1 : s.port();
    }

    private static boolean timedOut(Throwable e) {
        // reactor-netty's RequestTimeoutException (the request limit) is package-private: known by its name
        return e instanceof ReadTimeoutException
                || e.getClass().getName().equals("reactor.netty.http.server.RequestTimeoutException");
    }

    private Publisher<Void> ready(HttpServerRequest req, HttpServerResponse res) {
        Mono<List<String>> problems = db.sql()
                .one("SELECT count(*) FILTER (WHERE NOT success) AS failed FROM flyway_schema_history",
                        r -> r.get("failed", Long.class))
                .timeout(Duration.ofSeconds(2))
                .map(failed -> failed == 0 ? List.<String>of() : List.of("migrations failed"))
                .onErrorReturn(List.of("database unreachable"))
                .map(list -> {
                    List<String> all = new ArrayList<>(list);
                    if (!modelLoaded.getAsBoolean()) all.add("model not loaded");
                    if (draining) all.add("shutting down");
                    for (var r : requirements) if (!r.getValue().getAsBoolean()) all.add(r.getKey());
                    return all;
                });
        return problems.flatMap(p -> p.isEmpty() ? WebhookHandler.plain(res, 200, "ready\n")
                : WebhookHandler.plain(res, 503, String.join("\n", p) + "\n"));
    }

    @Override
    public void close() {
        DisposableServer s = server;
        if (s != null) s.disposeNow(Duration.ofSeconds(10));
    }
}
