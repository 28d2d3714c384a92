package io.tidings.testkit.channels;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tidings.ingest.ChannelNames;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A real HTTP server on 127.0.0.1 (port 0) serving {@code /s/<name>[?before=ID]} in the t.me/s markup from an
 * in-memory catalogue, with t.me's paging (latest {@value #PAGE_SIZE} posts, oldest first; {@code before} for older
 * ones), channels without a preview (redirect to {@code /<name>}), request counters and injected faults.
 */
public final class LocalChannelServer implements AutoCloseable {

    /** Posts per page, as t.me shows about 16–20. */
    public static final int PAGE_SIZE = 20;

    private static final class Channel {
        final String title;
        final String description;
        final List<TmePageRenderer.Post> posts = new ArrayList<>(); // guarded by this, ascending ids
        long lastId;                                                  // guarded by this
        volatile boolean noPreview;
        volatile int failWith;                                        // 0 = answer normally

        Channel(String title, String description) {
            this.title = title;
            this.description = description;
        }
    }

    private record Fault(int status, int remaining) {
    }

    private final Map<String, Channel> channels = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
    private final AtomicReference<Fault> fault = new AtomicReference<>();
    private volatile Duration delay = Duration.ZERO;
    private final DisposableServer server;

    private LocalChannelServer() {
        this.server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .handle(this::dispatch)
                .bindNow(Duration.ofSeconds(10));
    }

    /** Binds a new server on a free port. */
    public static LocalChannelServer start() {
        return new LocalChannelServer();
    }

    /** {@code http://127.0.0.1:PORT}, to use as {@code TME_BASE_URL}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.port();
    }

    /** Adds (or replaces, emptying it) a channel; {@code name} must be a valid username. */
    public void addChannel(String name, String title, String description) {
        channels.put(checkName(name), new Channel(Objects.requireNonNull(title, "title"),
                description == null ? "" : description));
    }

    /**
     * Publishes a post and returns its message id (1, 2, 3, … per channel). {@code date} is kept to the second, as
     * t.me shows it.
     */
    public long addPost(String channel, String text, String photoUrl, Instant date, long views) {
        Channel c = channel(channel);
        synchronized (c) {
            long id = ++c.lastId;
            c.posts.add(new TmePageRenderer.Post(id, text == null ? "" : text, photoUrl,
                    date.truncatedTo(ChronoUnit.SECONDS), Math.max(0, views)));
            return id;
        }
    }

    public void removeChannel(String name) {
        channels.remove(checkName(name));
    }

    /** From now on {@code /s/name} redirects to {@code /name}, as t.me does for channels without a preview. */
    public void setNoPreview(String name) {
        channel(name).noPreview = true;
    }

    /** From now on every preview request of this channel is answered with {@code status} (0 to heal it). */
    public void failChannel(String name, int status) {
        if (status != 0 && (status < 100 || status > 599)) {
            throw new IllegalArgumentException("status " + status);
        }
        channel(name).failWith = status;
    }

    /** Requests received for {@code /s/<channel>}, any query, any outcome. */
    public int requests(String channel) {
        return requestsTo("/s/" + channel);
    }

    /** Requests received for {@code path} (case-insensitive, query ignored), e.g. {@code /name} after a redirect. */
    public int requestsTo(String path) {
        AtomicInteger n = requests.get(path.toLowerCase(Locale.ROOT));
        return n == null ? 0 : n.get();
    }

    /** All requests received, whatever the path. */
    public int totalRequests() {
        return requests.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    /** The next {@code times} preview requests (any channel) are answered with {@code status} and no page. */
    public void failNext(int status, int times) {
        if (status < 100 || status > 599 || times < 0) {
            throw new IllegalArgumentException("status " + status + ", times " + times);
        }
        fault.set(times == 0 ? null : new Fault(status, times));
    }

    /** Every preview answer waits this long first (zero to stop). */
    public void setDelay(Duration delay) {
        this.delay = Objects.requireNonNull(delay, "delay");
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(5));
    }

