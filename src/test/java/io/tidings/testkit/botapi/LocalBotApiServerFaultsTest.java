package io.tidings.testkit.botapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pengrad.telegrambot.TelegramBot;
import com.pengrad.telegrambot.model.request.InlineKeyboardButton;
import com.pengrad.telegrambot.model.request.InlineKeyboardMarkup;
import com.pengrad.telegrambot.request.EditMessageReplyMarkup;
import com.pengrad.telegrambot.request.GetMe;
import com.pengrad.telegrambot.request.SendMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The stand-in's faults, as the real pengrad client meets them, and its answers under concurrent edits. */
class LocalBotApiServerFaultsTest {

    static final String TOKEN = "123456:TEST-token_abcdefghijklmnop";

    LocalBotApiServer server;
    OkHttpClient http;
    TelegramBot bot;

    @BeforeEach
    void start() {
        server = LocalBotApiServer.start(TOKEN);
        http = new OkHttpClient.Builder().readTimeout(2, TimeUnit.SECONDS).retryOnConnectionFailure(false).build();
        bot = new TelegramBot.Builder(TOKEN).apiUrl(server.apiUrl()).okHttpClient(http).build();
    }

    @AfterEach
    void stop() {
        bot.shutdown();
        server.close();
    }

    @Test
    void handledThenServerErrorSendsTheMessageButAnswers500() {
        server.faults().next("sendMessage", Fault.handledThenServerError(), 1);
        var response = bot.execute(new SendMessage(42L, "hello"));
        assertThat(response.isOk()).isFalse();
        assertThat(response.errorCode()).isEqualTo(500);
        assertThat(server.sentTo(42L)).extracting(SentMessage::text).containsExactly("hello");
    }

    @Test
    void handledThenDroppedSendsTheMessageAndClosesTheConnection() {
        server.faults().next("sendMessage", Fault.handledThenDropped(), 1);
        assertThatThrownBy(() -> bot.execute(new SendMessage(42L, "hello"))).hasCauseInstanceOf(java.io.IOException.class);
        assertThat(server.sentTo(42L)).extracting(SentMessage::text).containsExactly("hello");
        assertThat(bot.execute(new SendMessage(42L, "again")).isOk()).isTrue();
    }

    @Test
    void handledThenSilenceIsAReadTimeoutAfterTheMessageWentOut() {
        server.faults().next("sendMessage", Fault.handledThenSilence(Duration.ofSeconds(5)), 1);
        assertThatThrownBy(() -> bot.execute(new SendMessage(42L, "hello")))
                .hasCauseInstanceOf(java.net.SocketTimeoutException.class);
        assertThat(server.sentTo(42L)).extracting(SentMessage::text).containsExactly("hello");
    }

    @Test
    void droppedBeforeHandlingSendsNothing() {
        server.faults().next("sendMessage", Fault.dropped(), 1);
        assertThatThrownBy(() -> bot.execute(new SendMessage(42L, "hello"))).hasCauseInstanceOf(java.io.IOException.class);
        assertThat(server.sentTo(42L)).isEmpty();
    }

    @Test
    void closeAfterEveryResponseAnswersEveryCallOnAFreshConnection() {
        server.closeAfterEveryResponse(true);
        for (int i = 0; i < 20; i++) {
            assertThat(bot.execute(new GetMe()).isOk()).isTrue();
        }
        assertThat(server.calls("getMe")).hasSize(20).allSatisfy(c -> assertThat(c.status()).isEqualTo(200));
    }

    @Test
    void unauthorizedForAWhileThenWorksAgain() throws Exception {
        server.faults().unauthorizedFor(Duration.ofMillis(300));
        assertThat(bot.execute(new GetMe()).errorCode()).isEqualTo(401);
        assertThat(bot.execute(new SendMessage(1L, "x")).errorCode()).isEqualTo(401);
        Thread.sleep(400);
        assertThat(bot.execute(new GetMe()).isOk()).isTrue();
    }

    @Test
    void editsWhileSendingNeverBreakAnAnswer() {
        // a reader's button press edits a stored message while the bot sends more: the answers must all be whole
        TelegramBot bot = new TelegramBot.Builder(TOKEN).apiUrl(server.apiUrl())
                .okHttpClient(http.newBuilder().readTimeout(30, TimeUnit.SECONDS).build()).build();
        var keyboard = new InlineKeyboardMarkup(new InlineKeyboardButton("a").callbackData("a"));
        int first = bot.execute(new SendMessage(7L, "m").replyMarkup(keyboard)).message().messageId();
        List<CompletableFuture<Boolean>> all = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            int n = i;
            all.add(CompletableFuture.supplyAsync(() -> bot.execute(new SendMessage(7L, "s" + n).replyMarkup(keyboard)).isOk()));
            all.add(CompletableFuture.supplyAsync(() -> bot.execute(new EditMessageReplyMarkup(7L, first)
                    .replyMarkup(new InlineKeyboardMarkup(new InlineKeyboardButton("b" + n).callbackData("b" + n)))).isOk()));
            server.pushCallbackQuery(7L, first, "x");
        }
        assertThat(all).allSatisfy(f -> assertThat(f.join()).isTrue());
        assertThat(server.calls()).noneSatisfy(c -> assertThat(c.status()).isEqualTo(500));
    }
}
