package io.tidings.ingest;

/** What a channel post mainly carries, as far as the t.me/s preview shows it. */
public enum PostKind {
    TEXT, PHOTO, ALBUM, VIDEO, DOCUMENT, POLL, OTHER
}
