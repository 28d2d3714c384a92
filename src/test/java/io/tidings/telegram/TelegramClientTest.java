package io.tidings.telegram;

import static org.assertj.core.api.Assertions.assertThat;

import com.pengrad.telegrambot.model.Update;
import com.pengrad.telegrambot.model.request.InlineKeyboardButton;
import com.pengrad.telegrambot.model.request.InlineKeyboardMarkup;
import com.pengrad.telegrambot.request.SendMessage;
import com.pengrad.telegrambot.request.SetWebhook;
import io.tidings.testkit.botapi.Fault;
import io.tidings.testkit.botapi.LocalBotApiServer;
import io.tidings.testkit.botapi.RecordedCall;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** The reactive client against the local Bot API server on loopback, through the real pengrad client. */
class TelegramClientTest {

    static final String TOKEN = "123456:TEST-token_abcdefghijklmnop";
    static final Duration WAIT = Duration.ofSeconds(15);

    LocalBotApiServer server;
    TelegramClient client;

    @BeforeEach
    void start() {
        server = LocalBotApiServer.start(TOKEN);
        // a chat takes a message every 50 ms here instead of Telegram's second (ChatPaceTest and DeliveryE2eTest test that pace)
        client = TelegramClient.create(TelegramClientConfig.custom(TOKEN).apiUrl(server.apiUrl()).chatGap(Duration.ofMillis(50))
                .backoff(Duration.ofMillis(10), Duration.ofMillis(50)).build());
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    @Test
    void sendMessageReturnsTheParsedMessageWithButtons() {
        var keyboard = new InlineKeyboardMarkup(new InlineKeyboardButton("👍").callbackData("up"));
        StepVerifier.create(client.execute(new SendMessage(42L, "post").replyMarkup(keyboard)))
                .assertNext(r -> {
                    assertThat(r.message().text()).isEqualTo("post");
                    assertThat(r.message().replyMarkup().inlineKeyboard()[0][0].callbackData()).isEqualTo("up");
                })
                .expectComplete()
                .verify(WAIT);
        assertThat(server.calls("sendMessage")).extracting(RecordedCall::chatId).containsExactly(42L);
    }

    @Test
    void tooManyRequestsBecomesRetryAfterWithTelegramsDuration() {
        server.faults().next("sendMessage", Fault.tooManyRequests(7), 1);
        StepVerifier.create(client.execute(new SendMessage(1L, "x")))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(TelegramException.RetryAfter.class);
                    assertThat(((TelegramException.RetryAfter) e).retryAfter()).isEqualTo(Duration.ofSeconds(7));
                    assertThat(((TelegramException) e).isRetryable()).isTrue();
                })
                .verify(WAIT);
        // only the next call was faulted
        StepVerifier.create(client.execute(new SendMessage(1L, "x"))).expectNextCount(1).expectComplete().verify(WAIT);
    }

    @Test
    void blockedReaderIsUnreachable() {
        server.faults().forChat(9L, Fault.blocked());
        StepVerifier.create(client.execute(new SendMessage(9L, "x")))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(TelegramException.Unreachable.class)
                        .hasMessageContaining("403 Forbidden: bot was blocked by the user"))
                .verify(WAIT);
    }

    @Test
    void chatNotFoundIsUnreachable() {
        server.faults().forChat(10L, Fault.chatNotFound());
        StepVerifier.create(client.execute(new SendMessage(10L, "x")))
                .expectError(TelegramException.Unreachable.class)
                .verify(WAIT);
    }

    @Test
    void serverErrorOnASendIsAnUnknownOutcomeAndOnAReadIsTransient() {
        server.faults().next("sendMessage", Fault.serverError(), 1);
        StepVerifier.create(client.execute(new SendMessage(1L, "x")))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(TelegramException.OutcomeUnknown.class)
                        .extracting(t -> ((TelegramException) t).errorCode()).isEqualTo(500))
                .verify(WAIT);
        server.faults().next("getMe", Fault.serverError(), 1);
        StepVerifier.create(client.execute(new com.pengrad.telegrambot.request.GetMe()))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(TelegramException.Transient.class))
                .verify(WAIT);
    }

    @Test
    void overLongTextIsABadRequestThatIsNotRetryable() {
        StepVerifier.create(client.execute(new SendMessage(1L, "x".repeat(4097))))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(TelegramException.BadRequest.class)
                            .hasMessageContaining("message is too long");
                    assertThat(((TelegramException) e).isRetryable()).isFalse();
                })
                .verify(WAIT);
    }

    @Test
    void wrongTokenIsUnauthorizedAndNeverShowsTheToken() {
        String wrong = "999999:WRONG-secret_zyxwvutsrqponm";
        try (TelegramClient stranger = TelegramClient.create(TelegramClientConfig.custom(wrong).apiUrl(server.apiUrl()).build())) {
            StepVerifier.create(stranger.execute(new SendMessage(1L, "x")))
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(TelegramException.Unauthorized.class)
                            .hasMessageNotContaining(wrong).hasMessageContaining("401"))
                    .verify(WAIT);
        }
    }

    @Test
    void ioFailuresAreTransientAndTheTokenIsRedactedFromThem() {
        var leaky = new IOException("unexpected end of stream on " + server.apiUrl() + TOKEN + "/sendMessage");
        TelegramException e = client.ioFailure("sendMessage", leaky);
        assertThat(e).isInstanceOf(TelegramException.Transient.class);
        assertThat(e.getMessage()).doesNotContain(TOKEN).doesNotContain("TEST-token").contains("<token>");
        assertThat(e.getCause().getMessage()).doesNotContain(TOKEN);
        assertThat(TelegramClientConfig.custom(TOKEN).build().toString()).doesNotContain(TOKEN);
    }

    @Test
    void unreachableServerIsTransient() {
        server.close();
        StepVerifier.create(client.execute(new SendMessage(1L, "x")))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(TelegramException.Transient.class)
                        .hasMessageNotContaining(TOKEN))
                .verify(WAIT);
    }

    @Test
    void longPollingDeliversPushedMessagesAndCallbacksOnceInOrder() {
        int sent = client.execute(new SendMessage(42L, "post")).block(WAIT).message().messageId();
        int start = server.pushMessage(42L, "/start", "en");
        StepVerifier.create(client.updates(Duration.ofSeconds(5)))
                .assertNext(u -> assertThat(u.message().text()).isEqualTo("/start"))
                .then(() -> server.pushCallbackQuery(42L, sent, "v:up"))
                .assertNext(u -> {
                    assertThat(u.callbackQuery().data()).isEqualTo("v:up");
                    assertThat(u.callbackQuery().maybeInaccessibleMessage().messageId()).isEqualTo(sent);
                })
                .thenCancel()
                .verify(WAIT);
        // the second batch was fetched with offset = start + 1, confirming the first update
        assertThat(server.calls("getUpdates")).extracting(c -> c.param("offset")).contains(String.valueOf(start + 1));
    }

    @Test
    void longPollingSkipsAMalformedUpdateAndGoesOn() {
        server.pushUpdate("{\"message\": \"not an object\"}");
        server.pushMessage(3L, "after the bad one", null);
        StepVerifier.create(client.updates(Duration.ofSeconds(5)).map(Update::message))
                .assertNext(m -> assertThat(m.text()).isEqualTo("after the bad one"))
                .thenCancel()
                .verify(WAIT);
    }

    @Test
    void longPollingRetriesAfterServerErrorsAndRateLimits() {
        server.faults().next("getUpdates", Fault.serverError(), 2).next("getUpdates", Fault.tooManyRequests(0), 1);
        server.pushMessage(3L, "hello", null);
        StepVerifier.create(client.updates(Duration.ofSeconds(5)))
                .assertNext(u -> assertThat(u.message().text()).isEqualTo("hello"))
                .thenCancel()
                .verify(WAIT);
        assertThat(server.calls("getUpdates")).extracting(RecordedCall::status).startsWith(500, 500, 429, 200);
    }

    @Test
    void longPollingBacksOffOnConflictIsNotReadyMeanwhileAndResumesWhenItEnds() {
        client.execute(new SetWebhook().url("https://example.org/hook")).block(WAIT);
        int id = server.pushMessage(5L, "hello", "en"); // POSTed to the (unreachable) webhook, not polled
        StepVerifier.create(client.updates(Duration.ofSeconds(1)))
                .then(() -> awaitTrue(() -> server.calls("getUpdates").size() >= 2))
                .then(() -> assertThat(client.polling()).isFalse())
                .then(() -> client.execute(new com.pengrad.telegrambot.request.DeleteWebhook()).block(WAIT))
                .then(() -> server.pushMessage(5L, "again", "en"))
                .assertNext(u -> assertThat(u.message().text()).isEqualTo("again"))
                .thenCancel()
                .verify(WAIT);
        assertThat(client.polling()).isTrue();
        assertThat(server.calls("getUpdates")).extracting(RecordedCall::status).startsWith(409, 409).endsWith(200);
        assertThat(id).isPositive();
    }

    static void awaitTrue(java.util.function.BooleanSupplier condition) {
        long end = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("condition not met in " + WAIT);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void longPollingFetchesOnlyWhenDownstreamAsks() {
        server.pushMessage(3L, "one", null);
        server.pushMessage(3L, "two", null);
        try (TelegramClient onePerBatch = TelegramClient.create(TelegramClientConfig.custom(TOKEN)
                .apiUrl(server.apiUrl()).updatesLimit(1).build())) {
            StepVerifier.create(onePerBatch.updates(Duration.ofSeconds(5)), 1)
                    .assertNext(u -> assertThat(u.message().text()).isEqualTo("one"))
                    .expectNoEvent(Duration.ofMillis(300))
                    .thenRequest(1)
                    .assertNext(u -> assertThat(u.message().text()).isEqualTo("two"))
                    .thenCancel()
                    .verify(WAIT);
        }
        // a prefetching loop would have fetched "two" (answered at once) before it was requested
        assertThat(server.calls("getUpdates")).extracting(c -> c.param("offset")).startsWith("0", "2");
        assertThat(server.calls("getUpdates")).hasSize(2);
    }

    @Test
    void anUpdateWhoseHandlingNeverFinishedIsSeenAgainByTheNextPoller() {
        int id = server.pushMessage(7L, "handled by a replica that dies", "en");
        java.util.concurrent.atomic.AtomicInteger seen = new java.util.concurrent.atomic.AtomicInteger();
        // as UpdateRouter.poll: a batch is handled before the next one (which confirms it) is fetched
        reactor.core.Disposable crashed = client.updateBatches(Duration.ofSeconds(1))
                .concatMap(batch -> reactor.core.publisher.Mono.fromRunnable(seen::incrementAndGet)
                        .then(reactor.core.publisher.Mono.never()), 0) // stuck mid-handling …
                .subscribe();
        awaitTrue(() -> seen.get() == 1);
        crashed.dispose(); // … and then the replica dies
        assertThat(server.pendingUpdates()).as("not confirmed to Telegram; getUpdates calls: %s",
                server.calls("getUpdates").stream().map(c -> c.param("offset") + "/" + c.status()).toList()).isEqualTo(1);

        try (TelegramClient restarted = TelegramClient.create(TelegramClientConfig.custom(TOKEN).apiUrl(server.apiUrl()).build())) {
            java.util.List<Integer> handled = new java.util.concurrent.CopyOnWriteArrayList<>();
            reactor.core.Disposable polling = restarted.updateBatches(Duration.ofSeconds(1))
                    .concatMap(batch -> reactor.core.publisher.Mono.fromRunnable(() -> batch.forEach(u -> handled.add(u.updateId()))), 0)
                    .subscribe();
            try {
                awaitTrue(() -> handled.contains(id));
                // handled, so the next getUpdates confirms it
                awaitTrue(() -> server.pendingUpdates() == 0);
                assertThat(handled).containsExactly(id);
            } finally {
                polling.dispose();
            }
        }
    }
}
