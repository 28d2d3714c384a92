package io.tidings.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.TestDatabase;
import io.tidings.app.Config;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The whole loop learns: simulated readers with hidden tastes vote through real buttons, the model is
 * retrained between rounds, and what the bot then sends them is liked clearly more often than random posts.
 * It drives the demo engine ({@link Demo#run}), so it sits beside the soak; the end-to-end phase takes classes in
 * reverse alphabetical order, so the two longest and busiest start first instead of this one ending the phase.
 */
class LearningE2eTest {

    @Test
    void learnedRankingIsLikedMoreOftenThanRandomPosts() throws Exception {
        TestDatabase.reset();
        // the local t.me without the 5 requests a second owed to the real one: the first backfill (100 pages) took 20 s
        Config base = Config.fromEnv(Map.of("DATABASE_URL", TestDatabase.url(), "SEND_CHAT_GAP_MS", "50",
                "TME_REQUESTS_PER_SECOND", "1000"));
        var options = new Demo.Options(ROUNDS, READERS, 7, VOTES, POSTS, false); // no onboarding picks: the model alone must learn

        Map<String, Object> report = Demo.run(options, base);
        System.out.println("learning e2e: " + Demo.json(report));

        double random = (double) report.get("like_rate_random");
        @SuppressWarnings("unchecked")
        List<Double> byRound = (List<Double>) report.get("like_rate_by_round");
        double lastTwo = (byRound.get(byRound.size() - 1) + byRound.get(byRound.size() - 2)) / 2;
        assertThat(report.get("duplicates")).isEqualTo(0L);
        assertThat((long) report.get("model_version")).isPositive();
        // exploration: without it a reader saw about one channel a round (3.8 channels over a whole 8-round demo)
        assertThat((double) report.get("channels_per_reader")).as("distinct channels a reader saw").isGreaterThan(6.0);
        assertThat(lastTwo).as("like rate of the last two rounds vs random %.3f, by round %s", random, byRound)
                .isGreaterThan(random + 0.05);
    }

    // 50 readers, not 100: half the sends and votes a round. Last two rounds minus random, seeds 7, 1, 2 (`tidings demo
    // --rounds 6 --readers 50 --votes 6 --posts 20 --no-picks`, the test JVM's flags): 0.25, 0.40, 0.31 (100 readers,
    // seed 7: 0.34), five times the 0.05 asked. Five rounds of 50 were too close: 0.21, 0.18, 0.08.
    private static final int ROUNDS = 6;
    private static final int READERS = 50;
    private static final int VOTES = 6;
    private static final int POSTS = 20;
}
