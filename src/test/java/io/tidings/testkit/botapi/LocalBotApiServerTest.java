package io.tidings.testkit.botapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.pengrad.telegrambot.TelegramBot;
import com.pengrad.telegrambot.model.Update;
import com.pengrad.telegrambot.model.request.InlineKeyboardButton;
import com.pengrad.telegrambot.model.request.InlineKeyboardMarkup;
import com.pengrad.telegrambot.request.GetMe;
import com.pengrad.telegrambot.request.GetUpdates;
import com.pengrad.telegrambot.request.SendMessage;
import com.pengrad.telegrambot.request.SendPhoto;
import com.pengrad.telegrambot.response.GetUpdatesResponse;
import com.pengrad.telegrambot.response.SendResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** Drives the local server with the real, synchronous pengrad client from the test thread. */
class LocalBotApiServerTest {

    static final String TOKEN = "123456:TEST-token_abcdefghijklmnop";

    LocalBotApiServer server;
    OkHttpClient http;
    TelegramBot bot;

    @BeforeEach
    void start() {
        server = LocalBotApiServer.start(TOKEN);
        http = new OkHttpClient.Builder().readTimeout(20, TimeUnit.SECONDS).build();
        bot = new TelegramBot.Builder(TOKEN).apiUrl(server.apiUrl()).okHttpClient(http).build();
    }

    @AfterEach
    void stop() {
        bot.shutdown();
        server.close();
    }

    @Test
    void sentMessageComesBackAsAMessageWithItsInlineKeyboard() {
        InlineKeyboardMarkup keyboard = new InlineKeyboardMarkup(
                new InlineKeyboardButton("👍").callbackData("v:1:up"),
                new InlineKeyboardButton("👎").callbackData("v:1:down"));

        SendResponse first = bot.execute(new SendMessage(42L, "hello <b>reader</b>").replyMarkup(keyboard));
        SendResponse second = bot.execute(new SendMessage(42L, "again"));

        assertThat(first.isOk()).isTrue();
        assertThat(first.message().text()).isEqualTo("hello <b>reader</b>");
        assertThat(first.message().chat().id()).isEqualTo(42L);
        assertThat(first.message().from().id()).isEqualTo(123456L);
        assertThat(first.message().from().isBot()).isTrue();
        assertThat(first.message().replyMarkup().inlineKeyboard()[0])
                .extracting(InlineKeyboardButton::callbackData).containsExactly("v:1:up", "v:1:down");
        assertThat(second.message().messageId()).isGreaterThan(first.message().messageId());

        List<SentMessage> seen = server.sentTo(42L);
        assertThat(seen).hasSize(2);
        assertThat(seen.get(0).buttons()).extracting(SentMessage.Button::callbackData).containsExactly("v:1:up", "v:1:down");
        assertThat(seen.get(0).button("👎").callbackData()).isEqualTo("v:1:down");
    }

