package io.tidings.store;

/** A followed public channel. {@code lastMessageId} is the newest message id stored. */
public record Channel(long id, String username, String title, ChannelStatus status, long lastMessageId) {}
