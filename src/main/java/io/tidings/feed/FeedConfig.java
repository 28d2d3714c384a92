package io.tidings.feed;

import java.time.Duration;
import java.time.LocalTime;
import java.util.List;

/**
 * Settings of planning (README, "Configuration").
 *
 * @param candidatesPerReader best unseen posts kept per reader (CANDIDATES_PER_READER, 32)
 * @param noise               standard deviation of the Gaussian noise added to scores when picking (RANKING_NOISE)
 * @param exploreBoost        how much wider the noise is for channels a reader never rated (EXPLORATION_BOOST, 1):
 *                            the deviation for a channel rated n times is noise · (1 + boost / √(1 + n))
 * @param mailingTimes        local times of the scheduled mailings in each reader's zone (MAILING_TIMES)
 * @param postsPerMailing     posts per reader per scheduled mailing (POSTS_PER_MAILING, 1)
 * @param skipInactiveAfter   readers not seen for this long get no mailings (MAILING_SKIP_INACTIVE_DAYS, 30)
 * @param instantPush         push a new post at once when it scores above the threshold (INSTANT_PUSH, false)
 * @param instantThreshold    score a new post needs for an instant push (INSTANT_PUSH_THRESHOLD, 0.9)
 * @param instantPerDay       most instant pushes per reader in 24 hours (INSTANT_PUSH_PER_DAY, 3)
 * @param page                readers planned together (read, ranked and queued in one batch)
 * @param lease               how long a sender's claim on a delivery lasts (DELIVERY_LEASE_SECONDS, 120)
 * @param chatGap             least time from Telegram's answer to one message to a chat until the next to that chat
 *                            leaves (SEND_CHAT_GAP_MS, 1005: Telegram takes about one message a second per chat)
 */
public record FeedConfig(int candidatesPerReader, double noise, double exploreBoost, List<LocalTime> mailingTimes, int postsPerMailing,
                         Duration skipInactiveAfter, boolean instantPush, float instantThreshold, int instantPerDay,
                         int page, Duration lease, Duration chatGap) {

    public FeedConfig {
        if (postsPerMailing < 1 || postsPerMailing > 20) throw new IllegalArgumentException("POSTS_PER_MAILING must be 1..20");
        if (instantPerDay < 0) throw new IllegalArgumentException("INSTANT_PUSH_PER_DAY must not be negative");
        if (lease.toSeconds() < 5) throw new IllegalArgumentException("DELIVERY_LEASE_SECONDS must be at least 5");
        if (candidatesPerReader < 1 || candidatesPerReader > 127) {
            throw new IllegalArgumentException("CANDIDATES_PER_READER must be 1..127");
        }
        if (chatGap.isNegative() || chatGap.toSeconds() > 60) throw new IllegalArgumentException("SEND_CHAT_GAP_MS must be 0..60000");
        if (page < 1) throw new IllegalArgumentException("page must be positive");
        if (!(noise >= 0) || noise > 1) throw new IllegalArgumentException("RANKING_NOISE must be in 0..1");
        if (!(exploreBoost >= 0) || exploreBoost > 100) throw new IllegalArgumentException("EXPLORATION_BOOST must be in 0..100");
        mailingTimes = List.copyOf(mailingTimes);
    }

    public static FeedConfig defaults() {
        return new FeedConfig(32, 0.03, 1.0, List.of(LocalTime.of(10, 20), LocalTime.of(12, 20), LocalTime.of(16, 20),
                LocalTime.of(19, 20)), 1, Duration.ofDays(30), false, 0.9f, 3, 500, Duration.ofMinutes(2),
                Duration.ofMillis(1005));
    }
}
