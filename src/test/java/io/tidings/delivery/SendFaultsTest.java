package io.tidings.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.Await;
import io.tidings.TestDatabase;
import io.tidings.render.CallbackData;
import io.tidings.render.Messages;
import io.tidings.render.PostRenderer;
import io.tidings.store.ChannelRepository;
import io.tidings.store.Database;
import io.tidings.store.DeliveryRepository;
import io.tidings.store.PostRepository;
import io.tidings.store.ReaderRepository;
import io.tidings.telegram.TelegramClient;
import io.tidings.telegram.TelegramClientConfig;
import io.tidings.testkit.botapi.Fault;
import io.tidings.testkit.botapi.LocalBotApiServer;
import io.tidings.testkit.botapi.SentMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;

/**
 * One test per fault class Telegram and the network produce, through the real pengrad client and the real
 * outbox. Each checks the promise as the Bot API server saw it: every (reader, post) at most once, and every
 * delivery ends sent, unknown or failed with a reason; none silently gone.
 */
class SendFaultsTest {

    private static final Duration T = Duration.ofSeconds(30);
    private static final String TOKEN = "123456:faults-token_abcdefgh";
    private static final int READERS = 12;
    private static final Pattern PERMALINK = Pattern.compile("https://t\\.me/[A-Za-z0-9_]+/\\d+");

    private Database db;
    private LocalBotApiServer telegram;
    private TelegramClient client;
    private DeliverySender sender;
    private Disposable sending;
    private long channel;

    @BeforeEach
    void setUp() {
        db = TestDatabase.reset();
        telegram = LocalBotApiServer.start(TOKEN);
        // a chat takes a message every 50 ms here instead of Telegram's second (ChatPaceTest and DeliveryE2eTest test that pace)
        client = TelegramClient.create(TelegramClientConfig.custom(TOKEN).apiUrl(telegram.apiUrl()).chatGap(Duration.ofMillis(50))
                .readTimeout(Duration.ofSeconds(5)).backoff(Duration.ofMillis(50), Duration.ofMillis(200)).build());
        db.sql().update("INSERT INTO readers (id, first_name, language) SELECT g, 'r' || g, 'en' FROM generate_series(1, $1) g",
                READERS).block(T);
        channel = new ChannelRepository(db).ensure("news").block(T).id();
    }

    @AfterEach
    void tearDown() {
        if (sending != null) sending.dispose();
        client.close();
        telegram.close();
    }

    /** Queues {@code posts} text posts for every reader. */
    private void queue(int posts) {
        for (int i = 1; i <= posts; i++) {
            long post = new PostRepository(db).insertIfAbsent(new PostRepository.NewPost(channel, i, Instant.now(), io.tidings.store.PostKind.TEXT,
                    "News " + i, "News " + i, List.of(), 100, null)).block(T).id();
            db.sql().update("INSERT INTO deliveries (reader_id, post_id, reason) SELECT g, $1, 'mailing' FROM generate_series(1, $2) g",
                    post, READERS).block(T);
        }
    }

