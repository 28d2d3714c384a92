package io.tidings.model.train;

/**
 * One reader's vote on one post: {@code like} is 👍 (label 1), otherwise 👎 (label 0).
 * Ids are database ids: arbitrary, sparse longs.
 */
public record Vote(long reader, long channel, long post, boolean like) {
}
