package io.tidings.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Requests whose headers are over the server's limit, sent on kept-alive connections between ordinary requests (as a
 * pooled client reuses them): every one is answered 431 and its connection closed, none is left waiting for the idle
 * timeout, and the ordinary requests around them are answered as usual.
 */
class OverlongHeadersTest {

    private static final int PAIRS = 1_000;

    private Metrics metrics;
    private WebServer web;
    private final ConnectionProvider connections = ConnectionProvider.create("overlong", 32);

    @BeforeEach
    void setUp() {
        metrics = Metrics.create();
        // answered from another thread, as /metrics (the scrape runs off the event loop) or a console view is, but
        // without rendering a scrape a thousand times (that was most of this test's CPU)
        web = new WebServer(null, metrics, () -> true, null, null)
                .routes(r -> r.get("/later", (req, res) -> Mono.delay(Duration.ofMillis(1)).then(res.sendString(Mono.just("later\n")).then())))
                .start("127.0.0.1", 0);
    }

    @AfterEach
    void tearDown() {
        web.close();
        metrics.close();
        connections.dispose();
    }

    @Test
    void everyRequestWithOverlongHeadersIsAnswered431OnAReusedConnection() {
        HttpClient client = HttpClient.create(connections).host("127.0.0.1").port(web.port())
                .responseTimeout(Duration.ofSeconds(10));
        List<String> outcomes = Flux.range(0, PAIRS * 2)
                .flatMap(i -> {
                    // /later is answered from another thread: the connection is handed back to the pool at once, and
                    // the next request on it can come before the server is done
                    HttpClient c = i % 2 == 0 ? client
                            : client.headers(h -> h.set("X-Padding", "p".repeat(9_000 + (i * 7919) % 30_000)));
                    return (i % 2 == 0 ? c.get().uri("/later")
                            : c.post().uri("/healthz").send(Mono.just(io.netty.buffer.Unpooled.wrappedBuffer(("{\"update_id\":" + i + "}").getBytes()))))
                            .responseSingle((res, body) -> body.then(Mono.just((i % 2 == 0 ? "ordinary " : "overlong ") + res.status().code()
                                    + (i % 2 == 0 ? "" : " connection: " + res.responseHeaders().get("connection")))))
                            .onErrorResume(e -> Mono.just((i % 2 == 0 ? "ordinary " : "overlong ") + e.getClass().getSimpleName()));
                }, 32)
                .collectList().block(Duration.ofMinutes(3));
        Map<String, Integer> counts = new TreeMap<>();
        outcomes.forEach(o -> counts.merge(o, 1, Integer::sum));
        System.out.println("overlong headers: " + counts);
        assertThat(counts).containsExactlyInAnyOrderEntriesOf(Map.of("ordinary 200", PAIRS, "overlong 431 connection: close", PAIRS));
    }
}
