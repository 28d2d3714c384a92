package io.tidings.ingest;

import static io.tidings.ingest.ChannelPageParserTest.fixture;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.store.PostKind;
import java.time.Instant;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

/** Every post kind of the real t.me/s markup (tchantest_kinds.html), field by field. */
class ChannelPageParserKindsTest {

    private static final ChannelPage PAGE = ChannelPageParser.parse("tchantest", fixture("tchantest_kinds.html"));

    private static ChannelPost post(long id) {
        return PAGE.posts().stream().filter(p -> p.messageId() == id).findFirst().orElseThrow();
    }

    @Test
    void channelHeaderGivesTitleDescriptionAvatarAndSubscribers() {
        ChannelInfo info = PAGE.info();
        assertThat(info.username()).isEqualTo("tchantest");
        assertThat(info.title()).isEqualTo("tchan's test channel 👍");
        assertThat(info.description()).isEqualTo("Test channel for tchan Python library/CLI\nsecond line");
        assertThat(info.avatarUrl()).isEqualTo("https://cdn1.telegram-cdn.org/file/pEJs58u1vQ4_header.jpg");
        assertThat(info.subscribers()).isEqualTo(1_200);
        assertThat(PAGE.title()).isEqualTo(info.title());
        assertThat(PAGE.showsAnotherChannel()).isFalse();
        assertThat(PAGE.nextBefore()).isEqualTo(OptionalLong.of(1));
    }

    @Test
    void serviceMessagesAreSkippedAndNotCountedAsFailures() {
        assertThat(PAGE.posts()).extracting(ChannelPost::messageId)
                .containsExactly(5L, 9L, 10L, 11L, 13L, 17L, 24L, 81L, 89L, 90L, 95L, 96L, 97L);
        assertThat(PAGE.skipped()).isZero();
        assertThat(PAGE.lowestId()).isEqualTo(5);
    }

    @Test
    void signedEditedTextCarriesTheSignatureAndTheEditedMark() {
        ChannelPost p = post(5);
        assertThat(p.kind()).isEqualTo(PostKind.TEXT);
        assertThat(p.text()).isEqualTo("Signed and edited");
        assertThat(p.html()).isEqualTo("Signed and <b>edited</b>");
        assertThat(p.edited()).isTrue();
        assertThat(p.author()).isEqualTo("Álvaro Justen");
        assertThat(p.date()).isEqualTo(Instant.parse("2023-02-24T07:30:10Z"));
        assertThat(p.views()).isEqualTo(2);
        assertThat(p.permalink()).isEqualTo("https://t.me/tchantest/5");
        assertThat(p.forwardedFrom()).isNull();
        assertThat(p.replyToId()).isZero();
        assertThat(p.linkPreview()).isNull();
        assertThat(p.mediaUrls()).isEmpty();
        assertThat(p.mediaNote()).isNull();
    }

    @Test
    void stickerIsAStickerWithItsImageNotUnsupportedMedia() {
        ChannelPost p = post(9);
        assertThat(p.kind()).isEqualTo(PostKind.STICKER);
        assertThat(p.mediaUrls()).containsExactly("https://cdn1.telegram-cdn.org/file/sticker9.webp");
        assertThat(p.text()).isEmpty();
        assertThat(p.edited()).isFalse();
        assertThat(p.author()).isNull();
        assertThat(p.mediaNote()).isNull();
    }

    @Test
    void locationPollVoiceAndRoundVideo() {
        ChannelPost location = post(10);
        assertThat(location.kind()).isEqualTo(PostKind.LOCATION);
        assertThat(location.mediaUrls()).isEmpty();
        assertThat(location.date()).isEqualTo(Instant.parse("2023-02-24T07:31:38Z"));

        ChannelPost poll = post(11);
        assertThat(poll.kind()).isEqualTo(PostKind.POLL);
        assertThat(poll.text()).isEqualTo("Let's do a quick poll quizz mode");
        assertThat(poll.html()).isEqualTo("Let's do a quick poll quizz mode");
        assertThat(poll.views()).isEqualTo(2); // not the voters counter next to it

        ChannelPost voice = post(13);
        assertThat(voice.kind()).isEqualTo(PostKind.VOICE);
        assertThat(voice.mediaNote()).isEqualTo("0:01");
        assertThat(voice.mediaUrls()).isEmpty();
        assertThat(voice.text()).isEmpty();
        assertThat(voice.views()).isEqualTo(1_500);

        ChannelPost round = post(17);
        assertThat(round.kind()).isEqualTo(PostKind.VIDEO);
        assertThat(round.mediaUrls()).containsExactly("https://cdn1.telegram-cdn.org/file/U9Z-round17.jpg");
        assertThat(round.mediaNote()).isEqualTo("0:05");
    }

