package io.tidings.store;

import java.time.Instant;
import java.util.List;

/** A stored channel post: the scraped content from which deliveries are rendered. */
public record Post(long id, long channelId, String channelUsername, String channelTitle, long messageId,
                   Instant publishedAt, PostKind kind, String text, String html, List<String> mediaUrls,
                   long views, String forwardedFrom, String forwardedFromUrl, String mediaFile) {

    /**
     * A post without an origin link or a media file: {@code forwardedFromUrl} links to the forwarded post
     * ({@code https://t.me/<channel>/<id>}); {@code mediaFile} is what Telegram can send natively (a video, animation,
     * voice or audio URL, or a file id of this bot), {@code null} when none.
     */
    public Post(long id, long channelId, String channelUsername, String channelTitle, long messageId, Instant publishedAt,
                PostKind kind, String text, String html, List<String> mediaUrls, long views, String forwardedFrom) {
        this(id, channelId, channelUsername, channelTitle, messageId, publishedAt, kind, text, html, mediaUrls, views,
                forwardedFrom, null, null);
    }

    public String permalink() {
        return "https://t.me/" + channelUsername + "/" + messageId;
    }
}
