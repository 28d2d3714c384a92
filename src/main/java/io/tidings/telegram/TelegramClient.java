package io.tidings.telegram;

import com.pengrad.telegrambot.Callback;
import com.pengrad.telegrambot.Cancellable;
import com.pengrad.telegrambot.TelegramBot;
import com.pengrad.telegrambot.model.Update;
import com.pengrad.telegrambot.request.BaseRequest;
import com.pengrad.telegrambot.response.BaseResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import reactor.util.retry.Retry;
import java.util.List;
import com.pengrad.telegrambot.request.GetMe;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The one reactive gateway to the Telegram Bot API: pengrad's asynchronous calls as {@link Mono}s on a
 * sized OkHttp client, failures classified as {@link TelegramException}s, and long polling as a
 * demand-driven {@link Flux} of updates. Never blocks the caller's thread; never shows the token.
 */
public final class TelegramClient implements AutoCloseable {

    private final TelegramClientConfig config;
    private final Redactor redactor;
    private final OkHttpClient http;
    private final TelegramBot bot;
    private final TelegramBot sendBot;
    private final AccessGuard access;
    private final ChatPace chatPace;
    private volatile SendBudget budget;
    /** Marks calls that already have their place in the {@link SendBudget} (the outbox's sender's own). */
    private static final String BUDGETED = "tidings.telegram.budgeted";
    /** A reply waits at most this long for its turn in the budget (a long pause after a 429), then goes anyway. */
    private static final Duration MAX_BUDGET_WAIT = Duration.ofSeconds(5);
    // OkHttp's enqueue takes locks (its dispatcher's and its executor's): never on a Reactor non-blocking thread
    private final Scheduler calls = Schedulers.newBoundedElastic(4, 100_000, "telegram-calls");

