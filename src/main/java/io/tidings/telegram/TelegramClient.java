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
    // OkHttp's enqueue takes locks (its dispatcher's and its executor's): never on a Reactor non-blocking thread
    private final Scheduler calls = Schedulers.newBoundedElastic(4, 100_000, "telegram-calls");

    private TelegramClient(TelegramClientConfig config) {
        this.config = config;
        this.redactor = new Redactor(config.token());
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(config.maxRequests());
        dispatcher.setMaxRequestsPerHost(config.maxRequestsPerHost());
        this.http = new OkHttpClient.Builder()
                .dispatcher(dispatcher)
                // OkHttp keeps 5 idle connections by default: at hundreds of sends a second the rest would be
                // opened and closed again for every call, and a fresh connection arrives late (then early ones bunch)
                .connectionPool(new ConnectionPool(config.maxRequestsPerHost(), 5, TimeUnit.MINUTES))
                .connectTimeout(config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(config.readTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .writeTimeout(config.writeTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .retryOnConnectionFailure(false) // retries are ours: a resent sendMessage would duplicate a message
                .build();
        this.bot = new TelegramBot.Builder(config.token()).apiUrl(config.apiUrl()).okHttpClient(http).build();
    }

    public static TelegramClient create(TelegramClientConfig config) {
        return new TelegramClient(config);
    }

    /**
     * Sends one request. Emits the response when Telegram answers {@code ok: true}; otherwise fails with a
     * {@link TelegramException} subclass. Cancelling the Mono cancels the HTTP call.
     */
    public <T extends BaseRequest<T, R>, R extends BaseResponse> Mono<R> execute(BaseRequest<T, R> request) {
        String method = request.getMethod();
        return Mono.<R>create(sink -> {
            @SuppressWarnings("unchecked")
            T typed = (T) request;
            Cancellable call = bot.execute(typed, new Callback<T, R>() {
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

    /**
     * Long polling: getUpdates in a loop with confirmed offsets, each batch fetched only when downstream
     * asked for more. Waits out 429s and backs off on transient failures; fails with
     * {@link TelegramException.Conflict} (logged as an ERROR) when another instance polls or a webhook is set,
     * and with {@link TelegramException.Unauthorized} on a wrong token. Malformed updates are logged and skipped.
     */
    public Flux<Update> updates(Duration longPollTimeout) {
        if (longPollTimeout.isNegative()) {
            throw new IllegalArgumentException("longPollTimeout must not be negative");
        }
        OkHttpClient pollHttp = http.newBuilder()
                .readTimeout(longPollTimeout.plus(config.readTimeout()).toMillis(), TimeUnit.MILLISECONDS)
                .build();
        return new UpdatePoller(pollHttp, config, redactor, calls).updates(longPollTimeout);
    }

    /** Stops OkHttp's threads and connections; calls in flight fail. */
    @Override
    public void close() {
        bot.shutdown();
        http.connectionPool().evictAll();
        calls.dispose();
    }

    TelegramException ioFailure(String method, IOException e) {
        return new TelegramException.Transient(method, 0, redactor.redact(e.toString()), redactor.redact(e));
    }
}
