package io.tidings.testkit.botapi;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AttributeKey;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.http.server.HttpServerResponse;

/**
 * How the {@link LocalBotApiServer}'s connections behave: an answer is written as JSON; a connection is kept alive,
 * or closed after every response (an HTTP/1.0 server or proxy), or closed without a word once idle for a while (as
 * Telegram's front ends do); a lost answer closes the connection after a silence, as a broken network does.
 */
final class Connections {

    private static final AttributeKey<AtomicLong> REQUESTS = AttributeKey.valueOf("tidings.requests");

    /** An answer, or ({@code lost} not null) none: the connection is closed after that silence. */
    record Reply(int status, JsonNode body, Duration lost) {
        Reply(int status, JsonNode body) {
            this(status, body, null);
        }

        static Reply lost(Duration silence) {
            return new Reply(0, null, silence);
        }
    }

    private final Scheduler timer;
    private volatile boolean closeAfterEveryResponse;
    private volatile Duration idleClose;

    Connections(Scheduler timer) {
        this.timer = timer;
    }

    void closeAfterEveryResponse(boolean on) {
        closeAfterEveryResponse = on;
    }

    void closeIdleAfter(Duration idle) {
        idleClose = idle;
    }

    /** A request arrived on {@code response}'s connection (an idle close waits for the connection's last one). */
    void arrived(HttpServerResponse response) {
        response.withConnection(c -> {
            AtomicLong fresh = new AtomicLong();
            AtomicLong requests = c.channel().attr(REQUESTS).setIfAbsent(fresh);
            (requests == null ? fresh : requests).incrementAndGet();
        });
    }

    /** Writes {@code r} (or, for a lost answer, nothing) and then keeps or closes the connection as configured. */
    Mono<Void> send(HttpServerResponse response, Reply r) {
        if (r.lost() != null) { // no answer: the connection closes (after a silence), as a broken network does
            return Mono.delay(r.lost(), timer)
                    .then(Mono.fromRunnable(() -> response.withConnection(c -> c.channel().close())))
                    .then(Mono.never());
        }
        boolean close = closeAfterEveryResponse;
        HttpServerResponse out = response.status(HttpResponseStatus.valueOf(r.status()))
                .header(HttpHeaderNames.CONTENT_TYPE, "application/json");
        if (close) {
            out.header(HttpHeaderNames.CONNECTION, "close");
        }
        return out.sendString(Mono.just(TelegramObjects.write(r.body())))
                .then()
                .doOnSuccess(v -> response.withConnection(c -> {
                    if (close) {
                        c.channel().close();
                    } else {
                        closeWhenIdle(c.channel());
                    }
                }));
    }

    /** Closes a keep-alive connection (without a word, as servers and proxies do) once idle for the configured time. */
    private void closeWhenIdle(Channel channel) {
        Duration idle = idleClose;
        if (idle == null) {
            return;
        }
        AtomicLong requests = channel.attr(REQUESTS).get();
        long seen = requests == null ? 0 : requests.get();
        timer.schedule(() -> {
            if (requests == null || requests.get() == seen) {
                channel.close();
            }
        }, idle.toNanos(), TimeUnit.NANOSECONDS);
    }
}
