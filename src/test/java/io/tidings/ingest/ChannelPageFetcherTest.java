package io.tidings.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.store.PostKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tidings.testkit.channels.LocalChannelServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;
import reactor.test.StepVerifier;

class ChannelPageFetcherTest {

    private static final Duration VERIFY = Duration.ofSeconds(20);
    private static final Instant T0 = Instant.parse("2024-05-01T08:00:00Z");

    private static ConnectionProvider pool;
    private static HttpClient client;

    private LocalChannelServer server;
    private ChannelPageFetcher fetcher;

    @BeforeAll
    static void pool() {
        pool = ChannelPageFetcher.newConnectionPool("tme-test", 8);
        client = ChannelPageFetcher.newHttpClient(pool);
    }

    @AfterAll
    static void disposePool() {
        pool.disposeLater().block(VERIFY);
    }

    @BeforeEach
    void start() {
        server = LocalChannelServer.start();
        fetcher = new ChannelPageFetcher(client, server.baseUrl());
        server.addChannel("durov_news", "Durov's News", "News & notes");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void paginationWithBeforeWalksAllPostsExactlyOnce() {
        for (int i = 0; i < 45; i++) {
            server.addPost("durov_news", "post " + (i + 1), null, T0.plusSeconds(60L * i), i);
        }
        List<ChannelPage> pages = fetcher.fetch("durov_news", OptionalLong.empty())
                .expand(page -> page.nextBefore().isPresent()
                        ? fetcher.fetch("durov_news", page.nextBefore())
                        : Mono.empty())
                .collectList()
                .block(VERIFY);

        assertThat(pages).hasSize(3);
        assertThat(pages.get(0).posts()).extracting(ChannelPost::messageId).startsWith(26L).endsWith(45L);
        assertThat(pages.get(0).nextBefore()).hasValue(26);
        assertThat(pages.get(2).nextBefore()).isEmpty();
        List<Long> ids = new ArrayList<>();
        pages.forEach(p -> p.posts().forEach(post -> ids.add(post.messageId())));
        assertThat(ids).doesNotHaveDuplicates().hasSize(45)
                .containsExactlyInAnyOrderElementsOf(Flux.range(1, 45).map(Long::valueOf).collectList().block());
        assertThat(server.requests("durov_news")).isEqualTo(3);
    }

    @Test
    void postsRoundTripThroughRenderAndParse() {
        Instant date = Instant.parse("2024-05-02T17:45:09Z");
        String text = "Line one & <script>alert('x')</script>\nLine \"two\"";
        long id = server.addPost("durov_news", text, "https://cdn4.telesco.pe/file/pic.jpg?a=1&b=2", date, 436_600);
        server.addPost("durov_news", "plain", null, date.plusSeconds(1), 980);

        StepVerifier.create(fetcher.fetch("@Durov_News", OptionalLong.empty()))
                .assertNext(page -> {
                    assertThat(page.channel()).isEqualTo("durov_news");
                    assertThat(page.title()).isEqualTo("Durov's News");
                    assertThat(page.nextBefore()).isEmpty();
                    assertThat(page.posts()).hasSize(2);
                    ChannelPost p = page.posts().get(0);
                    assertThat(p.messageId()).isEqualTo(id).isEqualTo(1);
                    assertThat(p.kind()).isEqualTo(PostKind.PHOTO);
                    assertThat(p.text()).isEqualTo(text);
                    assertThat(p.html()).isEqualTo("Line one &amp; &lt;script&gt;alert('x')&lt;/script&gt;\n"
                            + "Line &quot;two&quot;");
                    assertThat(p.date()).isEqualTo(date);
                    assertThat(p.views()).isEqualTo(436_600);
                    assertThat(p.mediaUrls()).containsExactly("https://cdn4.telesco.pe/file/pic.jpg?a=1&b=2");
                    assertThat(p.permalink()).isEqualTo("https://t.me/durov_news/1");
                    assertThat(p.forwardedFrom()).isNull();
                    ChannelPost q = page.posts().get(1);
                    assertThat(q.kind()).isEqualTo(PostKind.TEXT);
                    assertThat(q.views()).isEqualTo(980);
                    assertThat(q.mediaUrls()).isEmpty();
                })
                .expectComplete()
                .verify(VERIFY);
    }

    @Test
    void channelWithoutPreviewIsUnavailableAndTheRedirectIsNotFollowed() {
        server.addPost("durov_news", "hidden", null, T0, 1);
        server.setNoPreview("durov_news");

        StepVerifier.create(fetcher.fetch("durov_news", OptionalLong.empty()))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(ChannelUnavailableException.class)
                        .hasMessageContaining("no public preview"))
                .verify(VERIFY);
        assertThat(server.requests("durov_news")).isEqualTo(1);
        assertThat(server.requestsTo("/durov_news")).isZero();
    }

