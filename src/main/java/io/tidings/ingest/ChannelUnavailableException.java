package io.tidings.ingest;

/** The channel has no public t.me/s preview (unknown, private, or preview disabled): retrying will not help. */
public final class ChannelUnavailableException extends RuntimeException {

    private final String channel;

    public ChannelUnavailableException(String channel, String reason) {
        super("channel @" + channel + ": " + reason);
        this.channel = channel;
    }

    public String channel() {
        return channel;
    }
}
