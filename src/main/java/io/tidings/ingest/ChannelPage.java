package io.tidings.ingest;

import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * One t.me/s page of a channel: its header, its posts in page order (oldest first, as t.me shows them) and, when the
 * page links to older posts, the id to pass as {@code before} to read them. {@code skipped} counts message blocks
 * that were not turned into posts because they could not be read (service messages are not counted).
 */
public record ChannelPage(String channel, String title, List<ChannelPost> posts, OptionalLong nextBefore,
        ChannelInfo info, int skipped) {

    public ChannelPage {
        Objects.requireNonNull(channel, "channel");
        title = title == null ? channel : title;
        posts = List.copyOf(posts);
        nextBefore = nextBefore == null ? OptionalLong.empty() : nextBefore;
        info = info == null ? new ChannelInfo(null, title, "", null, 0) : info;
    }

    public ChannelPage(String channel, String title, List<ChannelPost> posts, OptionalLong nextBefore) {
        this(channel, title, posts, nextBefore, null, 0);
    }

    /**
     * True when the page header names a different channel than the one requested: the username was given up and
     * now belongs to someone else (or the channel was renamed and the old name reassigned).
     */
    public boolean showsAnotherChannel() {
        return info.username() != null && !info.username().equalsIgnoreCase(channel);
    }

    /** The lowest message id on the page, or 0 when it has no posts. */
    public long lowestId() {
        return posts.stream().mapToLong(ChannelPost::messageId).min().orElse(0);
    }
}
