package io.tidings.app;

import static io.tidings.app.E2e.T;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.delivery.DeliverySender;
import io.tidings.store.DeliveryRepository;
import io.tidings.store.ReaderRepository;
import io.tidings.render.CallbackData;
import io.tidings.render.Messages;
import io.tidings.render.PostRenderer;
import io.tidings.telegram.TelegramClient;
import io.tidings.telegram.TelegramClientConfig;
import io.tidings.testkit.botapi.Fault;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/** Fan-out through the real pengrad client: 429 storms, two senders, leases, zones, broadcasts (pacing: {@link PacingE2eTest}). */
class DeliveryE2eTest {

    @AutoClose
    private final DeliveryFixture f = new DeliveryFixture();
    private final E2e e2e = f.e2e;

    @Test
    void aTooManyRequestsStormIsWaitedOutWithNothingLost() {
        List<Long> readers = f.started(6, 9300);
        e2e.telegram.faults().next("sendMessage", Fault.tooManyRequests(1), 8);

        assertThat(e2e.app().feed().mailing(1).block(T)).isEqualTo(readers.size());
        e2e.awaitOutboxEmpty(); // nothing queued, claimed or being sent: every send is over and recorded

        assertThat(e2e.telegram.calls("sendMessage")).filteredOn(c -> c.status() == 429).hasSize(8);
        for (long r : readers) {
            assertThat(e2e.posts(r)).hasSize(2);
            f.assertNoDuplicates(r);
            assertThat(e2e.deliveries(r)).allSatisfy(d -> assertThat(d.state()).isEqualTo("sent"));
        }
    }

    @Test
    void twoSendersOverOneDatabaseNeverSendTheSameDeliveryTwice() {
        // small rates make small claims, so both senders claim from the same queue at once
        List<Long> readers = f.started(20, 9400, Map.of("SEND_RATE", "10"));
        try (TelegramClient client = TelegramClient.create(TelegramClientConfig.custom(E2e.TOKEN).apiUrl(e2e.telegram.apiUrl()).build())) {
            var renderer = new PostRenderer(new CallbackData(e2e.app().config().callbackKey()), new Messages());
            DeliverySender second = new DeliverySender(new DeliveryRepository(e2e.db), new ReaderRepository(e2e.db), client, renderer,
                    "second-replica", 10, Duration.ofMillis(50));
            Disposable running = second.start(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()); // another replica's meters
            try {
                assertThat(e2e.app().feed().mailing(3).block(T)).isEqualTo(readers.size() * 3L);
                e2e.awaitOutboxEmpty();
                assertThat(second.sentCount() + e2e.app().sender().sentCount()).isGreaterThanOrEqualTo(readers.size() * 3L);
                assertThat(second.sentCount()).as("the second sender took a share").isPositive();
            } finally {
                running.dispose();
            }
        }
        for (long r : readers) {
            assertThat(e2e.posts(r)).hasSize(4);
            f.assertNoDuplicates(r);
        }
        assertThat(f.okSends()).hasSize(readers.size() * 3);
    }

    @Test
    void aDeadWorkersClaimsAreTakenOverButItsInFlightSendsAreNotRepeated() {
        List<Long> readers = f.started(2, 9500);
        DeliveryRepository deliveries = new DeliveryRepository(e2e.db);
        long post = e2e.count("SELECT min(id) FROM posts WHERE id NOT IN (SELECT post_id FROM deliveries)");
        long other = e2e.count("SELECT max(id) FROM posts WHERE id NOT IN (SELECT post_id FROM deliveries)");
        // what a worker that died leaves behind: one delivery claimed, one handed to Telegram, both leases run out
        String leftover = "INSERT INTO deliveries (reader_id, post_id, reason, state, lease_owner, lease_until) "
                + "VALUES ($1, $2, 'mailing', $3, 'dead-worker', now() - interval '1 second') RETURNING id";
        long claimed = e2e.db.sql().one(leftover, r -> r.get("id", Long.class), readers.get(0), post, "claimed").block(T);
        e2e.db.sql().one(leftover, r -> r.get("id", Long.class), readers.get(1), other, "sending").block(T);
        assertThat(deliveries.markSending(new Long[] {claimed}, "someone-else", Duration.ofMinutes(1)).collectList().block(T))
                .as("not their claim").isEmpty();

        DeliveryRepository.Expired expired = e2e.app().sender().expireLeases().block(T);

        assertThat(expired.requeued()).isEqualTo(1);
        assertThat(expired.unknown()).isEqualTo(1);
        e2e.awaitPost(readers.get(0), 2);
        e2e.awaitOutboxEmpty(); // nothing queued, claimed or being sent: every send is over and recorded
        assertThat(e2e.posts(readers.get(1))).as("a send whose outcome is unknown is not repeated").hasSize(1);
        assertThat(e2e.count("SELECT count(*) FROM deliveries WHERE state = 'unknown' AND error = 'lease expired'")).isEqualTo(1);
    }