    @Test
    void simulatedReaderSeesPhotosAsTheyAreSent() {
        StepVerifier.create(server.sent().take(1))
                .then(() -> CompletableFuture.runAsync(() ->
                        bot.execute(new SendPhoto(7L, "https://cdn.example/p.jpg").caption("a cat"))))
                .assertNext(m -> {
                    assertThat(m.chatId()).isEqualTo(7L);
                    assertThat(m.method()).isEqualTo("sendPhoto");
                    assertThat(m.caption()).isEqualTo("a cat");
                    assertThat(m.photoUrls()).containsExactly("https://cdn.example/p.jpg");
                })
                .expectComplete()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void longPollWaitsForAPushedCommandAndOffsetConfirmsIt() {
        CompletableFuture<GetUpdatesResponse> poll =
                CompletableFuture.supplyAsync(() -> bot.execute(new GetUpdates().timeout(10)));
        // whether the push lands before or while the poll is parked, the poll must return it
        int id = server.pushMessage(42L, "/start", "ru");

        List<Update> updates = poll.join().updates();
        assertThat(updates).hasSize(1);
        Update u = updates.get(0);
        assertThat(u.updateId()).isEqualTo(id);
        assertThat(u.message().text()).isEqualTo("/start");
        assertThat(u.message().from().languageCode()).isEqualTo("ru");
        assertThat(u.message().chat().id()).isEqualTo(42L);
        assertThat(u.message().entities()[0].type().name()).isEqualTo("bot_command");

        int next = server.pushMessage(42L, "hi", "ru");
        List<Update> after = bot.execute(new GetUpdates().offset(id + 1)).updates();
        assertThat(after).extracting(Update::updateId).containsExactly(next);
        assertThat(server.pendingUpdates()).isEqualTo(1);
    }

    @Test
    void callbackQueryCarriesTheMessageItWasPressedOn() {
        int messageId = bot.execute(new SendMessage(5L, "post")
                .replyMarkup(new InlineKeyboardMarkup(new InlineKeyboardButton("👍").callbackData("up")))).message().messageId();
        server.pushCallbackQuery(5L, messageId, "up");

        Update u = bot.execute(new GetUpdates()).updates().get(0);
        assertThat(u.callbackQuery().data()).isEqualTo("up");
        assertThat(u.callbackQuery().from().id()).isEqualTo(5L);
        assertThat(u.callbackQuery().maybeInaccessibleMessage().messageId()).isEqualTo(messageId);
        assertThat(bot.execute(new com.pengrad.telegrambot.request.AnswerCallbackQuery(u.callbackQuery().id())).isOk()).isTrue();
        assertThat(bot.execute(new com.pengrad.telegrambot.request.AnswerCallbackQuery("nope")).errorCode()).isEqualTo(400);
    }

    @Test
    void wrongTokenIsUnauthorized() {
        TelegramBot stranger = new TelegramBot.Builder("999:wrong").apiUrl(server.apiUrl()).okHttpClient(http).build();
        var response = stranger.execute(new GetMe());
        assertThat(response.isOk()).isFalse();
        assertThat(response.errorCode()).isEqualTo(401);
        assertThat(response.description()).isEqualTo("Unauthorized");
        assertThat(server.calls("getMe")).extracting(RecordedCall::status).containsExactly(401);
    }

    @Test
    void telegramValidationErrorsAreAnsweredLikeTelegram() {
        assertThat(bot.execute(new SendMessage(1L, "")).description()).isEqualTo("Bad Request: message text is empty");
        assertThat(bot.execute(new SendMessage(1L, "x".repeat(4097))).description()).isEqualTo("Bad Request: message is too long");
        assertThat(bot.execute(new SendPhoto(1L, "https://x/p.jpg").caption("c".repeat(1025))).description())
                .isEqualTo("Bad Request: message caption is too long");
        assertThat(bot.execute(new SendMessage(1L, "t").replyMarkup(new InlineKeyboardMarkup(
                new InlineKeyboardButton("b").callbackData("d".repeat(65))))).description())
                .isEqualTo("Bad Request: BUTTON_DATA_INVALID");
        assertThat(server.sentTo(1L)).isEmpty();
    }

    @Test
    void everyCallIsRecordedWithParamsChatAndStatus() {
        server.faults().forChat(9L, Fault.blocked());
        bot.execute(new SendMessage(8L, "ok"));
        var blocked = bot.execute(new SendMessage(9L, "nope"));

        assertThat(blocked.errorCode()).isEqualTo(403);
        assertThat(blocked.description()).isEqualTo("Forbidden: bot was blocked by the user");
        assertThat(server.calls("sendMessage"))
                .extracting(RecordedCall::chatId, c -> c.param("text"), RecordedCall::status)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(8L, "ok", 200),
                        org.assertj.core.groups.Tuple.tuple(9L, "nope", 403));
        server.clearCalls();
        assertThat(server.calls()).isEmpty();
    }
}
