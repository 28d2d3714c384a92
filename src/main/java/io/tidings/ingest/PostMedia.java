package io.tidings.ingest;

import static io.tidings.ingest.Css.css;

import io.tidings.store.PostKind;
import java.util.List;
import org.jsoup.nodes.Element;
import org.jsoup.select.Elements;

/**
 * What kind of post a message of a t.me page is (photo, album, video, animation, document, poll, voice, sticker,
 * location, unsupported, or text) and its own media, told apart from media that belongs to a quoted or linked message.
 */
final class PostMedia {

    /** Media that belongs to something quoted or linked, not to the post itself. */
    static final String NOT_OWN_MEDIA =
            ".tgme_widget_message_link_preview, .tgme_widget_message_reply, .tgme_widget_message_user";

    private PostMedia() {
    }

    /**
     * The post's kind; its own pictures' URLs are added to {@code media}; {@code note} gets a note on the media (a
     * duration, a file's title, the label of an unsupported kind) and the media file's URL, where the page shows them.
     */
    static PostKind kindAndMedia(Element message, List<String> media, String[] note) {
        Elements grouped = message.select(css(".tgme_widget_message_grouped_wrap"));
        Element scope = grouped.isEmpty() ? message : grouped.first();
        int photos = 0;
        int videos = 0;
        for (Element e : scope.select(css(".tgme_widget_message_photo_wrap, .tgme_widget_message_video_player, "
                + ".tgme_widget_message_roundvideo_player"))) {
            if (isNotOwn(e)) {
                continue;
            }
            boolean photo = e.hasClass("tgme_widget_message_photo_wrap");
            Element styled = photo ? e
                    : e.selectFirst(css(".tgme_widget_message_video_thumb, .tgme_widget_message_roundvideo_thumb"));
            String url = styled == null ? null : PageUrls.backgroundUrl(styled.attr("style"));
            if (url != null) {
                media.add(url);
            }
            if (photo) {
                photos++;
            } else {
                videos++;
            }
        }
        if (!grouped.isEmpty() || photos + videos > 1) {
            return PostKind.ALBUM;
        }
        if (photos == 1) {
            return PostKind.PHOTO;
        }
        if (videos == 1 || own(message, ".tgme_widget_message_video, .tgme_widget_message_roundvideo") != null) {
            note[0] = ownText(message, ".message_video_duration, .tgme_widget_message_roundvideo_duration");
            Element video = own(message, "video.tgme_widget_message_video, video.tgme_widget_message_roundvideo");
            note[1] = video == null ? null : PageUrls.mediaFile(video.attr("src"));
            // a GIF plays as a silent loop without a duration: Telegram's animations
            boolean gif = video != null && video.hasAttr("loop") && !video.hasClass("tgme_widget_message_roundvideo")
                    && (note[0] == null || note[0].isBlank());
            return gif ? PostKind.ANIMATION : PostKind.VIDEO;
        }
        if (own(message, ".tgme_widget_message_document_wrap, .tgme_widget_message_document") != null) {
            note[0] = ownText(message, ".tgme_widget_message_document_title");
            return PostKind.DOCUMENT;
        }
        if (own(message, ".tgme_widget_message_poll") != null) {
            return PostKind.POLL;
        }
        if (own(message, ".tgme_widget_message_voice_player, .tgme_widget_message_voice") != null) {
            note[0] = ownText(message, ".tgme_widget_message_voice_duration");
            Element audio = own(message, "audio.tgme_widget_message_voice");
            note[1] = audio == null ? null : PageUrls.mediaFile(audio.attr("src"));
            return PostKind.VOICE;
        }
        Element sticker = own(message, ".tgme_widget_message_sticker_wrap, .tgme_widget_message_sticker");
        if (sticker != null) {
            Element image = sticker.hasClass("tgme_widget_message_sticker") ? sticker
                    : sticker.selectFirst(css(".tgme_widget_message_sticker"));
            String url = image == null ? null : PageUrls.backgroundUrl(image.attr("style"));
            if (url == null && image != null) {
                url = PageUrls.absolute(image.attr("data-webp"));
            }
            if (url != null) {
                media.add(url);
            }
            return PostKind.STICKER;
        }
        if (own(message, ".tgme_widget_message_location_wrap, .tgme_widget_message_location") != null) {
            return PostKind.LOCATION;
        }
        Element unsupported = visibleUnsupported(message);
        if (unsupported != null) {
            String label = unsupported.select(css(".message_media_not_supported_label")).text().strip();
            note[0] = label.isEmpty() ? null : label;
            return PostKind.UNSUPPORTED;
        }
        return PostKind.OTHER; // becomes TEXT when a caption is all there is
    }

    /**
     * Every post carries hidden "not supported" fallbacks (inside video players, or marked media_not_supported_cont
     * beside a supported sticker); only one that sits directly in the bubble without that mark is what the page shows.
     */
    private static Element visibleUnsupported(Element message) {
        for (Element e : message.select(css(".message_media_not_supported_wrap"))) {
            Element parent = e.parent();
            if (!e.hasClass("media_not_supported_cont") && parent != null
                    && parent.hasClass("tgme_widget_message_bubble")) {
                return e;
            }
        }
        return null;
    }

    private static Element own(Element message, String selector) {
        for (Element e : message.select(css(selector))) {
            if (!isNotOwn(e)) {
                return e;
            }
        }
        return null;
    }

    private static String ownText(Element message, String selector) {
        Element e = own(message, selector);
        String text = e == null ? "" : e.text().strip();
        return text.isEmpty() ? null : text;
    }

    private static boolean isNotOwn(Element e) {
        return e.closest(css(NOT_OWN_MEDIA)) != null;
    }
}
