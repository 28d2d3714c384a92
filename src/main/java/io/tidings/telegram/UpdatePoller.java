package io.tidings.telegram;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.pengrad.telegrambot.model.Update;
import com.pengrad.telegrambot.utility.BotUtils;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Call;
import okhttp3.FormBody;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

/**
 * The getUpdates loop. It reads the raw JSON itself (on the same OkHttp dispatcher) so that one malformed
 * update is skipped instead of failing, and endlessly re-fetching, the whole batch.
 */
final class UpdatePoller {

    private static final Logger log = LoggerFactory.getLogger(UpdatePoller.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String METHOD = "getUpdates";

    private final OkHttpClient http;
    private final TelegramClientConfig config;
    private final Redactor redactor;
    private final String url;
    private final Scheduler calls;
    private final TelegramClient client;
    private volatile boolean conflicted;

    UpdatePoller(OkHttpClient http, TelegramClientConfig config, Redactor redactor, Scheduler calls, TelegramClient client) {
        this.http = http;
        this.client = client;
        this.calls = calls;
        this.config = config;
        this.redactor = redactor;
        this.url = config.apiUrl() + config.token() + "/" + METHOD;
    }

    Flux<Update> updates(Duration longPoll) {
        return batches(longPoll).flatMapIterable(b -> b, 1);
    }

    /**
     * One list per getUpdates answer (empty lists are skipped). The offset that confirms a batch to Telegram goes
     * with the next getUpdates, which starts only when downstream asks for the next batch: a consumer that asks
     * once it has stored (or handled) a batch never loses one to a crash.
     */
    Flux<List<Update>> batches(Duration longPoll) {
        // Not concatMap over ticks: it subscribes to the next inner as soon as one completes, demand or not, so the
        // getUpdates that confirms a batch left while the batch was still being handled (a crash lost it).
        return Flux.<List<Update>>create(sink -> {
            AtomicLong offset = new AtomicLong();
            AtomicBoolean fetching = new AtomicBoolean();
            Disposable.Swap current = Disposables.swap();
            Runnable[] pump = new Runnable[1];
            pump[0] = () -> {
                if (sink.isCancelled() || sink.requestedFromDownstream() == 0 || !fetching.compareAndSet(false, true)) return;
                current.update(client.whenAccessible().then(Mono.defer(() -> fetch(offset.get(), longPoll)))
                        .retryWhen(retry())
                        .subscribe(batch -> {
                            conflicted = false;
                            offset.accumulateAndGet(batch.nextOffset(), Math::max);
                            if (!batch.updates().isEmpty()) sink.next(batch.updates());
                            fetching.set(false); // after next: a request made meanwhile found a fetch still running
                            pump[0].run();
                        }, sink::error));
            };
            sink.onRequest(n -> pump[0].run());
            sink.onDispose(current);
        }, FluxSink.OverflowStrategy.BUFFER).checkpoint("telegram " + METHOD);
    }

    private Mono<Batch> fetch(long offset, Duration longPoll) {
        return Mono.<Batch>create(sink -> {
            FormBody body = new FormBody.Builder()
                    .add("offset", Long.toString(offset))
                    .add("limit", Integer.toString(config.updatesLimit()))
                    .add("timeout", Long.toString(longPoll.toSeconds()))
                    .build();
            Call call = http.newCall(new Request.Builder().url(url).post(body).build());
            call.enqueue(new okhttp3.Callback() {
                @Override
                public void onResponse(Call c, Response response) {
                    try (ResponseBody b = response.body()) {
                        sink.success(parse(response.code(), b.string(), offset));
                    } catch (IOException e) {
                        onFailure(c, e);
                    } catch (TelegramException e) {
                        sink.error(e);
                    }
                }

                @Override
                public void onFailure(Call c, IOException e) {
                    sink.error(new TelegramException.Transient(METHOD, 0, redactor.redact(e.toString()), redactor.redact(e)));
                }
            });
            sink.onCancel(call::cancel);
        }).subscribeOn(calls); // enqueue takes OkHttp's locks: not on a non-blocking thread
    }

    private Batch parse(int status, String body, long offset) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            root = null;
        }
        if (root == null || !root.isObject()) {
            throw TelegramException.of(METHOD, status >= 400 ? status : 502, "unparseable answer, HTTP " + status, null);
        }
        if (!root.path("ok").asBoolean(false)) {
            JsonNode retry = root.path("parameters").path("retry_after");
            throw TelegramException.of(METHOD, root.path("error_code").asInt(status),
                    redactor.redact(root.path("description").asText("")), retry.isNumber() ? retry.asInt() : null);
        }
        List<Update> updates = new ArrayList<>();
        long next = offset;
        for (JsonNode raw : root.path("result")) {
            JsonNode id = raw.get("update_id");
            if (id != null && id.canConvertToLong()) {
                next = Math.max(next, id.asLong() + 1);
            }
            try {
                Update update = BotUtils.parseUpdate(raw.toString());
                if (update == null || update.updateId() == null) {
                    throw new IllegalArgumentException("no update_id");
                }
                updates.add(update);
            } catch (RuntimeException e) {
                log.warn("skipping malformed update {}: {}", id, e.getClass().getSimpleName());
            }
        }
        return new Batch(updates, next);
    }

    private Retry retry() {
        return Retry.from(signals -> signals.concatMap(signal -> {
            Throwable e = signal.failure();
            if (e instanceof TelegramException.Conflict) {
                if (!conflicted) {
                    log.error("getUpdates answered 409 Conflict ({}): another instance is polling with this bot token, "
                            + "or a webhook is set. Stop the other instance or use webhook mode (deleteWebhook to poll). "
                            + "Not ready; retrying every {}.", ((TelegramException) e).description(), config.maxBackoff());
                }
                conflicted = true;
                return Mono.delay(config.maxBackoff(), config.timer());
            }
            if (e instanceof TelegramException.Unauthorized u) {
                client.refused(u); // one clear line, then getMe is probed; polling waits for it
                return client.whenAccessible().thenReturn(0L);
            }
            if (e instanceof TelegramException.RetryAfter r) {
                log.warn("getUpdates rate limited, waiting {}", r.retryAfter());
                return Mono.delay(r.retryAfter(), config.timer());
            }
            if (e instanceof TelegramException.Transient) {
                long n = Math.min(signal.totalRetriesInARow(), 30);
                Duration wait = config.minBackoff().multipliedBy(1L << Math.min(n, 20));
                wait = wait.compareTo(config.maxBackoff()) > 0 ? config.maxBackoff() : wait;
                log.warn("getUpdates failed ({}), retrying in {}", e.getMessage(), wait);
                return Mono.delay(wait, config.timer());
            }
            return Mono.error(e);
        }));
    }

    /** True while getUpdates keeps meeting 409 Conflict. */
    boolean conflicted() {
        return conflicted;
    }

    private record Batch(List<Update> updates, long nextOffset) {
    }
}
