package io.tidings.telegram;

import static io.tidings.telegram.TelegramClientTest.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import com.pengrad.telegrambot.request.GetMe;
import com.pengrad.telegrambot.request.SendMessage;
import io.tidings.testkit.botapi.Fault;
import io.tidings.testkit.botapi.LocalBotApiServer;
import io.tidings.testkit.botapi.RecordedCall;
import io.tidings.testkit.botapi.SentMessage;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/**
 * How the client tells a send that never left from one that may have reached Telegram, against the stand-in's
 * faults through the real pengrad client; and how a refused token pauses every call until getMe works again.
 */
class TelegramFaultsTest {

    static final String TOKEN = "123456:TEST-token_abcdefghijklmnop";
    static final Duration WAIT = Duration.ofSeconds(15);

    LocalBotApiServer server;
    TelegramClient client;

    @BeforeEach
    void start() {
        server = LocalBotApiServer.start(TOKEN);
        // a chat takes a message every 50 ms here instead of Telegram's second (ChatPaceTest and DeliveryE2eTest test that pace)
        client = TelegramClient.create(TelegramClientConfig.custom(TOKEN).apiUrl(server.apiUrl()).chatGap(Duration.ofMillis(50))
                .readTimeout(Duration.ofSeconds(1)).backoff(Duration.ofMillis(50), Duration.ofMillis(200)).build());
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    private void expectUnknownAndSentOnce(Fault fault) {
        server.faults().next("sendMessage", fault, 1);
        StepVerifier.create(client.execute(new SendMessage(42L, "hello")))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(TelegramException.OutcomeUnknown.class)
                        .hasMessageNotContaining(TOKEN))
                .verify(WAIT);
        assertThat(server.sentTo(42L)).extracting(SentMessage::text).containsExactly("hello");
        assertThat(server.calls("sendMessage")).hasSize(1);
    }

    @Test
    void aSendAnswered500AfterItWentOutIsUnknownAndNotRepeated() {
        expectUnknownAndSentOnce(Fault.handledThenServerError());
    }

    @Test
    void aSendWhoseConnectionDroppedAfterItWentOutIsUnknownAndNotRepeated() {
        expectUnknownAndSentOnce(Fault.handledThenDropped());
    }

    @Test
    void aSendThatTimedOutAfterItWentOutIsUnknownAndNotRepeated() {
        expectUnknownAndSentOnce(Fault.handledThenSilence(Duration.ofSeconds(3)));
    }

    @Test
    void aPooledConnectionTheServerClosedWhileIdleCostsNeitherAMessageNorADuplicate() throws Exception {
        server.closeIdleConnectionsAfter(Duration.ofMillis(50));
        for (int i = 0; i < 10; i++) {
            client.execute(new SendMessage(42L, "m" + i)).block(WAIT);
            client.execute(new GetMe()).block(WAIT);
            Thread.sleep(200); // the server closes the idle connection meanwhile, without a word
        }
        assertThat(server.sentTo(42L)).extracting(SentMessage::text)
                .containsExactly("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9");
    }

    @Test
    void aServerThatClosesAfterEveryResponseIsServedWithoutErrors() {
        server.closeAfterEveryResponse(true);
        for (int i = 0; i < 10; i++) {
            client.execute(new SendMessage(42L, "m" + i)).block(WAIT);
            client.execute(new GetMe()).block(WAIT);
        }
        assertThat(server.sentTo(42L)).hasSize(10);
        assertThat(server.calls()).allSatisfy(c -> assertThat(c.status()).isEqualTo(200));
    }

    @Test
    void aRefusedServerIsTransientSinceNothingLeft() {
        server.close();
        StepVerifier.create(client.execute(new SendMessage(1L, "x")))
                .expectError(TelegramException.Transient.class)
                .verify(WAIT);
    }

    @Test
    void aRevokedTokenPausesEveryCallUntilGetMeWorksAgain() {
        server.faults().unauthorizedFor(Duration.ofMillis(800));
        StepVerifier.create(client.execute(new SendMessage(1L, "x")))
                .expectError(TelegramException.Unauthorized.class)
                .verify(WAIT);
        assertThat(client.accessible()).isFalse();
        StepVerifier.create(client.execute(new SendMessage(1L, "y")))
                .expectError(TelegramException.Unauthorized.class)
                .verify(WAIT);
        assertThat(server.calls("sendMessage")).as("nothing sent while paused").hasSize(1);

        StepVerifier.create(client.whenAccessible()).expectComplete().verify(WAIT);
        assertThat(client.accessible()).isTrue();
        assertThat(server.calls("getMe")).extracting(RecordedCall::status).contains(401).endsWith(200);
        assertThat(client.execute(new SendMessage(1L, "z")).block(WAIT).message().text()).isEqualTo("z");
    }

    @Test
    void longPollingWaitsOutARevokedTokenAndResumesByItself() {
        server.faults().unauthorizedFor(Duration.ofMillis(800));
        server.pushMessage(5L, "hello", "en");
        StepVerifier.create(client.updates(Duration.ofSeconds(1)))
                .assertNext(u -> assertThat(u.message().text()).isEqualTo("hello"))
                .thenCancel()
                .verify(WAIT);
        assertThat(server.calls("getUpdates")).extracting(RecordedCall::status).startsWith(401).endsWith(200);
        assertThat(client.accessible()).isTrue();
    }

    @Test
    void aNotFoundApiUrlIsTreatedLikeARevokedToken() {
        try (TelegramClient wrongUrl = TelegramClient.create(TelegramClientConfig.custom(TOKEN)
                .apiUrl("http://127.0.0.1:" + server.port() + "/nobot").backoff(Duration.ofMillis(50), Duration.ofMillis(100)).build())) {
            StepVerifier.create(wrongUrl.execute(new GetMe()))
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(TelegramException.Unauthorized.class)
                            .extracting(t -> ((TelegramException) t).errorCode()).isEqualTo(404))
                    .verify(WAIT);
            assertThat(wrongUrl.accessible()).isFalse();
        }
    }
}