    private TelegramClient(TelegramClientConfig config) {
        this.config = config;
        this.redactor = new Redactor(config.token());
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(config.maxRequests());
        dispatcher.setMaxRequestsPerHost(config.maxRequestsPerHost());
        // idempotent calls (reads, callback answers, webhook calls): OkHttp may repeat them on a stale connection
        this.http = new OkHttpClient.Builder()
                .dispatcher(dispatcher)
                // OkHttp keeps 5 idle connections by default: at hundreds of sends a second the rest would be opened
                // and closed again for every call. A short idle life: servers close idle keep-alive connections too.
                .connectionPool(new ConnectionPool(config.maxRequestsPerHost(), config.idleConnectionLifetime().toMillis(),
                        TimeUnit.MILLISECONDS))
                .connectTimeout(config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(config.readTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .writeTimeout(config.writeTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .retryOnConnectionFailure(true)
                .build();
        // sends: never repeated by OkHttp (it would repeat a POST whose first copy reached Telegram); see WireCheck
        OkHttpClient sendHttp = http.newBuilder()
                .retryOnConnectionFailure(false)
                .protocols(List.of(Protocol.HTTP_1_1))
                .addNetworkInterceptor(new WireCheck())
                .build();
        this.bot = new TelegramBot.Builder(config.token()).apiUrl(config.apiUrl()).okHttpClient(http).build();
        this.sendBot = new TelegramBot.Builder(config.token()).apiUrl(config.apiUrl()).okHttpClient(sendHttp).build();
        this.access = new AccessGuard(() -> call(new GetMe()), config.minBackoff(), config.maxBackoff(), config.timer());
        this.chatPace = new ChatPace(config.chatGap(), config.timer(), System::nanoTime);
    }

    public static TelegramClient create(TelegramClientConfig config) {
        return new TelegramClient(config);
    }

    /**
     * Sends one request. Emits the response when Telegram answers {@code ok: true}; otherwise fails with a
     * {@link TelegramException} subclass: a send that may have reached Telegram fails with
     * {@link TelegramException.OutcomeUnknown} and must not be repeated. A request found to ride a connection the
     * server had closed is repeated here (it never left). While Telegram refuses the token (401/404) every call
     * fails at once with {@link TelegramException.Unauthorized}, without a request. Cancelling cancels the HTTP call.
     * A message to a chat waits its turn in that chat's pace ({@link TelegramClientConfig#chatGap()}): at once when the
     * chat had nothing within the gap.
     */
    public <T extends BaseRequest<T, R>, R extends BaseResponse> Mono<R> execute(BaseRequest<T, R> request) {
        String method = request.getMethod();
        Mono<R> call = unpaced(request);
        if (!ChatPace.paced(method)) return call;
        Mono<R> counted = Mono.deferContextual(ctx -> {
            SendBudget b = budget;
            if (b == null || ctx.hasKey(BUDGETED)) return call;
            return b.take().thenReturn(true).timeout(MAX_BUDGET_WAIT, Mono.just(false), config.timer())
                    .flatMap(granted -> granted ? call.doFinally(s -> b.answered()) : call);
        });
        Mono<R> paced = chatPace.paced(request.getParameters().get("chat_id"), counted);
        // while paused, refused at once: not after waiting for the chat's turn
        return Mono.defer(() -> access.open() ? paced
                : Mono.error(TelegramException.of(method, 401, "Unauthorized (paused until getMe works again)", null)));
    }

    /**
     * Messages sent through this client take their turn in {@code b} (the outbox's sender's share of the rate), except
     * those sent under {@link #budgeted}: replies and alerts never push the replica over its share.
     */
    public void shareBudget(SendBudget b) {
        this.budget = b;
    }

    /** Calls made by {@code m} already have their place in the {@link SendBudget}: they do not take another. */
    public static <T> Mono<T> budgeted(Mono<T> m) {
        return m.contextWrite(reactor.util.context.Context.of(BUDGETED, Boolean.TRUE));
    }

    /**
     * When the next message to {@code chat} may leave by this client's per-chat pace ({@link System#nanoTime()} time;
     * at or before now, or {@link Long#MIN_VALUE} for a chat not seen lately: at once). A chat with a message queued or
     * on the wire is busy for a gap from now at least.
     */
    public long chatFreeAt(long chat) {
        return chatPace.freeAt(chat);
    }

    private <T extends BaseRequest<T, R>, R extends BaseResponse> Mono<R> unpaced(BaseRequest<T, R> request) {
        String method = request.getMethod();
        return Mono.defer(() -> {
            if (!access.open()) {
                return Mono.error(TelegramException.of(method, 401, "Unauthorized (paused until getMe works again)", null));
            }
            return call(request)
                    .retryWhen(Retry.max(2).filter(TelegramClient::neverLeft))
                    .doOnError(TelegramException.Unauthorized.class, access::refused);
        });
    }

    private <T extends BaseRequest<T, R>, R extends BaseResponse> Mono<R> call(BaseRequest<T, R> request) {
        String method = request.getMethod();
        TelegramBot via = TelegramException.idempotent(method) ? bot : sendBot;
        return Mono.<R>create(sink -> {
            @SuppressWarnings("unchecked")
            T typed = (T) request;
            Cancellable call = via.execute(typed, new Callback<T, R>() {
                @Override
                public void onResponse(T req, R response) {
                    if (response.isOk()) {
                        sink.success(response);
                    } else {
                        Integer retryAfter = response.parameters() == null ? null : response.parameters().retryAfter();
                        sink.error(TelegramException.of(method, response.errorCode(),
                                redactor.redact(response.description()), retryAfter));
                    }
                }

                @Override
                public void onFailure(T req, IOException e) {
                    sink.error(ioFailure(method, e));
                }
            });
            sink.onCancel(call::cancel);
        }).subscribeOn(calls).checkpoint("telegram " + method);
    }

    /** True while Telegram accepts the token: false from a 401/404 until a {@code getMe} probe succeeds. */
    public boolean accessible() {
        return access.open();
    }

    /**
     * Calls {@code listener} with the reason (e.g. {@code 401 Unauthorized on sendMessage}) whenever a 401/404 pauses
     * all calls; once per pause, not for every refused call. It runs on the caller's thread and must not block.
     */
    public void onPaused(java.util.function.Consumer<String> listener) {
        access.onPause(listener);
    }

    /** Completes at once while Telegram accepts the token, else when it does again. */
    public Mono<Void> whenAccessible() {
        return access.whenOpen();
    }

    /** Reports a 401/404 met outside {@link #execute} (long polling): pauses everything until a probe succeeds. */
    void refused(TelegramException.Unauthorized e) {
        access.refused(e);
    }

    /**
     * Long polling: getUpdates in a loop with confirmed offsets, each batch fetched only when downstream
     * asked for more. Waits out 429s, backs off on transient failures and on 409 Conflict (another poller or a
     * webhook; {@link #polling()} is false meanwhile), and waits while Telegram refuses the token. Malformed updates
     * are logged and skipped.
     */
    public Flux<Update> updates(Duration longPollTimeout) {
        if (longPollTimeout.isNegative()) {
            throw new IllegalArgumentException("longPollTimeout must not be negative");
        }
        OkHttpClient pollHttp = http.newBuilder()
                .readTimeout(longPollTimeout.plus(config.readTimeout()).toMillis(), TimeUnit.MILLISECONDS)
                .build();
        UpdatePoller p = new UpdatePoller(pollHttp, config, redactor, calls, this);
        poller = p;
        return p.updates(longPollTimeout);
    }

    /**
     * As {@link #updates}, one list per getUpdates answer: the next getUpdates (which confirms this batch's offset to
     * Telegram) is made only when the next list is requested, so a consumer that requests it once the batch is
     * handled confirms nothing it has not handled.
     */
    public Flux<java.util.List<Update>> updateBatches(Duration longPollTimeout) {
        if (longPollTimeout.isNegative()) {
            throw new IllegalArgumentException("longPollTimeout must not be negative");
        }
        OkHttpClient pollHttp = http.newBuilder()
                .readTimeout(longPollTimeout.plus(config.readTimeout()).toMillis(), TimeUnit.MILLISECONDS)
                .build();
        UpdatePoller p = new UpdatePoller(pollHttp, config, redactor, calls, this);
        poller = p;
        return p.batches(longPollTimeout);
    }

    private volatile UpdatePoller poller;

    /** False while long polling meets 409 Conflict (another consumer of this token, or a webhook is set). */
    public boolean polling() {
        UpdatePoller p = poller;
        return p == null || !p.conflicted();
    }

    /** Stops OkHttp's threads and connections; calls in flight fail. */
    @Override
    public void close() {
        access.close();
        bot.shutdown();
        sendBot.shutdown();
        http.connectionPool().evictAll();
        calls.dispose();
    }

    TelegramException ioFailure(String method, IOException e) {
        if (e instanceof WireCheck.MaybeSent && !TelegramException.idempotent(method)) {
            IOException cause = e.getCause() instanceof IOException io ? io : e;
            return new TelegramException.OutcomeUnknown(method, 0, redactor.redact(cause.toString()), redactor.redact(cause));
        }
        return new TelegramException.Transient(method, 0, redactor.redact(e.toString()),
                e instanceof WireCheck.StaleConnection ? e : redactor.redact(e));
    }

    /** A request refused before it was written, because its pooled connection had been closed by the server. */
    private static boolean neverLeft(Throwable e) {
        return e instanceof TelegramException.Transient && e.getCause() instanceof WireCheck.StaleConnection;
    }
}