    private void send() {
        sender = new DeliverySender(new DeliveryRepository(db), new ReaderRepository(db), client,
                new PostRenderer(new CallbackData("key".getBytes()), new Messages()), "faults", 50, Duration.ofMillis(100),
                Duration.ofSeconds(20), Schedulers.parallel());
        sending = sender.start(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }

    private void awaitAllFinished() {
        Await.until("every delivery finished", () -> count("state IN ('queued', 'claimed', 'sending')") == 0, T);
    }

    private long count(String where) {
        return db.sql().one("SELECT count(*) AS n FROM deliveries WHERE " + where, r -> r.get("n", Long.class)).block(T);
    }

    /** The promise, as the server saw it and as the outbox says. */
    private void assertNeverTwiceAndNothingSilentlyLost() {
        for (long reader = 1; reader <= READERS; reader++) {
            Map<String, Integer> seen = new HashMap<>();
            for (SentMessage m : telegram.sentTo(reader)) {
                Matcher link = PERMALINK.matcher(m.textOrCaption() == null ? "" : m.textOrCaption());
                if (link.find()) seen.merge(link.group(), 1, Integer::sum);
            }
            assertThat(seen.values()).as("posts reaching reader %d", reader).allSatisfy(n -> assertThat(n).isEqualTo(1));
        }
        assertThat(count("state NOT IN ('sent', 'unknown', 'failed')")).as("open deliveries").isZero();
        assertThat(count("state = 'failed' AND (error IS NULL OR error = '')")).as("failed without a reason").isZero();
        assertThat(count("state = 'unknown' AND (error IS NULL OR error = '')")).as("unknown without a reason").isZero();
        long delivered = telegram.calls("sendMessage").stream().filter(c -> c.chatId() != null).map(c -> c.chatId()).count();
        assertThat(count("state = 'sent'")).as("sent rows are messages the server has").isLessThanOrEqualTo(delivered);
    }

    private long messagesSent() {
        long n = 0;
        for (long reader = 1; reader <= READERS; reader++) n += telegram.sentTo(reader).size();
        return n;
    }

    private void unknownAfterHandling(Fault fault, int times) {
        queue(2);
        telegram.faults().next("sendMessage", fault, times);
        send();
        awaitAllFinished();
        assertNeverTwiceAndNothingSilentlyLost();
        assertThat(count("state = 'unknown'")).isEqualTo(times);
        assertThat(count("state = 'sent'")).isEqualTo(2L * READERS - times);
        assertThat(messagesSent()).as("the unknown ones did reach the readers, once").isEqualTo(2L * READERS);
        assertThat(sender.unknownCount()).isEqualTo(times);
    }

    @Test
    void aServerErrorAfterTheMessageWentOutIsUnknownAndNotRepeated() {
        unknownAfterHandling(Fault.handledThenServerError(), 3);
    }

    @Test
    void aConnectionDroppedAfterTheMessageWentOutIsUnknownAndNotRepeated() {
        unknownAfterHandling(Fault.handledThenDropped(), 3);
    }

    @Test
    void aReadTimeoutAfterTheMessageWentOutIsUnknownAndNotRepeated() {
        unknownAfterHandling(Fault.handledThenSilence(Duration.ofSeconds(8)), 2);
    }

    @Test
    void aConnectionDroppedBeforeHandlingIsUnknownAndCountedNotSilentlyLost() {
        queue(1);
        telegram.faults().next("sendMessage", Fault.dropped(), 2);
        send();
        awaitAllFinished();
        assertNeverTwiceAndNothingSilentlyLost();
        assertThat(count("state = 'unknown'")).isEqualTo(2);
        assertThat(messagesSent()).isEqualTo(READERS - 2);
    }

    @Test
    void tooManyRequestsIsWaitedOutAndEverythingIsSentOnce() {
        queue(1);
        telegram.faults().next("sendMessage", Fault.tooManyRequests(1), 2);
        send();
        awaitAllFinished();
        assertNeverTwiceAndNothingSilentlyLost();
        assertThat(count("state = 'sent'")).isEqualTo(READERS);
        assertThat(messagesSent()).isEqualTo(READERS);
    }

    @Test
    void connectionsTheServerClosedWhileIdleCostNothing() {
        queue(2);
        telegram.closeIdleConnectionsAfter(Duration.ofMillis(30));
        send();
        awaitAllFinished();
        assertNeverTwiceAndNothingSilentlyLost();
        assertThat(count("state = 'sent'")).isEqualTo(2L * READERS);
    }

    @Test
    void aServerClosingAfterEveryResponseCostsNothing() {
        queue(2);
        telegram.closeAfterEveryResponse(true);
        send();
        awaitAllFinished();
        assertNeverTwiceAndNothingSilentlyLost();
        assertThat(count("state = 'sent'")).isEqualTo(2L * READERS);
    }

    @Test
    void aRevokedTokenPausesSendingWithoutBurningTheQueueAndItResumesByItself() {
        queue(2);
        telegram.faults().unauthorizedFor(Duration.ofSeconds(2));
        send();
        awaitAllFinished();
        assertNeverTwiceAndNothingSilentlyLost();
        assertThat(count("state = 'sent'")).isEqualTo(2L * READERS);
        assertThat(telegram.calls("sendMessage").stream().filter(c -> c.status() == 401).count())
                .as("sends refused while the token was revoked: those in flight, not the queue").isLessThanOrEqualTo(READERS);
        assertThat(telegram.calls("getMe")).as("probed").isNotEmpty();
    }

    @Test
    void anUnreachableServerIsNotAnUnknownOutcome() {
        queue(1);
        db.sql().update("DELETE FROM deliveries WHERE reader_id <> 1").block(T);
        client.close();
        telegram.close();
        client = TelegramClient.create(TelegramClientConfig.custom(TOKEN).apiUrl(telegram.apiUrl()).build()); // refused
        send();
        Await.until("a delivery went back to the queue", () -> count("state = 'queued' AND attempts >= 1") >= 1, T);
        assertThat(count("state IN ('unknown', 'failed', 'sent')")).as("connection refused: nothing may have left").isZero();
    }

    @Test
    void anAlbumWhosePartsWentOutIsResumedNotResent() {
        long post = new PostRepository(db).insertIfAbsent(new PostRepository.NewPost(channel, 9, Instant.now(), io.tidings.store.PostKind.ALBUM,
                "Pictures", "Pictures", List.of("https://cdn.example/1.jpg", "https://cdn.example/2.jpg"), 100, null)).block(T).id();
        // an earlier attempt sent the album (part 1 of 2), then its button message provably did not leave
        db.sql().update("INSERT INTO deliveries (reader_id, post_id, reason, parts_sent) VALUES (1, $1, 'mailing', 1), "
                + "(2, $1, 'mailing', 0)", post).block(T);
        send();
        awaitAllFinished();
        assertThat(telegram.calls("sendMediaGroup")).extracting(c -> c.chatId()).containsExactly(2L);
        assertThat(telegram.calls("sendMessage")).extracting(c -> c.chatId()).containsExactlyInAnyOrder(1L, 2L);
        assertThat(count("state = 'sent'")).isEqualTo(2);
    }

    @Test
    void aRowGivenUpCannotBeRevivedByALateRequeue() {
        queue(1);
        DeliveryRepository deliveries = new DeliveryRepository(db);
        long id = deliveries.claim("slow", Duration.ofMillis(1), 1).blockFirst(T).id();
        deliveries.markSending(new Long[] {id}, "slow", Duration.ofMillis(1)).blockLast(T);
        Await.until("the lease ran out", () -> deliveries.expireLeases().block(T).unknown() == 1
                || count("state = 'unknown'") == 1, T);
        assertThat(deliveries.requeue(id, "slow", Duration.ZERO, 0).block(T)).as("never sent again").isZero();
        assertThat(count("state = 'unknown' AND error = 'lease expired'")).isEqualTo(1);
        assertThat(deliveries.recordOutcomes(List.of(DeliveryRepository.Outcome.sent(id, 5)), "other").block(T))
                .as("not someone else's to record").isZero();
        assertThat(deliveries.recordOutcomes(List.of(DeliveryRepository.Outcome.sent(id, 5)), "slow").block(T))
                .as("its own sender learnt the outcome late").isEqualTo(1);
        assertThat(deliveries.requeue(id, "slow", Duration.ZERO, 0).block(T)).isZero();
        assertThat(count("state = 'sent'")).isEqualTo(1);
    }
}
