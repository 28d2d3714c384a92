package io.tidings.ingest;

import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * One t.me/s page of a channel: its title, its posts in page order (oldest first, as t.me shows them) and, when the
 * page links to older posts, the id to pass as {@code before} to read them.
 */
public record ChannelPage(String channel, String title, List<ChannelPost> posts, OptionalLong nextBefore) {

    public ChannelPage {
        Objects.requireNonNull(channel, "channel");
        title = title == null ? channel : title;
        posts = List.copyOf(posts);
        nextBefore = nextBefore == null ? OptionalLong.empty() : nextBefore;
    }
}
