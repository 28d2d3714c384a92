package io.tidings.testkit.botapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tidings.testkit.botapi.Connections.Reply;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A Telegram Bot API server on 127.0.0.1 (random port) that the real pengrad client can talk to: it
 * records every call, lets tests push updates, shows what the bot sent, and injects Telegram's faults.
 * Handlers never block a thread; long polls wait on a timer. Thread-safe. The methods are {@link BotMethods}'; how
 * connections are kept, closed or dropped, {@link Connections}'.
 *
 * <pre>{@code
 * try (var server = LocalBotApiServer.start("123:secret")) {
 *     var bot = new TelegramBot.Builder("123:secret").apiUrl(server.apiUrl()).build();
 *     server.pushMessage(42, "/start", "en");
 *     server.faults().next("sendMessage", Fault.tooManyRequests(3), 1);
 * }
 * }</pre>
 */
public final class LocalBotApiServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalBotApiServer.class);
    private static final int SENT_BUFFER = 4096;
    private static final int UPDATE_CAPACITY = 100_000;

    private final String token;
    private final long botId;
    private final UpdateQueue updates = new UpdateQueue(UPDATE_CAPACITY);
    private final FaultInjector faults = new FaultInjector();
    private final SendLimits limits = new SendLimits();
    private final BotMethods methods;
    private final Object callsLock = new Object();
    private final List<RecordedCall> calls = new ArrayList<>();
    private final Object sentLock = new Object();
    private final Map<Long, List<SentMessage>> sentByChat = new HashMap<>();
    private final Sinks.Many<SentMessage> sentSink = Sinks.many().multicast().directBestEffort();
    private final Scheduler timer;
    private volatile boolean keepMessages = true;
    private final Connections connections;
    private final WebhookDelivery webhook;
    private final DisposableServer server;

    private LocalBotApiServer(String token, Scheduler timer) {
        this.token = Objects.requireNonNull(token, "token");
        this.botId = botIdOf(token);
        this.timer = Objects.requireNonNull(timer, "timer");
        this.methods = new BotMethods(botId, "tidings_local_bot", updates, limits, timer, this::onSent);
        this.webhook = new WebhookDelivery(timer);
        this.connections = new Connections(timer);
        this.server = HttpServer.create().host("127.0.0.1").port(0).handle(this::handle).bindNow(Duration.ofSeconds(10));
    }

    /** Starts a server for {@code token} (a real-looking token "123456:ABC..." gives bot id 123456). */
    public static LocalBotApiServer start(String token) {
        return new LocalBotApiServer(token, Schedulers.parallel());
    }

    /** As {@link #start(String)}, with long-poll timeouts and delay faults timed on {@code timer}. */
    public static LocalBotApiServer start(String token, Scheduler timer) {
        return new LocalBotApiServer(token, timer);
    }

    /** The URL to give pengrad's {@code TelegramBot.Builder.apiUrl}: {@code http://127.0.0.1:PORT/bot}. */
    public String apiUrl() {
        return "http://127.0.0.1:" + port() + "/bot";
    }

    public int port() {
        return server.port();
    }

    /** The bot's user id (getMe). */
    public long botId() {
        return botId;
    }

    /** The faults to inject. */
    public FaultInjector faults() {
        return faults;
    }

    /** Simulates Telegram's flood limits for sends: {@code globalPerSecond} (0 = none) and 1 msg/s per chat. */
    public void simulateLimits(int globalPerSecond, boolean onePerSecondPerChat) {
        limits.configure(globalPerSecond, onePerSecondPerChat);
    }

    /**
     * Whether sent messages are kept (default): for {@link #sentTo}, and for callbacks, edits and copies of them.
     * A benchmark sending a hundred thousand messages turns it off; calls are still recorded.
     */
    public void keepMessages(boolean on) {
        keepMessages = on;
        methods.keepMessages(on);
    }

    /** The webhook URL set through setWebhook, or "" when long polling. */
    public String webhookUrl() {
        return methods.webhookUrl();
    }

    /** The {@code secret_token} given to setWebhook, or null. */
    public String webhookSecret() {
        return methods.webhookSecret();
    }

    /** One POST of an update to the webhook and the bot's answer (status 0: no answer). */
    public record WebhookAttempt(int updateId, int status) {}

    /** Every webhook POST so far, in order of the answers. */
    public List<WebhookAttempt> webhookAttempts() {
        return webhook.attempts().stream().map(a -> new WebhookAttempt(a.updateId(), a.status())).toList();
    }

    /** Updates being delivered to the webhook and not yet acknowledged with a 2xx. */
    public int pendingWebhookDeliveries() {
        return webhook.pending();
    }

    /**
     * A new update: queued for getUpdates, or, while a webhook is set, POSTed to it (with the secret
     * header, again and again with backoff until it answers 2xx), as Telegram does.
     */
    private int enqueue(java.util.function.IntFunction<ObjectNode> build) {
        String url = methods.webhookUrl();
        if (url.isEmpty()) {
            return updates.push(build);
        }
        int id = updates.reserveId();
        webhook.deliver(url, methods.webhookSecret(), id, build.apply(id));
        return id;
    }

    // ---- updates ------------------------------------------------------------------------------------

    /** A reader writes to the bot in their private chat (chat id = user id); returns the update id. */
    public int pushMessage(long userId, String text, String languageCode) {
        Objects.requireNonNull(text, "text");
        ObjectNode message = methods.incomingMessage(userId, text, languageCode);
        return enqueue(id -> {
            ObjectNode u = TelegramObjects.update(id);
            u.set("message", message);
            return u;
        });
    }

    /** A reader presses an inline button of message {@code messageId} in their chat; returns the update id. */
    public int pushCallbackQuery(long userId, int messageId, String data) {
        return enqueue(id -> {
            ObjectNode u = TelegramObjects.update(id);
            u.set("callback_query", methods.callbackQuery(id, userId, messageId, data));
            return u;
        });
    }

    /**
     * Pushes any update: {@code rawJson} is an object whose {@code update_id} is set (overwritten) by the
     * server. Text that is not a JSON object is wrapped as {@code {"update_id":N,"raw":"…"}} so malformed
     * updates can be tested too.
     */
    public int pushUpdate(String rawJson) {
        JsonNode parsed;
        try {
            parsed = TelegramObjects.JSON.readTree(rawJson);
        } catch (IOException e) {
            parsed = null;
        }
        JsonNode body = parsed;
        return enqueue(id -> {
            ObjectNode u = body instanceof ObjectNode o ? o.deepCopy() : TelegramObjects.JSON.createObjectNode();
            if (!(body instanceof ObjectNode)) {
                u.put("raw", rawJson);
            }
            u.put("update_id", id);
            return u;
        });
    }

    /** Updates pushed and not yet confirmed by a getUpdates offset. */
    public int pendingUpdates() {
        return updates.size();
    }

    // ---- what the bot did -----------------------------------------------------------------------------

    /** Every call so far, in arrival order of their answers. */
    public List<RecordedCall> calls() {
        synchronized (callsLock) {
            return List.copyOf(calls);
        }
    }

    /** The calls of one method (case-insensitive). */
    public List<RecordedCall> calls(String method) {
        return calls().stream().filter(c -> c.method().equalsIgnoreCase(method)).toList();
    }

    /** Every call recorded since the last take, removed from the record (atomically: none is missed or counted twice). */
    public List<RecordedCall> takeCalls() {
        synchronized (callsLock) {
            List<RecordedCall> taken = List.copyOf(calls);
            calls.clear();
            return taken;
        }
    }

    public void clearCalls() {
        synchronized (callsLock) {
            calls.clear();
        }
    }

    /**
     * Messages the bot sends from now on (hot, multicast; each subscriber has a bounded buffer that drops
     * the oldest on overflow). Signals arrive on server threads: do not block in them, use publishOn.
     */
    public Flux<SentMessage> sent() {
        return sentSink.asFlux().onBackpressureBuffer(SENT_BUFFER,
                dropped -> log.warn("sent() subscriber too slow, dropped message {} to chat {}",
                        dropped.messageId(), dropped.chatId()),
                BufferOverflowStrategy.DROP_OLDEST);
    }

    /** Every message the bot successfully sent to {@code chatId}, in order. */
    public List<SentMessage> sentTo(long chatId) {
        synchronized (sentLock) {
            return List.copyOf(sentByChat.getOrDefault(chatId, List.of()));
        }
    }

    /**
     * Forgets all but the newest {@code keep} messages of every chat (for {@link #sentTo}, callbacks and edits): a
     * soak of hours would otherwise hold every message it ever sent.
     */
    public void forgetOldMessages(int keep) {
        if (keep < 0) throw new IllegalArgumentException("keep must not be negative: " + keep);
        synchronized (sentLock) {
            for (List<SentMessage> list : sentByChat.values()) {
                if (list.size() > keep) list.subList(0, list.size() - keep).clear();
            }
        }
        methods.forgetOldMessages(keep);
    }

    @Override
    public void close() {
        webhook.close();
        server.disposeNow(Duration.ofSeconds(5));
    }

    // ---- HTTP -----------------------------------------------------------------------------------------

    private Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response) {
        long arrived = System.nanoTime();
        connections.arrived(response);
        String path = request.fullPath();
        path = path.startsWith("/") ? path.substring(1) : path;
        int slash = path.indexOf('/');
        if (!path.startsWith("bot") || slash < 0) {
            return connections.send(response, new Reply(404, TelegramObjects.error(404, "Not Found", null)));
        }
        String method = path.substring(slash + 1);
        boolean authorized = path.substring(3, slash).equals(token);
        Mono<Map<String, String>> params = RequestParams.read(request).cache();
        Mono<Reply> reply = params.flatMap(p -> {
            if (!authorized) {
                return Mono.error(new ApiError(401, "Unauthorized", null));
            }
            if (!methods.knows(method)) {
                return Mono.error(new ApiError(404, "Not Found", null));
            }
            return answer(method, p);
        }).onErrorResume(ApiError.class, e -> Mono.just(new Reply(e.status,
                TelegramObjects.error(e.status, e.getMessage(), e.retryAfter))));
        return reply
                .onErrorResume(e -> {
                    log.warn("local Bot API failed on {}: {}", method, e.toString());
                    return Mono.just(new Reply(500, TelegramObjects.error(500, "Internal Server Error", null)));
                })
                .flatMap(r -> params.onErrorReturn(Map.of())
                        .doOnNext(p -> record(new RecordedCall(method, p, RequestParams.numericChatId(p), arrived, r.status())))
                        .thenReturn(r))
                .flatMapMany(r -> connections.send(response, r));
    }

    private Mono<Reply> answer(String method, Map<String, String> params) {
        Fault fault = faults.take(method, RequestParams.numericChatId(params));
        Mono<Reply> normal = Mono.defer(() -> methods.call(method, params))
                .map(result -> new Reply(200, TelegramObjects.ok(result)));
        if (fault == null) {
            return normal;
        }
        return switch (fault.mode()) {
            case ANSWER -> fault.isDelay() ? Mono.delay(fault.delay(), timer).then(normal) : Mono.error(ApiError.of(fault));
            // a handling error (a 400) is answered as it is: Telegram sent nothing then
            case HANDLE_THEN_ERROR -> normal.then(Mono.error(ApiError.of(fault)));
            case HANDLE_THEN_DROP -> normal.map(r -> Reply.lost(Duration.ZERO));
            case HANDLE_THEN_SILENCE -> normal.map(r -> Reply.lost(fault.delay()));
            case DROP -> Mono.just(Reply.lost(Duration.ZERO));
        };
    }

    /**
     * Answers every call with {@code Connection: close} and closes the connection after it (an HTTP/1.0 server or
     * proxy), or stops doing so.
     */
    public void closeAfterEveryResponse(boolean on) {
        connections.closeAfterEveryResponse(on);
    }

    /**
     * Closes a keep-alive connection that stayed idle for {@code idle} without telling the client (as Telegram's
     * front ends and proxies do); null stops it. A client that reuses such a connection finds it dead.
     */
    public void closeIdleConnectionsAfter(Duration idle) {
        connections.closeIdleAfter(idle);
    }

    private void record(RecordedCall call) {
        synchronized (callsLock) {
            calls.add(call);
        }
    }

    private void onSent(List<SentMessage> messages) {
        if (!keepMessages) {
            messages.forEach(sentSink::tryEmitNext);
            return;
        }
        synchronized (sentLock) {
            for (SentMessage m : messages) {
                sentByChat.computeIfAbsent(m.chatId(), id -> new ArrayList<>()).add(m);
                sentSink.tryEmitNext(m); // FAIL_ZERO_SUBSCRIBER is fine: sentTo keeps the history
            }
        }
    }

    private static long botIdOf(String token) {
        int colon = token.indexOf(':');
        try {
            return colon > 0 ? Long.parseLong(token.substring(0, colon)) : 1L;
        } catch (NumberFormatException e) {
            return 1L;
        }
    }
}
