package io.tidings.store;

import java.util.Locale;

/** Where a channel stands in the catalogue. Stored as the lower-case name in {@code channels.status}. */
public enum ChannelStatus {
    /** Polled, and its posts reach readers. */
    ACTIVE,
    /** Suggested by a reader, waiting for an operator. */
    HELD,
    /** Rejected or removed by an operator. */
    REMOVED,
    /** Not readable (no preview, not found, name taken by another channel); the reason is kept beside it. */
    UNAVAILABLE;

    /** The value in the {@code channels.status} column. */
    public String sql() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The status a stored value names. */
    public static ChannelStatus fromSql(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
