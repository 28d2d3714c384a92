package io.tidings.app;

import com.pengrad.telegrambot.model.Update;
import com.pengrad.telegrambot.request.SetWebhook;
import io.tidings.bot.BotHandler;
import io.tidings.ingest.ChannelPostUpdates;
import io.tidings.telegram.TelegramClient;
import io.tidings.telegram.TelegramException;
import io.tidings.web.UpdateInbox;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * Where updates go: channel posts (channels where the bot is an admin) to ingest, everything else to the bot;
 * and the two ways they arrive, long polling and a webhook registered with Telegram.
 */
final class UpdateRouter {

    private static final Logger log = LoggerFactory.getLogger(UpdateRouter.class);

    private final ChannelPostUpdates channelPosts;
    private final BotHandler bot;

    UpdateRouter(ChannelPostUpdates channelPosts, BotHandler bot) {
        this.channelPosts = channelPosts;
        this.bot = bot;
    }

    Mono<Void> handle(Update u) {
        if (u.channelPost() != null) return channelPosts.accept(u.channelPost(), false);
        if (u.editedChannelPost() != null) return channelPosts.accept(u.editedChannelPost(), true);
        return bot.handle(u);
    }

    /** Attempts at an update that arrived by long polling: a failure (a database blip, say) is tried again. */
    static final int POLL_ATTEMPTS = 3;

    /**
     * Long polling (one replica): each update handled; one that fails is tried again (up to {@link #POLL_ATTEMPTS}
     * times, a second or two apart; a hung one, after its minute, is not), then set aside in {@code inbox} with its
     * error, counted, and its sender asked to try again.
     */
    Disposable poll(TelegramClient telegram, UpdateInbox inbox) {
        // a batch is handled before the next getUpdates confirms its offset: a crash mid-batch loses no update
        return telegram.updateBatches(Duration.ofSeconds(25))
                .concatMap(batch -> reactor.core.publisher.Flux.fromIterable(batch)
                        .flatMap(u -> attempt(u, inbox), 64).then(), 0)
                .subscribe(null, e -> {
                    if (e instanceof TelegramException.Conflict) {
                        log.error("long polling stopped: another instance polls this bot token, or a webhook is set. "
                                + "One replica may poll; to run several set WEBHOOK_URL and WEBHOOK_SECRET on all of them.");
                    } else {
                        log.error("the update loop stopped: {}", e.toString());
                    }
                });
    }

    private Mono<Void> attempt(Update u, UpdateInbox inbox) {
        int[] attempts = {0};
        return Mono.defer(() -> {
                    attempts[0]++;
                    return handle(u).timeout(Duration.ofSeconds(60));
                })
                .retryWhen(reactor.util.retry.Retry.backoff(POLL_ATTEMPTS - 1, Duration.ofSeconds(1))
                        .filter(e -> !(e instanceof java.util.concurrent.TimeoutException))
                        .doBeforeRetry(r -> log.info("update {} failed, trying again: {}", u.updateId(), r.failure().toString()))
                        .onRetryExhaustedThrow((spec, r) -> r.failure()))
                .onErrorResume(e -> {
                    log.warn("update {} not handled after {} attempts, set aside: {}", u.updateId(), attempts[0], e.toString());
                    return inbox.giveUp(u, attempts[0], e);
                });
    }

    /**
     * setWebhook with our URL, secret, update kinds and connection cap; the same call from every replica is harmless.
     * In the background, retried until it works: start-up never depends on Telegram being up.
     */
    static Disposable registerWebhook(TelegramClient telegram, Config.ScaleOut scale) {
        return Mono.defer(() -> telegram.whenAccessible().then(telegram.execute(new SetWebhook().url(scale.webhookUrl())
                        .secretToken(scale.webhookSecret())
                        .allowedUpdates("message", "edited_message", "callback_query", "channel_post", "edited_channel_post")
                        .maxConnections(scale.webhookMaxConnections()))))
                .timeout(Duration.ofSeconds(30))
                .retryWhen(reactor.util.retry.Retry.backoff(Long.MAX_VALUE, Duration.ofSeconds(1)).maxBackoff(Duration.ofMinutes(1))
                        .doBeforeRetry(r -> log.warn("webhook not registered yet, retrying: {}", r.failure().toString())))
                .subscribe(ok -> log.info("webhook registered on {} (max {} connections)", scale.webhookPath(),
                        scale.webhookMaxConnections()));
    }
}