    private Publisher<Void> dispatch(HttpServerRequest request, HttpServerResponse response) {
        String path = request.fullPath();
        requests.computeIfAbsent(path.toLowerCase(Locale.ROOT), k -> new AtomicInteger()).incrementAndGet();
        if (request.method() != HttpMethod.GET) {
            return text(response, HttpResponseStatus.METHOD_NOT_ALLOWED, "GET only");
        }
        if (path.startsWith("/s/") && path.indexOf('/', 3) < 0) {
            return preview(path.substring(3), request, response);
        }
        if (path.length() > 1 && path.indexOf('/', 1) < 0) {
            return profile(path.substring(1), response);
        }
        return text(response, HttpResponseStatus.NOT_FOUND, "not found");
    }

    private Publisher<Void> preview(String raw, HttpServerRequest request, HttpServerResponse response) {
        Duration wait = delay;
        Mono<Void> answer = Mono.defer(() -> answerPreview(raw, request, response));
        return wait.isZero() ? answer : Mono.delay(wait).then(answer);
    }

    private Mono<Void> answerPreview(String raw, HttpServerRequest request, HttpServerResponse response) {
        Integer failure = takeFault();
        if (failure != null) {
            if (failure == 429) {
                response.header(HttpHeaderNames.RETRY_AFTER, "1");
            }
            return text(response, HttpResponseStatus.valueOf(failure), "injected failure");
        }
        String name = raw.toLowerCase(Locale.ROOT);
        Channel c = ChannelNames.isValid(name) ? channels.get(name) : null;
        if (c == null) {
            return text(response, HttpResponseStatus.NOT_FOUND, "not found");
        }
        if (c.failWith != 0) {
            return text(response, HttpResponseStatus.valueOf(c.failWith), "injected failure");
        }
        if (c.noPreview) {
            return response.status(HttpResponseStatus.FOUND).header(HttpHeaderNames.LOCATION, "/" + name).send();
        }
        Long before = before(request.uri());
        List<TmePageRenderer.Post> page;
        Long more;
        synchronized (c) {
            int end = c.posts.size();
            if (before != null) {
                end = 0;
                while (end < c.posts.size() && c.posts.get(end).id() < before) {
                    end++;
                }
            }
            int start = Math.max(0, end - PAGE_SIZE);
            page = List.copyOf(c.posts.subList(start, end));
            more = start > 0 ? page.get(0).id() : null;
        }
        String html = TmePageRenderer.channelPage(name, c.title, c.description, 1_000 + c.lastId, page, more);
        return response.status(HttpResponseStatus.OK)
                .header(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                .sendString(Mono.just(html), StandardCharsets.UTF_8)
                .then();
    }

    private Publisher<Void> profile(String raw, HttpServerResponse response) {
        String name = raw.toLowerCase(Locale.ROOT);
        Channel c = ChannelNames.isValid(name) ? channels.get(name) : null;
        if (c == null) {
            return text(response, HttpResponseStatus.NOT_FOUND, "not found");
        }
        return response.status(HttpResponseStatus.OK)
                .header(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                .sendString(Mono.just(TmePageRenderer.profilePage(name, c.title)), StandardCharsets.UTF_8)
                .then();
    }

    private Integer takeFault() {
        while (true) {
            Fault f = fault.get();
            if (f == null) {
                return null;
            }
            Fault next = f.remaining() <= 1 ? null : new Fault(f.status(), f.remaining() - 1);
            if (fault.compareAndSet(f, next)) {
                return f.status();
            }
        }
    }

    private static Mono<Void> text(HttpServerResponse response, HttpResponseStatus status, String body) {
        return response.status(status)
                .header(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .sendString(Mono.just(body), StandardCharsets.UTF_8)
                .then();
    }

    private static Long before(String uri) {
        int q = uri.indexOf('?');
        if (q < 0) {
            return null;
        }
        for (String pair : uri.substring(q + 1).split("&")) {
            if (pair.startsWith("before=") && pair.substring(7).matches("\\d{1,18}")) {
                return Long.parseLong(pair.substring(7));
            }
        }
        return null;
    }

    private Channel channel(String name) {
        Channel c = channels.get(checkName(name));
        if (c == null) {
            throw new IllegalArgumentException("no channel @" + name);
        }
        return c;
    }

    private static String checkName(String name) {
        return ChannelNames.normalize(name)
                .orElseThrow(() -> new IllegalArgumentException("not a valid channel name: " + name));
    }
}
