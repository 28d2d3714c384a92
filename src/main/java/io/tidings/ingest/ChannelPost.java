package io.tidings.ingest;

import io.tidings.store.PostKind;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One post of a public channel as read from its t.me/s preview. {@code html} is already reduced to the subset
 * Telegram's HTML parse mode accepts (b, i, u, s, a href, code, pre, blockquote), everything else escaped or dropped.
 *
 * @param channel          lower-case channel username
 * @param messageId        message id within the channel (for an album: the id of its first message)
 * @param date             when the post was published
 * @param kind             what the post mainly carries
 * @param text             plain text (line breaks as {@code \n}), empty when the post has none
 * @param html             the same text in Telegram's safe HTML subset
 * @param mediaUrls        photo URLs, video thumbnail URLs and sticker images, in page order (never link-preview or
 *                         reply images)
 * @param views            view count, 0 when the page shows none
 * @param forwardedFrom    name of the channel or user it was forwarded from, or {@code null}
 * @param permalink        {@code https://t.me/<channel>/<id>}
 * @param forwardedFromUrl link to the origin (a channel post or profile), or {@code null}
 * @param replyToId        id of the post in the same channel this one replies to, 0 when none
 * @param linkPreview      the link preview card, or {@code null}
 * @param edited           the page marks the post "edited"
 * @param author           the signature of a signed post, or {@code null}
 * @param mediaNote        short words about media the page cannot carry: a document's file name, a voice message's
 *                         duration, the "open Telegram" label of unsupported media; {@code null} when none
 * @param mediaFile        the file of a video, animation or voice message as the page links it, {@code null} when none
 */
public record ChannelPost(
        String channel,
        long messageId,
        Instant date,
        PostKind kind,
        String text,
        String html,
        List<String> mediaUrls,
        long views,
        String forwardedFrom,
        String permalink,
        String forwardedFromUrl,
        long replyToId,
        LinkPreview linkPreview,
        boolean edited,
        String author,
        String mediaNote,
        String mediaFile) {

    public ChannelPost {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(date, "date");
        Objects.requireNonNull(kind, "kind");
        text = text == null ? "" : text;
        html = html == null ? "" : html;
        mediaUrls = mediaUrls == null ? List.of() : List.copyOf(mediaUrls);
        Objects.requireNonNull(permalink, "permalink");
        replyToId = Math.max(0, replyToId);
    }

    /** A post with only the fields the walking skeleton knew. */
    public ChannelPost(String channel, long messageId, Instant date, PostKind kind, String text, String html,
            List<String> mediaUrls, long views, String forwardedFrom, String permalink) {
        this(channel, messageId, date, kind, text, html, mediaUrls, views, forwardedFrom, permalink, null, 0, null,
                false, null, null, null);
    }
}
