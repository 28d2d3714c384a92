package io.tidings.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.pengrad.telegrambot.model.Update;
import com.pengrad.telegrambot.utility.BotUtils;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.function.BooleanSupplier;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Telegram's webhook POST: the secret header is checked in constant time (wrong or missing: 401, nothing
 * read or stored), the body is bounded, parsed with pengrad's {@link BotUtils}, and written to the
 * {@link UpdateInbox} before the 200. A database failure answers 503, so Telegram delivers it again.
 */
final class WebhookHandler {

    private static final Logger log = LoggerFactory.getLogger(WebhookHandler.class);
    static final String SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final byte[] secretDigest;
    private final int maxBody;
    private final UpdateInbox inbox;
    private final BooleanSupplier draining;
    private final Counter received;
    private final Counter duplicates;
    private final Counter rejected;

    WebhookHandler(String secret, int maxBody, UpdateInbox inbox, BooleanSupplier draining, MeterRegistry meters) {
        if (secret == null || secret.isEmpty()) throw new IllegalArgumentException("WEBHOOK_SECRET is required in webhook mode");
        this.secretDigest = sha256(secret.getBytes(StandardCharsets.UTF_8));
        this.maxBody = maxBody;
        this.inbox = inbox;
        this.draining = draining;
        this.received = Counter.builder("tidings.updates.received").tag("source", "webhook")
                .description("Updates received and stored").register(meters);
        this.duplicates = Counter.builder("tidings.updates.duplicate").tag("source", "webhook")
                .description("Updates delivered again and ignored").register(meters);
        this.rejected = Counter.builder("tidings.webhook.rejected").description("Webhook requests refused (secret, size, body)")
                .register(meters);
    }

    Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response) {
        if (!authorized(request.requestHeaders().get(SECRET_HEADER))) {
            rejected.increment();
            // refused before the body is read: the connection closes, so its unread body is never taken for a request
            return plain(response.keepAlive(false), 401, "unauthorized\n");
        }
        if (draining.getAsBoolean()) {
            return plain(response.keepAlive(false), 503, "shutting down\n"); // Telegram retries; the Service picks another replica
        }
        String length = request.requestHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
        if (length != null && parseLength(length) > maxBody) {
            rejected.increment();
            return plain(response.keepAlive(false), 413, "too large\n");
        }
        // stops reading at the limit (unlike the console's util.BoundedBody, which reads on so its 413 arrives): Telegram
        // never sends more, and a fuzzer's endless chunked body must not hold the webhook's connection for the request timeout
        return request.receive().asByteArray()
                .collect(ByteArrayOutputStream::new, (out, chunk) -> {
                    if (out.size() + chunk.length > maxBody) throw new BodyTooLarge();
                    out.write(chunk, 0, chunk.length);
                })
                .map(out -> out.toString(StandardCharsets.UTF_8))
                .flatMap(body -> {
                    long id = updateId(body);
                    if (id < 0) {
                        rejected.increment();
                        refusedBodyLog(body.length());
                        return plain(response, 400, "not an update\n");
                    }
                    return inbox.store(id, body)
                            .flatMap(isNew -> {
                                (isNew ? received : duplicates).increment();
                                if (isNew) inbox.wake();
                                return plain(response, 200, "ok\n");
                            })
                            .onErrorResume(e -> {
                                log.warn("update {} not stored, Telegram will deliver it again: {}", id, e.toString());
                                return plain(response, 503, "not stored\n");
                            });
                })
                .onErrorResume(BodyTooLarge.class, e -> {
                    rejected.increment();
                    return plain(response.keepAlive(false), 413, "too large\n");
                });
    }

    /**
     * One line per refused body at most every ten seconds, with how many were refused meanwhile: a flood of garbage
     * must not become a flood of log lines (the {@code tidings.webhook.rejected} counter counts every one).
     */
    private void refusedBodyLog(int bytes) {
        long now = System.nanoTime();
        long last = lastRefusedLog.get();
        if (now - last < 10_000_000_000L || !lastRefusedLog.compareAndSet(last, now)) {
            refusedSinceLog.incrementAndGet();
            return;
        }
        long more = refusedSinceLog.getAndSet(0);
        log.warn("webhook body is not an update ({} bytes): refused{}", bytes,
                more > 0 ? " (and " + more + " more in the last ten seconds)" : "");
    }

    private final java.util.concurrent.atomic.AtomicLong lastRefusedLog = new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - 20_000_000_000L);
    private final java.util.concurrent.atomic.AtomicLong refusedSinceLog = new java.util.concurrent.atomic.AtomicLong();

    /** Constant-time over equal-length digests, so neither content nor length of the secret leaks. */
    boolean authorized(String provided) {
        if (provided == null) return false;
        return MessageDigest.isEqual(secretDigest, sha256(provided.getBytes(StandardCharsets.UTF_8)));
    }

    /** The update_id of a body that pengrad parses as an Update, or -1. */
    static long updateId(String body) {
        try {
            JsonNode tree = JSON.readTree(body);
            if (tree == null || !tree.isObject() || !tree.path("update_id").canConvertToLong()) return -1;
            Update u = BotUtils.parseUpdate(body);
            return u == null ? -1 : tree.get("update_id").asLong();
        } catch (Exception e) { // Jackson or Gson: not JSON, or not shaped like an update
            return -1;
        }
    }

    private static long parseLength(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    static Mono<Void> plain(HttpServerResponse response, int status, String text) {
        return response.status(status).header(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .sendString(Mono.just(text)).then();
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class BodyTooLarge extends RuntimeException {
        BodyTooLarge() {
            super("webhook body too large", null, false, false);
        }
    }
}
