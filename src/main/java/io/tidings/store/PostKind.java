package io.tidings.store;

import java.util.Locale;

/**
 * What a channel post mainly carries, as far as the t.me/s preview shows it. {@link #UNSUPPORTED} is a post whose
 * media the page does not show at all ("Please open Telegram to view this post"). Stored as the lower-case name.
 */
public enum PostKind {
    TEXT, PHOTO, ALBUM, VIDEO, DOCUMENT, POLL, VOICE, STICKER, LOCATION, UNSUPPORTED, OTHER, ANIMATION, AUDIO;

    /** The value in the {@code posts.kind} column. */
    public String sql() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The kind a stored value names; {@link #OTHER} for none or one this version does not know. */
    public static PostKind fromSql(String value) {
        if (value == null) return OTHER;
        try {
            return valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return OTHER;
        }
    }
}
