package io.tidings.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.pengrad.telegrambot.TelegramBot;
import com.pengrad.telegrambot.model.request.InlineKeyboardButton;
import com.pengrad.telegrambot.model.request.InlineKeyboardMarkup;
import com.pengrad.telegrambot.request.GetUpdates;
import com.pengrad.telegrambot.request.SendMessage;
import com.pengrad.telegrambot.request.SetWebhook;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * {@code tidings stand-ins} as a script uses it: readers /start and press buttons through the control API, what they
 * received is listed and counted (a post twice in one chat is a duplicate), and the webhook "Service" passes updates
 * to a replica that answers, past one that refuses connections and one that is draining (503).
 */
class StandInsTest {

    private static final String TOKEN = "777:stand-ins-test";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final OkHttpClient okHttp = new OkHttpClient.Builder().readTimeout(20, TimeUnit.SECONDS).build();
    private StandIns standIns;
    private final List<DisposableServer> replicas = new java.util.ArrayList<>();

    @AfterEach
    void stop() {
        replicas.forEach(DisposableServer::disposeNow);
        if (standIns != null) standIns.close();
    }

    @Test
    void readersStartAndPressThroughTheControlApiAndWhatTheyReceivedIsCounted() throws Exception {
        standIns = StandIns.start(StandIns.Options.parse(List.of("--token", TOKEN, "--posts", "3")));
        String control = standIns.settings().get("CONTROL_URL");
        assertThat(standIns.settings()).containsKeys("TELEGRAM_API_URL", "TME_BASE_URL", "CHANNELS").doesNotContainKey("WEBHOOK_URL");

        assertThat(post(control + "/start?from=1001&count=3").body()).contains("\"started\":3");
        TelegramBot bot = new TelegramBot.Builder(TOKEN).apiUrl(standIns.settings().get("TELEGRAM_API_URL")).okHttpClient(okHttp).build();
        try {
            assertThat(bot.execute(new GetUpdates().timeout(0)).updates()).extracting(u -> u.message().text())
                    .containsExactly("/start", "/start", "/start");
            // the bot sends reader 1001 a greeting, a post, and the same post again; reader 1002 one post
            bot.execute(new SendMessage(1001L, "Welcome!"));
            bot.execute(new SendMessage(1001L, postText("demo_chess", 7)).replyMarkup(buttons("p7")));
            bot.execute(new SendMessage(1001L, postText("demo_chess", 7)).replyMarkup(buttons("p7b")));
            bot.execute(new SendMessage(1002L, postText("demo_jazz", 2)).replyMarkup(buttons("p2")));

            assertThat(get(control + "/summary")).contains("\"chats\":3", "\"chats_with_posts\":2", "\"messages\":4",
                    "\"posts\":3", "\"duplicates\":1");
            assertThat(get(control + "/sent").lines()).hasSize(4)
                    .anySatisfy(l -> assertThat(l).contains("\"chat\":1002", "\"post\":\"https://t.me/demo_jazz/2\""));

            // 1001 presses 👍 on their newest post, 1002 too; 1003 has no post to press
            assertThat(post(control + "/press?from=1001&count=3&button=like").body()).contains("\"pressed\":2", "\"missing\":1");
            assertThat(bot.execute(new GetUpdates().offset(4).timeout(0)).updates())
                    .extracting(u -> u.callbackQuery().data()).containsExactly("like:p7b", "like:p2");
            assertThat(post(control + "/press?from=1&count=1&button=sideways").statusCode()).isEqualTo(400);
        } finally {
            bot.shutdown();
        }
    }

    @Test
    void theWebhookServiceSkipsReplicasThatRefuseOrDrain() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        int refusing = freePort();
        DisposableServer draining = replica(503, received);
        DisposableServer healthy = replica(200, received);
        standIns = StandIns.start(StandIns.Options.parse(List.of("--token", TOKEN, "--posts", "1", "--webhook-backends",
                refusing + "," + draining.port() + "," + healthy.port())));
        String webhook = standIns.settings().get("WEBHOOK_URL");
        TelegramBot bot = new TelegramBot.Builder(TOKEN).apiUrl(standIns.settings().get("TELEGRAM_API_URL")).okHttpClient(okHttp).build();
        try {
            assertThat(bot.execute(new SetWebhook().url(webhook).secretToken("s3cret")).isOk()).isTrue();
        } finally {
            bot.shutdown();
        }

        post(standIns.settings().get("CONTROL_URL") + "/start?from=1&count=4");

        awaitTrue(() -> standIns.botApi().pendingWebhookDeliveries() == 0);
        assertThat(received).filteredOn(r -> r.startsWith("200 ")).hasSize(4)
                .allSatisfy(r -> assertThat(r).contains("secret=s3cret", "/telegram/webhook", "\"text\":\"/start\""));
        assertThat(standIns.botApi().webhookAttempts()).hasSize(4).allSatisfy(a -> assertThat(a.status()).isEqualTo(200));
    }

    private DisposableServer replica(int status, List<String> received) {
        DisposableServer s = HttpServer.create().host("127.0.0.1").port(0)
                .handle((req, res) -> req.receive().aggregate().asString().defaultIfEmpty("").flatMap(body -> {
                    received.add(status + " " + req.uri() + " secret=" + req.requestHeaders().get("X-Telegram-Bot-Api-Secret-Token")
                            + " " + body);
                    return res.status(status).send().then();
                }))
                .bindNow(Duration.ofSeconds(10));
        replicas.add(s);
        return s;
    }

    private static String postText(String channel, int id) {
        return "<b><a href=\"https://t.me/" + channel + "/" + id + "\">" + channel + "</a></b>\nsome news";
    }

    private static InlineKeyboardMarkup buttons(String post) {
        return new InlineKeyboardMarkup(new InlineKeyboardButton("👍").callbackData("like:" + post),
                new InlineKeyboardButton("👎").callbackData("dislike:" + post));
    }

    private HttpResponse<String> post(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void awaitTrue(BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!done.getAsBoolean() && System.nanoTime() < deadline) Thread.sleep(50);
        assertThat(done.getAsBoolean()).as("done within 30 s").isTrue();
    }
}
