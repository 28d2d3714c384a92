package io.tidings.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.store.ChannelStatus;
import io.tidings.store.PostKind;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tidings.TestDatabase;
import io.tidings.store.Channel;
import io.tidings.store.ChannelRepository;
import io.tidings.store.Database;
import io.tidings.store.Post;
import io.tidings.store.PostRepository;
import io.tidings.testkit.channels.LocalChannelServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

class IngestServiceTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Instant T0 = Instant.parse("2024-05-01T08:00:00Z");

    private static ConnectionProvider pool;
    private static HttpClient client;

    private Database db;
    private ChannelRepository channels;
    private PostRepository posts;
    private LocalChannelServer server;
    private final Queue<Post> announced = new ConcurrentLinkedQueue<>();
    private final Queue<Post> retracted = new ConcurrentLinkedQueue<>();
    private SimpleMeterRegistry meters;

    @BeforeAll
    static void pool() {
        pool = ChannelPageFetcher.newConnectionPool("tme-ingest-test", 8);
        client = ChannelPageFetcher.newHttpClient(pool);
    }

    @AfterAll
    static void disposePool() {
        pool.disposeLater().block(WAIT);
    }

    @BeforeEach
    void start() {
        db = TestDatabase.reset();
        channels = new ChannelRepository(db);
        posts = new PostRepository(db);
        server = LocalChannelServer.start(10);
        meters = new SimpleMeterRegistry();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private IngestConfig.Builder fast() {
        return IngestConfig.custom().backfillPages(2).catchUpPages(5)
                .interval(Duration.ofMillis(100), Duration.ofSeconds(1)).jitter(0)
                .retries(2, Duration.ofMillis(10), Duration.ofSeconds(2))
                .requestsPerSecond(1_000).maxConcurrent(4)
                .requestTimeout(Duration.ofSeconds(5));
    }

    private IngestService ingest(IngestConfig config) {
        return ingest(config, 5 * 1024 * 1024);
    }

    private IngestService ingest(IngestConfig config, int maxBody) {
        var fetcher = new ChannelPageFetcher(client, server.baseUrl(), config.requestTimeout(), maxBody,
                Schedulers.boundedElastic());
        return new IngestService(fetcher, channels, posts, announced::add, retracted::add, config, meters,
                Clock.systemUTC(), Schedulers.parallel());
    }

    private Channel channel(String name) {
        return channels.findByUsername(name).block(WAIT);
    }

    private void publish(String name, int n, int from) {
        for (int i = 0; i < n; i++) {
            server.addPost(name, "post " + (from + i), null, T0.plusSeconds(60L * (from + i)), 10);
        }
    }

    private long stored(String name) {
        return posts.countByChannel(channel(name).id()).block(WAIT);
    }

    private double counter(String name, String tag, String value) {
        var c = meters.find(name).tag(tag, value).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void backfillsAtFirstSightThenReadsOnlyWhatIsNew() {
        server.addChannel("first_chan", "First", "");
        publish("first_chan", 45, 0);
        IngestService ingest = ingest(fast().build());
        ingest.follow(List.of("@first_chan")).block(WAIT);

        assertThat(ingest.pollAll().block(WAIT)).isEqualTo(20); // two pages of ten
        assertThat(announced).hasSize(20);
        assertThat(server.requests("first_chan")).isEqualTo(2);
        assertThat(channel("first_chan").lastMessageId()).isEqualTo(45);

        publish("first_chan", 3, 45);
        assertThat(ingest.pollAll().block(WAIT)).isEqualTo(3);
        assertThat(server.requests("first_chan")).isEqualTo(3); // the newest page reached what was known
        assertThat(ingest.pollAll().block(WAIT)).isZero();
        assertThat(announced).extracting(Post::messageId).doesNotHaveDuplicates().hasSize(23);
        assertThat(counter("tidings.ingest.posts", "outcome", "new")).isEqualTo(23);
        assertThat(meters.find("tidings.ingest.poll.lag.max").gauge().value()).isGreaterThanOrEqualTo(0);
        assertThat(meters.find("tidings.ingest.channels.watched").gauge().value()).isPositive();
        assertThat(meters.getMeters()).as("no meter label grows with the catalogue")
                .noneMatch(m -> m.getId().getTag("channel") != null);
    }

    @Test
    void catchesUpOnABusyChannelAcrossSeveralPages() {
        server.addChannel("busy_chan", "Busy", "");
        publish("busy_chan", 5, 0);
        IngestService ingest = ingest(fast().build());
        ingest.follow(List.of("busy_chan")).block(WAIT);
        ingest.pollAll().block(WAIT);
        publish("busy_chan", 27, 5);
        assertThat(ingest.pollAll().block(WAIT)).isEqualTo(27);
        assertThat(stored("busy_chan")).isEqualTo(32);
    }

    @Test
    void albumsVideosAndForwardsAreStoredWithTheirMedia() {
        server.addChannel("media_chan", "Media", "");
        long album = server.addAlbum("media_chan", "three", List.of("https://cdn.example/a.jpg",
                "https://cdn.example/b.jpg", "https://cdn.example/c.jpg"), T0, 5);
        long video = server.addVideo("media_chan", "clip", "https://cdn.example/thumb.jpg", T0.plusSeconds(60), 5);
        long fwd = server.addForwarded("media_chan", "from elsewhere", "other_chan", T0.plusSeconds(120), 5);
        IngestService ingest = ingest(fast().build());
        ingest.follow(List.of("media_chan")).block(WAIT);
        assertThat(ingest.pollAll().block(WAIT)).isEqualTo(3);
        assertThat(announced).extracting(Post::messageId).containsExactly(album, video, fwd);
        Post a = announced.stream().filter(p -> p.messageId() == album).findFirst().orElseThrow();
        assertThat(a.kind()).isEqualTo(PostKind.ALBUM);
        assertThat(a.text()).isEqualTo("three");
        assertThat(a.mediaUrls()).containsExactly("https://cdn.example/a.jpg", "https://cdn.example/b.jpg",
                "https://cdn.example/c.jpg");
        Post v = announced.stream().filter(p -> p.messageId() == video).findFirst().orElseThrow();
        assertThat(v.kind()).isEqualTo(PostKind.VIDEO);
        assertThat(v.mediaUrls()).containsExactly("https://cdn.example/thumb.jpg");
        Post f = announced.stream().filter(p -> p.messageId() == fwd).findFirst().orElseThrow();
        assertThat(f.forwardedFrom()).isEqualTo("other_chan");
    }

    @Test
    void deletedPostsAreMarkedAndRetractedAndEditedPostsUpdated() {
        server.addChannel("edit_chan", "Edits", "");
        publish("edit_chan", 6, 0);
        IngestService ingest = ingest(fast().build());
        ingest.follow(List.of("edit_chan")).block(WAIT);
        ingest.pollAll().block(WAIT);
        long channelId = channel("edit_chan").id();

        server.deletePost("edit_chan", 3);
        server.editPost("edit_chan", 5, "post 4, corrected");
        publish("edit_chan", 1, 6);
        assertThat(ingest.pollAll().block(WAIT)).isEqualTo(1);

        assertThat(retracted).extracting(Post::messageId).containsExactly(3L);
        assertThat(posts.isDeleted(channelId, 3).block(WAIT)).isTrue();
        assertThat(posts.publishedSince(T0.minusSeconds(1)).map(Post::messageId).collectList().block(WAIT))
                .containsExactly(1L, 2L, 4L, 5L, 6L, 7L);
        Post edited = posts.between(channelId, 5, 5).blockFirst(WAIT);
        assertThat(edited.text()).isEqualTo("post 4, corrected");
        assertThat(counter("tidings.ingest.posts", "outcome", "deleted")).isEqualTo(1);
        assertThat(counter("tidings.ingest.posts", "outcome", "edited")).isEqualTo(1);

        ingest.pollAll().block(WAIT); // nothing changes twice
        assertThat(retracted).hasSize(1);
        assertThat(counter("tidings.ingest.posts", "outcome", "edited")).isEqualTo(1);
    }

    @Test
    void channelsWithoutPreviewOrRemovedAreReportedAndNotPolledAgain() {
        server.addChannel("good_chan", "Good", "");
        server.addChannel("hidden_chan", "Hidden", "");
        server.addChannel("gone_chan", "Gone", "");
        publish("good_chan", 2, 0);
        server.setNoPreview("hidden_chan");
        server.removeChannel("gone_chan");
        IngestService ingest = ingest(fast().gone(1, Duration.ZERO).build()); // at the first answer (ChannelGoneTest: later)
        ingest.follow(List.of("good_chan", "hidden_chan", "gone_chan")).block(WAIT);

        assertThat(ingest.pollAll().block(WAIT)).isEqualTo(2);
        assertThat(channel("hidden_chan").status()).isEqualTo(ChannelStatus.UNAVAILABLE);
        assertThat(channels.unavailableReason("hidden_chan").block(WAIT)).isEqualTo("no public preview");
        assertThat(channel("gone_chan").status()).isEqualTo(ChannelStatus.UNAVAILABLE);
        assertThat(channels.unavailableReason("gone_chan").block(WAIT)).isEqualTo("not found (404)");
        assertThat(server.requestsTo("/hidden_chan")).isZero(); // the redirect is not followed

        ingest.pollAll().block(WAIT);
        assertThat(server.requests("hidden_chan")).isEqualTo(1);
        assertThat(server.requests("gone_chan")).isEqualTo(1);
        assertThat(server.requests("good_chan")).isEqualTo(2);
    }

    @Test
    void retriesOn503And429AndThenStores() {
        server.addChannel("flaky_chan", "Flaky", "");
        publish("flaky_chan", 3, 0);
        IngestService ingest = ingest(fast().build());
        ingest.follow(List.of("flaky_chan")).block(WAIT);
        server.failNext(503, 1, 0);
        assertThat(ingest.pollAll().block(WAIT)).isEqualTo(3);
        assertThat(server.requests("flaky_chan")).isEqualTo(2);

        publish("flaky_chan", 1, 3);
        server.failNext(429, 2, 1);
        assertThat(ingest.pollAll().block(WAIT)).isEqualTo(1);
        assertThat(server.requests("flaky_chan")).isEqualTo(5);
        assertThat(counter("tidings.ingest.requests", "outcome", "retry")).isEqualTo(3);
        assertThat(channel("flaky_chan").status()).isEqualTo(ChannelStatus.ACTIVE);
    }

    @Test
    void circuitBreakerPausesTheHostAfterRepeatedFailures() {
        for (int i = 0; i < 10; i++) {
            server.addChannel("down_chan" + i, "Down " + i, "");
            publish("down_chan" + i, 1, 0);
        }
        server.failNext(503, 1_000, 0);
        IngestService ingest = ingest(fast().maxConcurrent(1).retries(0, Duration.ofMillis(10), Duration.ofSeconds(1))
                .breaker(50, 4, Duration.ofHours(1)).build());
        ingest.follow(java.util.stream.IntStream.range(0, 10).mapToObj(i -> "down_chan" + i).toList()).block(WAIT);

        assertThat(ingest.pollAll().block(WAIT)).isZero();
        assertThat(server.totalRequests()).isEqualTo(4); // then the breaker opened and nothing more was sent
        assertThat(ingest.hostState()).isEqualTo("OPEN");
        assertThat(counter("tidings.ingest.requests", "outcome", "paused")).isEqualTo(6);
        assertThat(channels.active().count().block(WAIT)).isEqualTo(10); // a host outage is not a channel's fault
    }

    @Test
    void aHangingChannelTimesOutWithoutHoldingUpTheOthers() {
        server.addChannel("stuck_chan", "Stuck", "");
        server.addChannel("fine_chan", "Fine", "");
        publish("stuck_chan", 2, 0);
        publish("fine_chan", 2, 0);
        server.setHanging("stuck_chan", true);
        IngestService ingest = ingest(fast().requestTimeout(Duration.ofMillis(300))
                .retries(1, Duration.ofMillis(10), Duration.ofSeconds(1)).build());
        ingest.follow(List.of("stuck_chan", "fine_chan")).block(WAIT);

        assertThat(ingest.pollAll().block(WAIT)).isEqualTo(2);
        assertThat(stored("fine_chan")).isEqualTo(2);
        assertThat(stored("stuck_chan")).isZero();
        assertThat(channel("stuck_chan").status()).isEqualTo(ChannelStatus.ACTIVE); // tried again later
        assertThat(counter("tidings.ingest.requests", "outcome", "failed")).isEqualTo(1);

        server.setHanging("stuck_chan", false);
        assertThat(ingest.pollAll().block(WAIT)).isEqualTo(2);
    }

    @Test
    void invalidUtf8AndHugePagesAreSurvived() {
        server.addChannel("bytes_chan", "Bytes", "");
        server.addChannel("huge_chan", "Huge", "");
        server.addChannel("plain_chan", "Plain", "");
        publish("bytes_chan", 2, 0);
        publish("huge_chan", 2, 0);
        publish("plain_chan", 2, 0);
        server.setInvalidUtf8("bytes_chan", true);
        server.setPadding("huge_chan", 300_000);
        IngestService ingest = ingest(fast().build(), 100_000);
        ingest.follow(List.of("bytes_chan", "huge_chan", "plain_chan")).block(WAIT);

        assertThat(ingest.pollAll().block(WAIT)).isEqualTo(4);
        assertThat(stored("plain_chan")).isEqualTo(2);
        assertThat(stored("huge_chan")).isZero();
        assertThat(counter("tidings.ingest.parse.failures", "kind", "oversized")).isEqualTo(1);
        List<String> texts = posts.between(channel("bytes_chan").id(), 1, 2).map(Post::text).collectList().block(WAIT);
        assertThat(texts).hasSize(2).allSatisfy(t -> assertThat(t).contains("ok").contains("post").contains("\uFFFD"));
    }

    @Test
    void concurrentRequestsToTheHostStayWithinTheLimit() {
        for (int i = 0; i < 8; i++) {
            server.addChannel("slow_chan" + i, "Slow " + i, "");
            publish("slow_chan" + i, 1, 0);
        }
        server.setDelay(Duration.ofMillis(150));
        IngestService ingest = ingest(fast().maxConcurrent(2).build());
        ingest.follow(java.util.stream.IntStream.range(0, 8).mapToObj(i -> "slow_chan" + i).toList()).block(WAIT);
        assertThat(ingest.pollAll().block(WAIT)).isEqualTo(8);
        assertThat(server.maxConcurrentRequests()).isBetween(1, 2);
    }

    @Test
    void theRateLimitHoldsBackRequestsBeyondItsBudget() {
        for (int i = 0; i < 5; i++) {
            server.addChannel("rate_chan" + i, "Rate " + i, "");
            publish("rate_chan" + i, 1, 0);
        }
        // one request per ~17 minutes: the first goes out, the rest would wait longer than a request may
        IngestService ingest = ingest(fast().requestsPerSecond(0.001).build());
        ingest.follow(java.util.stream.IntStream.range(0, 5).mapToObj(i -> "rate_chan" + i).toList()).block(WAIT);
        assertThat(ingest.pollAll().block(WAIT)).isEqualTo(1);
        assertThat(server.totalRequests()).isEqualTo(1);
    }

    @Test
    void theTimetablePollsOnItsOwnAndPicksUpNewPosts() throws InterruptedException {
        server.addChannel("timed_chan", "Timed", "");
        publish("timed_chan", 2, 0);
        IngestService ingest = ingest(fast().tick(Duration.ofMillis(20)).catalogueRefresh(Duration.ofMillis(50))
                .interval(Duration.ofMillis(50), Duration.ofMillis(200)).build());
        ingest.follow(List.of("timed_chan")).block(WAIT);
        Disposable running = ingest.start();
        try {
            awaitAnnounced(2);
            publish("timed_chan", 1, 2);
            awaitAnnounced(3);
        } finally {
            running.dispose();
        }
        assertThat(announced).extracting(Post::messageId).containsExactly(1L, 2L, 3L);
    }

    private void awaitAnnounced(int n) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (announced.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(announced).hasSizeGreaterThanOrEqualTo(n);
    }
}
