package io.tidings.ingest;

/**
 * What a channel post mainly carries, as far as the t.me/s preview shows it. {@link #UNSUPPORTED} is a post whose
 * media the page does not show at all ("Please open Telegram to view this post").
 */
public enum PostKind {
    TEXT, PHOTO, ALBUM, VIDEO, DOCUMENT, POLL, VOICE, STICKER, LOCATION, UNSUPPORTED, OTHER
}
