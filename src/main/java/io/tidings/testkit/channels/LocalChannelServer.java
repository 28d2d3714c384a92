package io.tidings.testkit.channels;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A real HTTP server on 127.0.0.1 (port 0) serving {@code /s/<name>[?before=ID]} in the t.me/s markup from an
 * in-memory catalogue, with t.me's paging (latest {@value #PAGE_SIZE} posts, oldest first; {@code before} for older
 * ones), channels without a preview (redirect to {@code /<name>}), request counters and injected faults. Each
 * channel, its posts and its pages are a {@link FakeChannel}; this class is the control surface and the HTTP answers.
 */
public final class LocalChannelServer implements AutoCloseable {

    /** Posts per page, as t.me shows about 16–20. */
    public static final int PAGE_SIZE = 20;

    private record Fault(int status, int remaining, int retryAfterSeconds) {
    }

    private final Map<String, FakeChannel> channels = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
    private final AtomicReference<Fault> fault = new AtomicReference<>();
    private volatile Duration delay = Duration.ZERO;
    private volatile boolean hanging;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final int pageSize;
    private final DisposableServer server;

    private LocalChannelServer(int pageSize) {
        if (pageSize < 1) {
            throw new IllegalArgumentException("pageSize must be positive");
        }
        this.pageSize = pageSize;
        this.server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .handle(this::dispatch)
                .bindNow(Duration.ofSeconds(10));
    }

    /** Binds a new server on a free port. */
    public static LocalChannelServer start() {
        return new LocalChannelServer(PAGE_SIZE);
    }

    /** Binds a new server whose pages hold {@code pageSize} posts (small pages keep big tests cheap). */
    public static LocalChannelServer start(int pageSize) {
        return new LocalChannelServer(pageSize);
    }

    /** {@code http://127.0.0.1:PORT}, to use as {@code TME_BASE_URL}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.port();
    }

    /** Adds (or replaces, emptying it) a channel; {@code name} must be a valid username. */
    public void addChannel(String name, String title, String description) {
        channels.put(checkName(name), new FakeChannel(Objects.requireNonNull(title, "title"),
                description == null ? "" : description));
    }

    /**
     * Publishes a post and returns its message id (1, 2, 3, … per channel). {@code date} is kept to the second, as
     * t.me shows it.
     */
    public long addPost(String channel, String text, String photoUrl, Instant date, long views) {
        return add(channel, 1, id -> new TmePageRenderer.Post(id, text == null ? "" : text, photoUrl,
                date.truncatedTo(ChronoUnit.SECONDS), Math.max(0, views)));
    }

    /** Publishes an album of photos with one caption; like Telegram it takes one message id per photo. */
    public long addAlbum(String channel, String caption, List<String> photoUrls, Instant date, long views) {
        if (photoUrls.size() < 2) {
            throw new IllegalArgumentException("an album has at least two photos");
        }
        return add(channel, photoUrls.size(), id -> new TmePageRenderer.Post(id, caption == null ? "" : caption,
                photoUrls, null, null, date.truncatedTo(ChronoUnit.SECONDS), Math.max(0, views), false));
    }

    /** Publishes a video post shown by its thumbnail. */
    public long addVideo(String channel, String caption, String thumbUrl, Instant date, long views) {
        return add(channel, 1, id -> new TmePageRenderer.Post(id, caption == null ? "" : caption, List.of(),
                Objects.requireNonNull(thumbUrl, "thumbUrl"), null, date.truncatedTo(ChronoUnit.SECONDS),
                Math.max(0, views), false));
    }

    /** Publishes a post forwarded from {@code fromUsername}. */
    public long addForwarded(String channel, String text, String fromUsername, Instant date, long views) {
        return add(channel, 1, id -> new TmePageRenderer.Post(id, text == null ? "" : text, List.of(), null,
                checkName(fromUsername), date.truncatedTo(ChronoUnit.SECONDS), Math.max(0, views), false));
    }

    /** Deletes a post: it disappears from every page, as on t.me. Returns false when there was none. */
    public boolean deletePost(String channel, long id) {
        return channel(channel).delete(id);
    }

    /** Replaces a post's text and marks it edited. Returns false when there is no such post. */
    public boolean editPost(String channel, long id, String newText) {
        return channel(channel).edit(id, newText);
    }

    private long add(String channel, int ids, java.util.function.LongFunction<TmePageRenderer.Post> post) {
        return channel(channel).add(ids, post);
    }

    public void removeChannel(String name) {
        channels.remove(checkName(name));
    }

    /** From now on {@code /s/name} redirects to {@code /name}, as t.me does for channels without a preview. */
    public void setNoPreview(String name) {
        setNoPreview(name, true);
    }

    /** Whether {@code /s/name} redirects to {@code /name} (false: the preview is public again). */
    public void setNoPreview(String name, boolean noPreview) {
        channel(name).noPreview = noPreview;
    }

