package io.tidings.store;

import java.time.Instant;
import java.util.List;

/** A stored channel post: the scraped content from which deliveries are rendered. */
public record Post(long id, long channelId, String channelUsername, String channelTitle, long messageId,
                   Instant publishedAt, PostKind kind, String text, String html, List<String> mediaUrls,
                   long views, String forwardedFrom) {

    public String permalink() {
        return "https://t.me/" + channelUsername + "/" + messageId;
    }
}
