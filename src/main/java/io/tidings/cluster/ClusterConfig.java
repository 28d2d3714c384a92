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
 * @param pollInterval   how often each channel is polled, by whichever replica holds its lease
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
     * How long a joining replica waits before it sends: the others must have seen it (their next
     * heartbeat, plus a margin) and finished the batch they reserved at their old, larger share (the
     * sender claims up to twice the budget per batch, which at a share of budget/(n-1) lasts 2(n-1) s).
     */
    Duration joinGrace(int liveReplicas) {
        return heartbeat.plusSeconds(1 + 2L * Math.max(0, liveReplicas - 1));
    }

    /** A channel lease lasts a little less than the poll interval, so its holder's next tick finds it due. */
    Duration channelLease() {
        long ms = Math.max(1000, pollInterval.toMillis() * 9 / 10);
        return Duration.ofMillis(ms);
    }
}