    @Test
    void linksAndLinkPreviews() {
        ChannelPost noPreview = post(24);
        assertThat(noPreview.kind()).isEqualTo(PostKind.TEXT);
        assertThat(noPreview.edited()).isTrue();
        assertThat(noPreview.author()).isNull();
        assertThat(noPreview.text()).isEqualTo("This is a message with a link\n\nhttps://brasil.io/");
        assertThat(noPreview.html()).isEqualTo(
                "This is a message with a link\n\n<a href=\"https://brasil.io/\">https://brasil.io/</a>");
        assertThat(noPreview.linkPreview()).isNull();

        ChannelPost withPreview = post(81);
        assertThat(withPreview.kind()).isEqualTo(PostKind.TEXT);
        assertThat(withPreview.views()).isEqualTo(3_100_000);
        assertThat(withPreview.mediaUrls()).isEmpty(); // the preview image is not the post's media
        assertThat(withPreview.linkPreview()).isEqualTo(new LinkPreview("https://www.python.org/", "Python.org",
                "Welcome to Python.org", "The official home of the Python Programming Language",
                "https://cdn4.telegram-cdn.org/file/mcgzW-python.jpg"));
    }

    @Test
    void forwardedPostsNameAndLinkTheirOrigin() {
        ChannelPost fromUser = post(89);
        assertThat(fromUser.forwardedFrom()).isEqualTo("Some user");
        assertThat(fromUser.forwardedFromUrl()).isEqualTo("https://t.me/some_user");
        assertThat(fromUser.text()).isEqualTo(";)");

        ChannelPost photo = post(96);
        assertThat(photo.kind()).isEqualTo(PostKind.PHOTO);
        assertThat(photo.forwardedFrom()).isEqualTo("Pavel Durov");
        assertThat(photo.forwardedFromUrl()).isEqualTo("https://t.me/durov/300");
        assertThat(photo.mediaUrls()).containsExactly("https://cdn1.telegram-cdn.org/file/AqX5QJmp-fwd96.jpg");
        assertThat(photo.date()).isEqualTo(Instant.parse("2023-02-24T08:05:00Z")); // +05:00 in the page
        assertThat(photo.views()).isEqualTo(436_600);
    }

    @Test
    void replyKnowsItsParentAndKeepsOnlyItsOwnText() {
        ChannelPost p = post(90);
        assertThat(p.replyToId()).isEqualTo(24);
        assertThat(p.kind()).isEqualTo(PostKind.TEXT);
        assertThat(p.text()).isEqualTo("Replying to myself, politely");
        assertThat(p.html()).isEqualTo("Replying to myself, <i>politely</i>");
        assertThat(p.mediaUrls()).isEmpty(); // the quoted thumbnail belongs to the parent
        assertThat(p.views()).isEqualTo(980);
    }

    @Test
    void mediaThePageCannotShowIsUnsupportedWithItsLabel() {
        ChannelPost p = post(95);
        assertThat(p.kind()).isEqualTo(PostKind.UNSUPPORTED);
        assertThat(p.mediaNote()).isEqualTo("Please open Telegram to view this post");
        assertThat(p.text()).isEmpty(); // the quoted text of another channel's post is not this post's text
        assertThat(p.replyToId()).isZero(); // a reply to another channel has no parent here
        assertThat(p.views()).isEqualTo(12_000);
    }

    @Test
    void audioFileIsADocumentNamedByItsTitle() {
        ChannelPost p = post(97);
        assertThat(p.kind()).isEqualTo(PostKind.DOCUMENT);
        assertThat(p.mediaNote()).isEqualTo("Song title");
        assertThat(p.views()).isEqualTo(7);
    }

    @Test
    void aPageWhoseHeaderNamesAnotherChannelIsRecognised() {
        String html = fixture("tchantest_kinds.html").replace("@tchantest</a>", "@someoneelse</a>");
        ChannelPage page = ChannelPageParser.parse("tchantest", html);
        assertThat(page.showsAnotherChannel()).isTrue();
        assertThat(page.info().username()).isEqualTo("someoneelse");
    }
}