    /**
     * The next {@code answers} preview requests of {@code name} answer as if it were gone, then it answers normally
     * again (a channel made private for a while, a blip of t.me): {@code status} 302 redirects to {@code /name} as t.me
     * does, 404 and 410 answer that status.
     */
    public void goneFor(String name, int status, int answers) {
        if (status != 302 && status != 404 && status != 410) {
            throw new IllegalArgumentException("status is 302, 404 or 410, not " + status);
        }
        FakeChannel c = channel(name);
        c.goneStatus = status;
        c.goneAnswers.set(Math.max(0, answers));
    }

    /** Pages of {@code name} are sent with invalid UTF-8 byte sequences inside the post texts. */
    public void setInvalidUtf8(String name, boolean invalid) {
        channel(name).invalidUtf8 = invalid;
    }

    /** Pages of {@code name} carry this many bytes of filler markup (a huge page); 0 for none. */
    public void setPadding(String name, int bytes) {
        channel(name).padding = Math.max(0, bytes);
    }

    /** While true, every preview request is accepted and never answered (a hanging server). */
    public void setHanging(boolean hanging) {
        this.hanging = hanging;
    }

    /** While true, preview requests for {@code name} are accepted and never answered. */
    public void setHanging(String name, boolean hanging) {
        channel(name).hanging = hanging;
    }

    /** The most preview requests that were being answered at the same time. */
    public int maxConcurrentRequests() {
        return maxInFlight.get();
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
        failNext(status, times, 1);
    }

    /** As {@link #failNext(int, int)}; a 429 or 503 carries {@code Retry-After: retryAfterSeconds} (none when 0). */
    public void failNext(int status, int times, int retryAfterSeconds) {
        if (status < 100 || status > 599 || times < 0 || retryAfterSeconds < 0) {
            throw new IllegalArgumentException("status " + status + ", times " + times);
        }
        fault.set(times == 0 ? null : new Fault(status, times, retryAfterSeconds));
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
        FakeChannel target = channels.get(raw.toLowerCase(Locale.ROOT));
        if (hanging || (target != null && target.hanging)) {
            return Mono.never();
        }
        Duration wait = delay;
        Mono<Void> answer = Mono.defer(() -> answerPreview(raw, request, response));
        return Mono.using(() -> {
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            return now;
        }, n -> wait.isZero() ? answer : Mono.delay(wait).then(answer), n -> inFlight.decrementAndGet());
    }

    private Mono<Void> answerPreview(String raw, HttpServerRequest request, HttpServerResponse response) {
        Fault failure = takeFault();
        if (failure != null) {
            if ((failure.status() == 429 || failure.status() == 503) && failure.retryAfterSeconds() > 0) {
                response.header(HttpHeaderNames.RETRY_AFTER, Integer.toString(failure.retryAfterSeconds()));
            }
            return text(response, HttpResponseStatus.valueOf(failure.status()), "injected failure");
        }
        String name = raw.toLowerCase(Locale.ROOT);
        FakeChannel c = channels.get(name);
        if (c == null) {
            return text(response, HttpResponseStatus.NOT_FOUND, "not found");
        }
        if (c.failWith != 0) {
            return text(response, HttpResponseStatus.valueOf(c.failWith), "injected failure");
        }
        int goneStatus = c.goneStatus;
        if (c.goneAnswers.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return goneStatus == 302
                    ? response.status(HttpResponseStatus.FOUND).header(HttpHeaderNames.LOCATION, "/" + name).send()
                    : text(response, HttpResponseStatus.valueOf(goneStatus), "not found");
        }
        if (c.noPreview) {
            return response.status(HttpResponseStatus.FOUND).header(HttpHeaderNames.LOCATION, "/" + name).send();
        }
        byte[] body = c.page(name, before(request.uri()), pageSize);
        return response.status(HttpResponseStatus.OK)
                .header(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                .sendByteArray(Mono.just(body))
                .then();
    }

    private Publisher<Void> profile(String raw, HttpServerResponse response) {
        String name = raw.toLowerCase(Locale.ROOT);
        FakeChannel c = channels.get(name);
        if (c == null) {
            return text(response, HttpResponseStatus.NOT_FOUND, "not found");
        }
        return response.status(HttpResponseStatus.OK)
                .header(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                .sendString(Mono.just(TmePageRenderer.profilePage(name, c.title)), StandardCharsets.UTF_8)
                .then();
    }

    private Fault takeFault() {
        while (true) {
            Fault f = fault.get();
            if (f == null) {
                return null;
            }
            Fault next = f.remaining() <= 1 ? null : new Fault(f.status(), f.remaining() - 1, f.retryAfterSeconds());
            if (fault.compareAndSet(f, next)) {
                return f;
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

    private FakeChannel channel(String name) {
        FakeChannel c = channels.get(checkName(name));
        if (c == null) {
            throw new IllegalArgumentException("no channel @" + name);
        }
        return c;
    }

    private static String checkName(String name) {
        // the stand-in's own rule (Telegram's: 5-32 of a-z, 0-9, _; a letter first), not the validator under test
        String n = name.startsWith("@") ? name.substring(1).toLowerCase(Locale.ROOT) : name.toLowerCase(Locale.ROOT);
        if (!n.matches("[a-z][a-z0-9_]{4,31}")) {
            throw new IllegalArgumentException("not a valid channel name: " + name);
        }
        return n;
    }
}
