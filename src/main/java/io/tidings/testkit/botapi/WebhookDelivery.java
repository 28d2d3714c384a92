package io.tidings.testkit.botapi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.util.retry.Retry;

/**
 * Delivers pushed updates to the webhook set with setWebhook, as Telegram does: a JSON POST with the
 * {@code X-Telegram-Bot-Api-Secret-Token} header, repeated with backoff until the bot answers 2xx
 * (a bounded number of times), at most {@code MAX_CONNECTIONS} at once.
 */
final class WebhookDelivery implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WebhookDelivery.class);
    static final int MAX_CONNECTIONS = 40;
    private static final int MAX_ATTEMPTS = 60;

    /** One POST of an update and the bot's answer (status 0: no answer, e.g. connection refused). */
    record Attempt(int updateId, int status, long nanoTime) {}

    private final Scheduler timer;
    private final ConnectionProvider connections = ConnectionProvider.create("local-bot-api-webhook", MAX_CONNECTIONS);
    private final HttpClient http;
    private final Object lock = new Object();
    private final List<Attempt> attempts = new ArrayList<>();
    private final List<Disposable> inFlight = new ArrayList<>();
    private final AtomicInteger pending = new AtomicInteger();

    WebhookDelivery(Scheduler timer) {
        this.timer = timer;
        this.http = HttpClient.create(connections).responseTimeout(Duration.ofSeconds(10));
    }

    void deliver(String url, String secret, int updateId, ObjectNode update) {
        String body = TelegramObjects.write(update);
        pending.incrementAndGet();
        Disposable d = Mono.defer(() -> http
                        .headers(h -> {
                            h.set(HttpHeaderNames.CONTENT_TYPE, "application/json");
                            if (secret != null) h.set("X-Telegram-Bot-Api-Secret-Token", secret);
                        })
                        .post().uri(url)
                        .send((req, out) -> out.sendString(Mono.just(body)))
                        .responseSingle((res, content) -> content.then(Mono.just(res.status().code())))
                        .onErrorReturn(0)
                        .doOnNext(status -> record(new Attempt(updateId, status, System.nanoTime())))
                        .flatMap(status -> status / 100 == 2 ? Mono.just(status)
                                : Mono.error(new IllegalStateException("webhook answered " + status))))
                .retryWhen(Retry.backoff(MAX_ATTEMPTS, Duration.ofMillis(100)).maxBackoff(Duration.ofSeconds(2))
                        .scheduler(timer))
                .doFinally(s -> pending.decrementAndGet())
                .subscribe(null, e -> log.warn("update {} given up after {} webhook attempts", updateId, MAX_ATTEMPTS));
        synchronized (lock) {
            inFlight.removeIf(Disposable::isDisposed);
            inFlight.add(d);
        }
    }

    List<Attempt> attempts() {
        synchronized (lock) {
            return List.copyOf(attempts);
        }
    }

    int pending() {
        return pending.get();
    }

    private void record(Attempt a) {
        synchronized (lock) {
            attempts.add(a);
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            inFlight.forEach(Disposable::dispose);
        }
        connections.disposeLater().subscribe();
    }
}
