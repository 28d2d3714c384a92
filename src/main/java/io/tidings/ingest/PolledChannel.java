package io.tidings.ingest;

import io.tidings.store.Channel;
import io.tidings.store.ChannelStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One channel on the polling timetable, in memory: the database holds the catalogue, this holds when the channel is
 * polled next, how often, what was read last, and its run of "gone" answers.
 */
final class PolledChannel {
    final long id;
    final String username;
    volatile long lastMessageId;
    volatile Instant nextPollAt;
    volatile Duration interval;
    volatile Instant lastSuccess;
    /** When this channel first answered "gone" in the current run of such answers, and how many in a row; null, 0 when none. */
    volatile Instant goneSince;
    volatile int goneAnswers;
    /** True for an unavailable channel taken back on the timetable for a re-check. */
    volatile boolean recheck;
    /** Being polled now: never twice at once. */
    final AtomicBoolean busy = new AtomicBoolean();

    PolledChannel(Channel ch, Instant nextPollAt) {
        this.id = ch.id();
        this.username = ch.username();
        this.lastMessageId = ch.lastMessageId();
        this.nextPollAt = nextPollAt;
        this.recheck = ch.status() == ChannelStatus.UNAVAILABLE;
    }
}
