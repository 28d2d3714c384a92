package io.tidings.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.TestDatabase;
import io.tidings.app.Config;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The soak engine, for a short while with a fault every second: the report has every field the lead quotes, posts
 * reached readers, none twice, none lost, and every fault kind was started. Not a timed test: the length only bounds
 * how much load there is.
 */
class SoakE2eTest {

    @Test
    void shortSoakReportsEveryFieldWithNoDuplicateAndNothingLost() throws Exception {
        TestDatabase.reset();
        // the local t.me without the 5 requests a second owed to the real one: the first backfill (150 pages) took 30 s
        Config base = Config.fromEnv(Map.of("DATABASE_URL", TestDatabase.url(), "TME_REQUESTS_PER_SECOND", "1000"));
        // 8 s with a fault every 0.6 s starts all ten kinds (the tenth at 6 s) with 2 s to spare for a slow loop; 10 posts
        // a channel (500, one page each) are plenty for the 40-70 posts 30 readers get in that time, and a quarter of the
        // backfill of 40 (the test took 12 s with 40: 5 s of its 25 s alone went to backfilling 20 a channel)
        var options = new Soak.Options(Duration.ofSeconds(8), 30, 3, Duration.ofMillis(600), Duration.ofSeconds(2), 10);

        Map<String, Object> report = Soak.run(options, base, System.out);
        System.out.println("soak e2e: " + Demo.json(report));

        assertThat(report).containsKeys("minutes", "deliveries", "duplicates", "lost", "unknown", "http_429",
                "heap_mb_start", "heap_mb_end", "heap_mb_max", "threads_start", "threads_end", "db_connections_max",
                "outbox_in_digest", "outbox_digest_waiting", "outbox_digest_missing");
        assertThat((Long) report.get("deliveries")).isPositive();
        assertThat(report.get("duplicates")).isEqualTo(0L);
        assertThat(report.get("lost")).isEqualTo(0L);
        assertThat(report.get("drained")).isEqualTo(true);
        assertThat((Long) report.get("db_connections_max")).isPositive();
        assertThat((Map<?, ?>) report.get("faults")).hasSize(10);
    }
}