    @Test
    void aScheduledMailingReachesTheReadersForWhomItIsMailingTimeInTheirOwnZone() {
        List<Long> readers = f.started(3, 9600);
        long tokyo = readers.get(0), london = readers.get(1), paused = readers.get(2);
        e2e.db.sql().update("UPDATE readers SET time_zone = 'Asia/Tokyo' WHERE id = $1", tokyo).block(T);
        e2e.db.sql().update("UPDATE readers SET time_zone = 'Europe/London' WHERE id = $1", london).block(T);
        e2e.db.sql().update("UPDATE readers SET time_zone = 'Asia/Tokyo', status = 'paused' WHERE id = $1", paused).block(T);
        Instant tokyoMorning = LocalDate.now(ZoneId.of("Asia/Tokyo")).atTime(LocalTime.of(10, 20)).atZone(ZoneId.of("Asia/Tokyo")).toInstant();

        assertThat(e2e.app().feed().mailingAt(tokyoMorning, "replica-a").block(T)).isEqualTo(1);
        assertThat(e2e.app().feed().mailingAt(tokyoMorning, "replica-b").block(T)).as("one replica runs a minute").isZero();
        e2e.awaitPost(tokyo, 2);
        e2e.awaitOutboxEmpty();

        assertThat(e2e.posts(london)).hasSize(1);
        assertThat(e2e.posts(paused)).hasSize(1);
        Instant londonEvening = LocalDate.now(ZoneId.of("Europe/London")).atTime(LocalTime.of(19, 20)).atZone(ZoneId.of("Europe/London")).toInstant();
        assertThat(e2e.app().feed().mailingAt(londonEvening, "replica-a").block(T)).isEqualTo(1);
        e2e.awaitPost(london, 2);
    }

    @Test
    void aReadersOwnMailingTimesAndMailingSizeAreHonoured() {
        List<Long> readers = f.started(2, 9650);
        long early = readers.get(0), usual = readers.get(1);
        e2e.db.sql().update("UPDATE readers SET time_zone = 'UTC', mailing_times = '07:05', posts_per_mailing = 3 WHERE id = $1",
                early).block(T);
        e2e.db.sql().update("UPDATE readers SET time_zone = 'UTC' WHERE id = $1", usual).block(T);
        e2e.app().preferences().reload().block(T);
        Instant sevenOhFive = LocalDate.now(ZoneId.of("UTC")).atTime(LocalTime.of(7, 5)).atZone(ZoneId.of("UTC")).toInstant();
        Instant tenTwenty = LocalDate.now(ZoneId.of("UTC")).atTime(LocalTime.of(10, 20)).atZone(ZoneId.of("UTC")).toInstant();

        assertThat(e2e.app().feed().mailingAt(sevenOhFive, "replica-a").block(T)).as("only the early reader, three posts").isEqualTo(3);
        e2e.awaitPost(early, 4);
        e2e.awaitOutboxEmpty();
        assertThat(e2e.posts(usual)).hasSize(1);
        assertThat(e2e.app().feed().mailingAt(tenTwenty, "replica-a").block(T)).as("only the usual reader").isEqualTo(1);
        e2e.awaitPost(usual, 2);
        e2e.awaitOutboxEmpty();
        assertThat(e2e.posts(early)).hasSize(4);
    }

    @Test
    void aBroadcastReachesEveryActiveReaderAtItsTime() {
        List<Long> readers = f.started(4, 9700);
        long paused = readers.get(3);
        e2e.db.sql().update("UPDATE readers SET status = 'paused' WHERE id = $1", paused).block(T);
        long post = e2e.count("SELECT max(id) FROM posts");
        List<Long> active = new ArrayList<>(readers.subList(0, 3));

        assertThat(e2e.app().feed().broadcast(post, Instant.now().plusSeconds(1)).block(T)).isEqualTo(active.size() - e2e.count(
                "SELECT count(*) FROM deliveries WHERE post_id = $1 AND reason <> 'broadcast'", post));
        e2e.awaitOutboxEmpty();

        for (long r : active) {
            assertThat(e2e.deliveries(r)).anySatisfy(d -> assertThat(d.post()).isEqualTo(post));
            f.assertNoDuplicates(r);
        }
        assertThat(e2e.posts(paused)).hasSize(1);
    }
}
