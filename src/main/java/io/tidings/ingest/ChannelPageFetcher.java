package io.tidings.ingest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.TimeoutException;

import io.netty.handler.codec.http.HttpHeaderNames;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.resources.ConnectionProvider;

/**
 * Reads one t.me/s page of a channel over a shared Reactor Netty client. Redirects are never followed (t.me sends
 * channels without a preview to {@code /name}); 404 and redirects become {@link ChannelUnavailableException}, 429, 5xx,
 * timeouts and network errors a retryable {@link ChannelFetchException}. Retrying and pacing are the caller's job.
 */
public final class ChannelPageFetcher {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);
    public static final int DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;

    private final HttpClient client;
    private final String baseUrl;
    private final Duration timeout;
    private final int maxBodyBytes;
    private final Scheduler parseScheduler;

    /** With the default timeout, 5 MB body limit, and parsing on {@link Schedulers#boundedElastic()}. */
    public ChannelPageFetcher(HttpClient client, String baseUrl) {
        this(client, baseUrl, DEFAULT_TIMEOUT, DEFAULT_MAX_BODY_BYTES, Schedulers.boundedElastic());
    }

    /**
     * @param client         shared client; redirects are switched off and a response timeout set on a copy of it
     * @param baseUrl        {@code https://t.me}, or a local server's {@code http://127.0.0.1:PORT}
     * @param timeout        for the whole request, body included
     * @param maxBodyBytes   larger pages fail instead of filling the heap
     * @param parseScheduler where jsoup runs, off the event loop
     */
    public ChannelPageFetcher(HttpClient client, String baseUrl, Duration timeout, int maxBodyBytes,
            Scheduler parseScheduler) {
        this.timeout = requirePositive(timeout);
        this.client = Objects.requireNonNull(client, "client").followRedirect(false).responseTimeout(timeout);
        this.baseUrl = checkBaseUrl(baseUrl);
        if (maxBodyBytes <= 0) {
            throw new IllegalArgumentException("maxBodyBytes must be positive");
        }
        this.maxBodyBytes = maxBodyBytes;
        this.parseScheduler = Objects.requireNonNull(parseScheduler, "parseScheduler");
    }

    /** A bounded connection pool for t.me; one per process, disposed at shutdown. */
    public static ConnectionProvider newConnectionPool(String name, int maxConnections) {
        return ConnectionProvider.builder(name)
                .maxConnections(maxConnections)
                .pendingAcquireMaxCount(maxConnections * 8)
                .pendingAcquireTimeout(Duration.ofSeconds(10))
                .maxIdleTime(Duration.ofSeconds(30))
                .build();
    }

    /** A client on {@code pool} with a polite User-Agent and the default response timeout. */
    public static HttpClient newHttpClient(ConnectionProvider pool) {
        return HttpClient.create(pool)
                .headers(h -> h.set(HttpHeaderNames.USER_AGENT, "tidings/0.1 (+channel preview reader)"))
                .responseTimeout(DEFAULT_TIMEOUT);
    }

    /** The base URL requests go to, without a trailing slash. */
    public String baseUrl() {
        return baseUrl;
    }

    /**
     * GETs {@code <base>/s/<name>[?before=ID]} and parses it. {@code channel} goes through
     * {@link ChannelNames#normalize}; an invalid name fails with {@link IllegalArgumentException} and sends nothing.
     */
    public Mono<ChannelPage> fetch(String channel, OptionalLong before) {
        var name = ChannelNames.normalize(channel);
        if (name.isEmpty()) {
            return Mono.error(new IllegalArgumentException("not a valid public channel name"));
        }
        if (before.isPresent() && before.getAsLong() <= 0) {
            return Mono.error(new IllegalArgumentException("before must be positive"));
        }
        String n = name.get();
        String path = "/s/" + n + (before.isPresent() ? "?before=" + before.getAsLong() : "");
        return client.get()
                .uri(baseUrl + path)
                .response((response, body) -> read(n, response, body))
                .next()
                .timeout(timeout, Mono.error(() -> new ChannelFetchException(n, 0, true, null,
                        "no answer within " + timeout, new TimeoutException())))
                .onErrorMap(e -> !(e instanceof ChannelFetchException || e instanceof ChannelUnavailableException),
                        e -> translate(n, e))
                .publishOn(parseScheduler)
                .map(html -> ChannelPageParser.parse(n, html))
                .checkpoint("GET " + path);
    }

    private Mono<String> read(String name, HttpClientResponse response, ByteBufFlux body) {
        int status = response.status().code();
        if (status == 200) {
            String length = response.responseHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
            if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > maxBodyBytes) {
                return Mono.error(tooLarge(name));
            }
            return body.asByteArray()
                    .reduce(new ByteArrayOutputStream(), (buffer, chunk) -> {
                        if (buffer.size() + (long) chunk.length > maxBodyBytes) {
                            throw tooLarge(name);
                        }
                        buffer.write(chunk, 0, chunk.length);
                        return buffer;
                    })
                    .map(buffer -> buffer.toString(StandardCharsets.UTF_8))
                    .defaultIfEmpty("");
        }
        // the body of an error answer is of no use; drain it so the connection can go back to the pool
        return body.then(Mono.error(() -> statusError(name, status, response)));
    }

    private RuntimeException statusError(String name, int status, HttpClientResponse response) {
        if (status >= 300 && status < 400) {
            String location = response.responseHeaders().get(HttpHeaderNames.LOCATION);
            boolean toProfile = location != null && isProfileRedirect(name, location);
            return new ChannelUnavailableException(name, toProfile ? "no public preview"
                    : "no public preview (redirected elsewhere, not followed)");
        }
        if (status == 404 || status == 410) {
            return new ChannelUnavailableException(name, "not found (" + status + ")");
        }
        boolean retryable = status == 429 || status >= 500;
        Duration retryAfter = retryAfter(response.responseHeaders().get(HttpHeaderNames.RETRY_AFTER));
        return new ChannelFetchException(name, status, retryable, retryAfter, "HTTP " + status, null);
    }

    private boolean isProfileRedirect(String name, String location) {
        String l = location.strip().toLowerCase(Locale.ROOT);
        return l.equals("/" + name) || l.endsWith("//t.me/" + name) || l.equals(baseUrl.toLowerCase(Locale.ROOT)
                + "/" + name);
    }

    private static Duration retryAfter(String header) {
        if (header == null || !header.strip().matches("\\d{1,6}")) {
            return null;
        }
        return Duration.ofSeconds(Long.parseLong(header.strip()));
    }

    private ChannelFetchException tooLarge(String name) {
        return new ChannelFetchException(name, 200, false, null, "page larger than " + maxBodyBytes + " bytes", null);
    }

    private static ChannelFetchException translate(String name, Throwable e) {
        boolean network = e instanceof IOException || e instanceof TimeoutException
                || e.getClass().getName().startsWith("io.netty") || e.getClass().getName().startsWith("reactor.netty");
        return new ChannelFetchException(name, 0, network, null, network ? "network error" : "unexpected error", e);
    }

    private static Duration requirePositive(Duration d) {
        Objects.requireNonNull(d, "timeout");
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("timeout must be positive");
        }
        return d;
    }

    private static String checkBaseUrl(String baseUrl) {
        Objects.requireNonNull(baseUrl, "baseUrl");
        String b = baseUrl.strip();
        while (b.endsWith("/")) {
            b = b.substring(0, b.length() - 1);
        }
        URI uri = URI.create(b);
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
                || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("TME_BASE_URL must be an http(s) URL without query: " + baseUrl);
        }
        return b;
    }
}
