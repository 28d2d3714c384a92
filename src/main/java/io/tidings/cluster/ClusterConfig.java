package io.tidings.cluster;

import java.time.Duration;
import java.util.Objects;

/**
 * How replicas coordinate. {@code instanceId} names this process in every lease and must be unique
 * per process start (a restarted container keeps its host name, not its leases).
 *
 * @param instanceId     this process in the replica registry and in every lease
 * @param sendBudget     messages per second for the whole bot token, split across live replicas
 * @param heartbeat      how often the replica registry row is refreshed and the live count re-read
 * @param replicaTtl     a replica whose heartbeat is older than this is gone; its claims are taken over
 * @param pollInterval   length of a replica's lease on a channel ({@code POLL_INTERVAL_SECONDS}), renewed while the
 *                       replica lives; how often the channel is fetched is the ingest timetable's choice
 * @param modelCheck     how often the newest model version is checked besides NOTIFY
 */
public record ClusterConfig(String instanceId, double sendBudget, Duration heartbeat, Duration replicaTtl,
                            Duration pollInterval, Duration modelCheck) {

    public ClusterConfig {
        Objects.requireNonNull(instanceId, "instanceId");
        if (!(sendBudget > 0)) throw new IllegalArgumentException("the send budget must be positive");
        if (replicaTtl.compareTo(heartbeat.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("REPLICA_TTL_SECONDS must be at least twice HEARTBEAT_SECONDS");
        }
    }

    /**
     * How long a joining replica waits before it sends. Alone it need not wait: nobody else spends the budget.
     * Otherwise the others must have seen it (their next heartbeat) and sent what they claimed at their old,
     * larger share (a second's worth per claim, more for busy chats); the 1 + 2(n-1) s on top is a generous margin.
     */
    Duration joinGrace(int liveReplicas) {
        if (liveReplicas <= 1) return Duration.ZERO;
        return heartbeat.plusSeconds(1 + 2L * (liveReplicas - 1));
    }

    /** The lease actually taken: a little shorter than {@code pollInterval}, at least a second. */
    Duration channelLease() {
        long ms = Math.max(1000, pollInterval.toMillis() * 9 / 10);
        return Duration.ofMillis(ms);
    }
}
