package io.tidings.cluster;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

/**
 * A loopback HTTP proxy between one replica and the local Bot API server, so a test can cut that replica
 * off as a crash would: after {@link #cut()} requests are held and never forwarded. It remembers the chats
 * of the sends it forwarded successfully.
 */
final class CuttableProxy implements AutoCloseable {

    private static final Pattern CHAT = Pattern.compile("\"chat\":\\{\"id\":(-?\\d+)");

    private final HttpClient upstream;
    private final DisposableServer server;
    private final AtomicInteger forwarding = new AtomicInteger();
    private final Set<Long> deliveredChats = ConcurrentHashMap.newKeySet();
    private volatile boolean cut;

    CuttableProxy(int upstreamPort) {
        this.upstream = HttpClient.create().baseUrl("http://127.0.0.1:" + upstreamPort);
        this.server = HttpServer.create().host("127.0.0.1").port(0)
                .handle((req, res) -> {
                    // counted before the cut is looked at: a request that passed the check is always seen by
                    // forwarding(), so "cut, then nothing forwarding" really means nothing more will reach Telegram
                    forwarding.incrementAndGet();
                    if (cut) {
                        forwarding.decrementAndGet();
                        return Mono.never(); // held until the client gives up: never forwarded
                    }
                    String type = req.requestHeaders().get("Content-Type", "application/x-www-form-urlencoded");
                    return req.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0])
                            .flatMap(body -> upstream.headers(h -> h.set("Content-Type", type))
                                    .post().uri(req.uri())
                                    .send((r, out) -> out.sendByteArray(Mono.just(body)))
                                    .responseSingle((up, content) -> content.asString().defaultIfEmpty("")
                                            .map(text -> new Object[] {up.status().code(), text})))
                            .flatMap(a -> {
                                int status = (Integer) a[0];
                                String text = (String) a[1];
                                Matcher m = CHAT.matcher(text);
                                if (status == 200 && m.find()) deliveredChats.add(Long.parseLong(m.group(1)));
                                return res.status(status).header("Content-Type", "application/json")
                                        .sendString(Mono.just(text)).then();
                            })
                            .doFinally(s -> forwarding.decrementAndGet());
                })
                .bindNow(Duration.ofSeconds(10));
    }

    String apiUrl() {
        return "http://127.0.0.1:" + server.port() + "/bot";
    }

    void cut() {
        cut = true;
    }

    /** Requests forwarded and not yet answered. */
    int forwarding() {
        return forwarding.get();
    }

    Set<Long> deliveredChats() {
        return Set.copyOf(deliveredChats);
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(5));
    }
}