    @Test
    void redirectToAnotherHostIsNeverFollowed() {
        AtomicInteger elsewhere = new AtomicInteger();
        DisposableServer target = HttpServer.create().host("127.0.0.1").port(0)
                .handle((req, res) -> {
                    elsewhere.incrementAndGet();
                    return res.sendString(Mono.just("gotcha"));
                })
                .bindNow();
        DisposableServer redirecting = HttpServer.create().host("127.0.0.1").port(0)
                .handle((req, res) -> res.status(HttpResponseStatus.MOVED_PERMANENTLY)
                        .header(HttpHeaderNames.LOCATION, "http://127.0.0.1:" + target.port() + "/s/durov_news")
                        .send())
                .bindNow();
        try {
            var viaRedirect = new ChannelPageFetcher(client, "http://127.0.0.1:" + redirecting.port());
            StepVerifier.create(viaRedirect.fetch("durov_news", OptionalLong.empty()))
                    .expectError(ChannelUnavailableException.class)
                    .verify(VERIFY);
            assertThat(elsewhere).hasValue(0);
        } finally {
            redirecting.disposeNow();
            target.disposeNow();
        }
    }

    @Test
    void unknownChannelIsUnavailable() {
        StepVerifier.create(fetcher.fetch("nobody_here", OptionalLong.empty()))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(ChannelUnavailableException.class)
                        .hasMessageContaining("404"))
                .verify(VERIFY);
    }

    @Test
    void serverErrorIsRetryableAndTheNextTrySucceeds() {
        server.addPost("durov_news", "after the outage", null, T0, 5);
        server.failNext(500, 1);

        StepVerifier.create(fetcher.fetch("durov_news", OptionalLong.empty()))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(ChannelFetchException.class);
                    ChannelFetchException f = (ChannelFetchException) e;
                    assertThat(f.status()).isEqualTo(500);
                    assertThat(f.retryable()).isTrue();
                })
                .verify(VERIFY);
        StepVerifier.create(fetcher.fetch("durov_news", OptionalLong.empty()))
                .assertNext(page -> assertThat(page.posts()).extracting(ChannelPost::text)
                        .containsExactly("after the outage"))
                .expectComplete()
                .verify(VERIFY);
    }

    @Test
    void tooManyRequestsIsRetryableWithRetryAfter() {
        server.failNext(429, 1);
        StepVerifier.create(fetcher.fetch("durov_news", OptionalLong.empty()))
                .expectErrorSatisfies(e -> {
                    ChannelFetchException f = (ChannelFetchException) e;
                    assertThat(f.status()).isEqualTo(429);
                    assertThat(f.retryable()).isTrue();
                    assertThat(f.retryAfter()).contains(Duration.ofSeconds(1));
                })
                .verify(VERIFY);
    }

    @Test
    void oversizedPageFailsWithoutBeingRetried() {
        for (int i = 0; i < 20; i++) {
            server.addPost("durov_news", "x".repeat(500), null, T0.plusSeconds(i), i);
        }
        var small = new ChannelPageFetcher(client, server.baseUrl(), Duration.ofSeconds(10), 4_096,
                Schedulers.boundedElastic());
        StepVerifier.create(small.fetch("durov_news", OptionalLong.empty()))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(ChannelFetchException.class).hasMessageContaining("larger than");
                    assertThat(((ChannelFetchException) e).retryable()).isFalse();
                })
                .verify(VERIFY);
    }

    @Test
    void slowAnswerTimesOutAsRetryable() {
        server.setDelay(Duration.ofSeconds(3));
        var impatient = new ChannelPageFetcher(client, server.baseUrl(), Duration.ofMillis(200), 1 << 20,
                Schedulers.boundedElastic());
        StepVerifier.create(impatient.fetch("durov_news", OptionalLong.empty()))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(ChannelFetchException.class);
                    assertThat(((ChannelFetchException) e).retryable()).isTrue();
                })
                .verify(VERIFY);
        server.setDelay(Duration.ZERO);
    }

    @Test
    void invalidNamesNeverReachTheNetwork() {
        for (String bad : List.of("../etc", "name?x=1", "evil.com/name", "abc", "1channel")) {
            StepVerifier.create(fetcher.fetch(bad, OptionalLong.empty()))
                    .expectError(IllegalArgumentException.class)
                    .verify(VERIFY);
        }
        StepVerifier.create(fetcher.fetch("durov_news", OptionalLong.of(0)))
                .expectError(IllegalArgumentException.class)
                .verify(VERIFY);
        assertThat(server.totalRequests()).isZero();
    }
}
