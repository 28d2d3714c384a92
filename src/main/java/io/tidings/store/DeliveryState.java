package io.tidings.store;

import java.util.Locale;

/**
 * The states of a row in the delivery outbox. Every transition is a statement of {@link DeliveryRepository},
 * guarded by the state it leaves (and the lease owner where there is one):
 * <pre>
 * queued ──claim──> claimed ──markSending──> sending ──record──> sent | unknown | failed(reason)
 *   ^                  │                        │
 *   └── release/expire ┘<───── requeue (provably not sent: 429, refused, before writing) ┘
 * sending whose lease expired or whose sender is gone ──> unknown (never sent again)
 * queued/claimed of an unreachable reader ──> failed('unreachable')
 * digest ──openDigestEntry (the reader pressed its "full post" button, once)──> queued
 * </pre>
 * A post listed in a digest message stays {@code digest}: it counts as delivered (never queued again), and is sent by
 * itself only when the reader asks for it.
 */
public enum DeliveryState {
    QUEUED, CLAIMED, SENDING, SENT, UNKNOWN, FAILED, DIGEST;

    /** The value stored in {@code deliveries.state}. */
    public String sql() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True for the end states: sent, unknown, failed. */
    public boolean finished() {
        return this == SENT || this == UNKNOWN || this == FAILED;
    }

    public static DeliveryState of(String sql) {
        return valueOf(sql.toUpperCase(Locale.ROOT));
    }
}
