package io.tidings.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tidings.TestDatabase;
import io.tidings.store.ChannelRepository;
import io.tidings.store.Database;
import io.tidings.store.PostRepository;
import io.tidings.testkit.channels.LocalChannelServer;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;

/** 1,000 channels on the local server: every post is stored and announced exactly once, in bounded memory. */
@org.junit.jupiter.api.parallel.Isolated("bounds the JVM's heap after a GC: measured alone")
class ThousandChannelsTest {

    private static final Duration WAIT = Duration.ofMinutes(3);

    @Test
    void everyPostOfAThousandChannelsIsIngestedExactlyOnce() {
        Database db = TestDatabase.reset();
        var channels = new ChannelRepository(db);
        var posts = new PostRepository(db);
        Set<String> announced = ConcurrentHashMap.newKeySet();
        AtomicLong duplicates = new AtomicLong();
        var pool = ChannelPageFetcher.newConnectionPool("tme-thousand", 8);
        try (LocalChannelServer server = LocalChannelServer.start(2)) {
            Instant t0 = Instant.parse("2024-05-01T08:00:00Z");
            List<String> names = IntStream.range(0, 1_000).mapToObj(i -> "many_channel_" + i).toList();
            for (String name : names) {
                server.addChannel(name, name, "");
                for (int p = 0; p < 3; p++) {
                    server.addPost(name, name + " post " + p, null, t0.plusSeconds(60L * p), p);
                }
            }
            var fetcher = new ChannelPageFetcher(ChannelPageFetcher.newHttpClient(pool), server.baseUrl(),
                    Duration.ofSeconds(20), 64 * 1024, Schedulers.boundedElastic());
            var config = IngestConfig.custom().backfillPages(3).maxConcurrent(8).requestsPerSecond(100_000)
                    .retries(2, Duration.ofMillis(10), Duration.ofSeconds(1)).build();
            var ingest = new IngestService(fetcher, channels, posts, p -> {
                if (!announced.add(p.channelUsername() + "/" + p.messageId())) {
                    duplicates.incrementAndGet();
                }
            }, p -> { }, config, new SimpleMeterRegistry(), Clock.systemUTC(), Schedulers.parallel());
            ingest.follow(names).block(WAIT);

            assertThat(ingest.pollAll().block(WAIT)).isEqualTo(3_000);
            for (String name : names.subList(0, 100)) {
                server.addPost(name, name + " late post", null, t0.plusSeconds(3_600), 1);
            }
            assertThat(ingest.pollAll().block(WAIT)).isEqualTo(100);
            assertThat(ingest.pollAll().block(WAIT)).isZero();

            assertThat(duplicates).hasValue(0);
            assertThat(announced).hasSize(3_100);
            assertThat(posts.publishedSince(t0.minusSeconds(1)).count().block(WAIT)).isEqualTo(3_100);
            // every channel's pages were read, none fell through the cracks
            assertThat(names).allSatisfy(n -> assertThat(server.requests(n)).isBetween(4, 6));

            // bounded memory: nothing of the thousand channels' pages is kept once they are stored
            System.gc();
            Runtime rt = Runtime.getRuntime();
            assertThat(rt.totalMemory() - rt.freeMemory()).isLessThan(256L * 1024 * 1024);
        } finally {
            pool.disposeLater().block(Duration.ofSeconds(10));
        }
    }
}
