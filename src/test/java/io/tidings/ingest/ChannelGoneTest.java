package io.tidings.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tidings.TestDatabase;
import io.tidings.store.ChannelRepository;
import io.tidings.store.ChannelStatus;
import io.tidings.store.PostRepository;
import io.tidings.testkit.channels.LocalChannelServer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;
import reactor.netty.resources.ConnectionProvider;

/**
 * A redirect, 404 or 410 from t.me marks a channel unavailable only once it persisted (several checks over at least an
 * hour), and unavailable channels, configured ones included, are checked again and followed again once they answer.
 * Real PostgreSQL and the local t.me server; the hours pass on a clock the test moves.
 */
class ChannelGoneTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private ChannelRepository channels;
    private LocalChannelServer server;
    private ConnectionProvider pool;
    private final MovableClock clock = new MovableClock(Instant.parse("2026-11-30T06:00:00Z"));

    @BeforeEach
    void start() {
        var db = TestDatabase.reset();
        channels = new ChannelRepository(db);
        server = LocalChannelServer.start(10);
        pool = ChannelPageFetcher.newConnectionPool("tme-gone-test", 4);
        for (String name : List.of("steady_chan", "blip_chan", "gone_chan", "hidden_chan", "quick_chan")) {
            server.addChannel(name, name, "");
            server.addPost(name, name + " post", null, Instant.parse("2026-11-29T10:00:00Z"), 10);
        }
        this.posts = new PostRepository(db);
    }

    private PostRepository posts;

    @AfterEach
    void stop() {
        server.close();
        pool.disposeLater().block(WAIT);
    }

    private IngestService ingest(int checks, Duration over, Duration recheck) {
        IngestConfig config = IngestConfig.custom().backfillPages(1).interval(Duration.ofMinutes(1), Duration.ofHours(1))
                .jitter(0).retries(0, Duration.ofMillis(10), Duration.ofSeconds(1)).requestsPerSecond(1_000)
                .gone(checks, over).recheckUnavailable(recheck).build();
        var fetcher = new ChannelPageFetcher(ChannelPageFetcher.newHttpClient(pool), server.baseUrl(),
                config.requestTimeout(), 5 * 1024 * 1024, Schedulers.boundedElastic());
        return new IngestService(fetcher, channels, posts, p -> { }, p -> { }, config, new SimpleMeterRegistry(), clock,
                Schedulers.parallel());
    }

    private ChannelStatus status(String name) {
        return channels.findByUsername(name).block(WAIT).status();
    }

    private void pollAt(IngestService ingest, Duration sinceStart) {
        clock.set(Instant.parse("2026-11-30T06:00:00Z").plus(sinceStart));
        ingest.pollAll().block(WAIT);
    }

    @Test
    void aRedirectOrNotFoundMarksTheChannelUnavailableOnlyOnceItPersistedForAnHour() {
        IngestService ingest = ingest(3, Duration.ofHours(1), Duration.ofHours(24));
        ingest.follow(List.of("steady_chan", "blip_chan", "gone_chan", "hidden_chan", "quick_chan")).block(WAIT);
        pollAt(ingest, Duration.ZERO); // first sight: every channel stored its post
        server.removeChannel("gone_chan");         // 404 from now on
        server.setNoPreview("hidden_chan");        // redirect from now on
        server.goneFor("blip_chan", 302, 2);       // redirects twice, then answers again
        server.removeChannel("quick_chan");

        pollAt(ingest, Duration.ofMinutes(1));
        pollAt(ingest, Duration.ofMinutes(5));
        pollAt(ingest, Duration.ofMinutes(10)); // quick_chan: three 404s, but in ten minutes
        assertThat(status("quick_chan")).isEqualTo(ChannelStatus.ACTIVE);
        assertThat(status("gone_chan")).isEqualTo(ChannelStatus.ACTIVE);
        assertThat(status("hidden_chan")).isEqualTo(ChannelStatus.ACTIVE);
        assertThat(status("blip_chan")).as("answered again on the third check").isEqualTo(ChannelStatus.ACTIVE);

        pollAt(ingest, Duration.ofMinutes(30));
        assertThat(status("gone_chan")).as("four 404s over 29 minutes").isEqualTo(ChannelStatus.ACTIVE);
        pollAt(ingest, Duration.ofMinutes(62));
        assertThat(status("gone_chan")).isEqualTo(ChannelStatus.UNAVAILABLE);
        assertThat(channels.unavailableReason("gone_chan").block(WAIT)).isEqualTo("not found (404)");
        assertThat(status("hidden_chan")).isEqualTo(ChannelStatus.UNAVAILABLE);
        assertThat(channels.unavailableReason("hidden_chan").block(WAIT)).isEqualTo("no public preview");
        assertThat(status("quick_chan")).isEqualTo(ChannelStatus.UNAVAILABLE);
        assertThat(status("steady_chan")).isEqualTo(ChannelStatus.ACTIVE);

        // blip_chan's count started again when it answered: two more 410s over more than an hour are not enough
        server.goneFor("blip_chan", 410, 2);
        pollAt(ingest, Duration.ofMinutes(63));
        pollAt(ingest, Duration.ofMinutes(130));
        assertThat(status("blip_chan")).isEqualTo(ChannelStatus.ACTIVE);
        int gone = server.requests("gone_chan");
        pollAt(ingest, Duration.ofMinutes(140));
        assertThat(server.requests("gone_chan")).as("not polled while unavailable").isEqualTo(gone);
        assertThat(status("blip_chan")).isEqualTo(ChannelStatus.ACTIVE);
    }

    @Test
    void theCountOfGoneAnswersOutlivesARestart() {
        IngestService first = ingest(3, Duration.ofHours(1), Duration.ofHours(24));
        first.follow(List.of("steady_chan", "gone_chan", "blip_chan")).block(WAIT);
        pollAt(first, Duration.ZERO);
        server.removeChannel("gone_chan");
        server.goneFor("blip_chan", 404, 1);
        pollAt(first, Duration.ofMinutes(1));  // gone_chan: 404 #1; blip_chan: 404 #1
        pollAt(first, Duration.ofMinutes(30)); // gone_chan: 404 #2; blip_chan answers: its run ends

        // a new process (a restart, or another replica taking the channel over) goes on from the stored count
        IngestService second = ingest(3, Duration.ofHours(1), Duration.ofHours(24));
        second.follow(List.of("steady_chan", "gone_chan", "blip_chan")).block(WAIT);
        pollAt(second, Duration.ofMinutes(62)); // gone_chan: 404 #3, 61 minutes after the first
        assertThat(status("gone_chan")).as("three 404s over an hour, across the restart").isEqualTo(ChannelStatus.UNAVAILABLE);
        assertThat(status("blip_chan")).isEqualTo(ChannelStatus.ACTIVE);
        assertThat(status("steady_chan")).isEqualTo(ChannelStatus.ACTIVE);
        assertThat(TestDatabase.shared().sql().one("SELECT gone_answers FROM channels WHERE username = 'blip_chan'",
                r -> r.get("gone_answers", Integer.class)).block(WAIT)).as("cleared by the answer").isZero();
    }

    @Test
    void unavailableChannelsAreCheckedAgainAndFollowedOnceTheyAnswer() {
        IngestService ingest = ingest(1, Duration.ZERO, Duration.ofHours(24));
        ingest.follow(List.of("steady_chan", "hidden_chan")).block(WAIT); // as CHANNELS does for configured ones
        server.setNoPreview("hidden_chan");
        pollAt(ingest, Duration.ZERO);
        assertThat(status("hidden_chan")).isEqualTo(ChannelStatus.UNAVAILABLE);
        int requests = server.requests("hidden_chan");

        pollAt(ingest, Duration.ofHours(23));
        assertThat(server.requests("hidden_chan")).isEqualTo(requests);
        pollAt(ingest, Duration.ofHours(25)); // re-checked: still hidden, stays unavailable
        assertThat(server.requests("hidden_chan")).isEqualTo(requests + 1);
        assertThat(status("hidden_chan")).isEqualTo(ChannelStatus.UNAVAILABLE);
        pollAt(ingest, Duration.ofHours(26)); // not again until a day after that check
        assertThat(server.requests("hidden_chan")).isEqualTo(requests + 1);

        server.setNoPreview("hidden_chan", false);
        pollAt(ingest, Duration.ofHours(50));
        assertThat(status("hidden_chan")).isEqualTo(ChannelStatus.ACTIVE);
        long id = channels.findByUsername("hidden_chan").block(WAIT).id();
        assertThat(posts.countByChannel(id).block(WAIT)).isEqualTo(1);
        pollAt(ingest, Duration.ofHours(50).plusMinutes(5)); // followed again: polled like any active channel
        assertThat(server.requests("hidden_chan")).isEqualTo(requests + 3);
    }

    /** A clock the test sets. */
    private static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
