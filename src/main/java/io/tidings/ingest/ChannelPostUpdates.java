package io.tidings.ingest;

import com.pengrad.telegrambot.model.Chat;
import com.pengrad.telegrambot.model.Message;
import com.pengrad.telegrambot.model.message.origin.MessageOrigin;
import com.pengrad.telegrambot.model.message.origin.MessageOriginChannel;
import com.pengrad.telegrambot.model.message.origin.MessageOriginChat;
import com.pengrad.telegrambot.model.message.origin.MessageOriginHiddenUser;
import com.pengrad.telegrambot.model.message.origin.MessageOriginUser;
import io.tidings.store.ChannelRepository;
import io.tidings.store.ChannelStatus;
import io.tidings.store.Post;
import io.tidings.store.PostKind;
import io.tidings.store.PostRepository;
import io.tidings.store.PostRepository.NewPost;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Posts of channels where the bot is an administrator, arriving as {@code channel_post} and
 * {@code edited_channel_post} updates. They take the same store-and-announce path as scraped posts: stored
 * once per (channel, message id), announced when new, updated when edited. Media arrive as file ids, whose
 * download URLs contain the bot token, so no media URL is stored: such posts are rendered as text with a
 * link to the original.
 */
public final class ChannelPostUpdates {

    private static final Logger log = LoggerFactory.getLogger(ChannelPostUpdates.class);

    private final ChannelRepository channels;
    private final PostRepository posts;
    private final Consumer<Post> announce;
    private final boolean autoAccept;

    /**
     * {@code autoAccept}: a channel not in the catalogue yet is followed at once (true) or held for an operator
     * (false), as a reader's suggestion would be; posts of held or removed channels are not stored.
     */
    public ChannelPostUpdates(ChannelRepository channels, PostRepository posts, Consumer<Post> announce, boolean autoAccept) {
        this.autoAccept = autoAccept;
        this.channels = channels;
        this.posts = posts;
        this.announce = announce;
    }

    /** Stores a new channel post (or updates an edited one); completes empty for posts that cannot be ours. */
    public Mono<Void> accept(Message m, boolean edited) {
        Optional<String> channel = Optional.ofNullable(m.chat())
                .filter(c -> c.type() == Chat.Type.channel)
                .map(Chat::username)
                .flatMap(ChannelNames::normalize);
        if (channel.isEmpty() || m.messageId() == null || m.date() == null) {
            log.info("ignoring a channel post without a public channel username");
            return Mono.empty();
        }
        String text = m.text() != null ? m.text() : m.caption() != null ? m.caption() : "";
        // an animation also carries a document: look at it first. The file id is this bot's: it sends the file natively
        PostKind kind = m.photo() != null ? PostKind.PHOTO : m.video() != null ? PostKind.VIDEO
                : m.animation() != null ? PostKind.ANIMATION : m.audio() != null ? PostKind.AUDIO
                : m.voice() != null ? PostKind.VOICE : m.document() != null ? PostKind.DOCUMENT : PostKind.TEXT;
        String file = m.video() != null ? m.video().fileId() : m.animation() != null ? m.animation().fileId()
                : m.audio() != null ? m.audio().fileId() : m.voice() != null ? m.voice().fileId()
                : m.document() != null ? m.document().fileId() : null;
        long messageId = m.messageId();
        // anyone can make the bot a channel admin: the catalogue's rules decide whether its posts reach readers
        return channels.ensure(channel.get(), autoAccept ? ChannelStatus.ACTIVE : ChannelStatus.HELD)
                .filter(ch -> {
                    boolean takes = ch.status() != ChannelStatus.HELD && ch.status() != ChannelStatus.REMOVED;
                    if (!takes) log.info("ignoring a post of @{}: the channel is {}", ch.username(), ch.status().sql());
                    return takes;
                })
                .flatMap(ch -> edited
                        ? posts.between(ch.id(), messageId, messageId).next()
                                .flatMap(p -> posts.updateContent(p.id(), kind, text, TelegramHtml.escape(text), List.of(),
                                        p.views(), true))
                                .then()
                        : posts.insertIfAbsent(new NewPost(ch.id(), messageId, Instant.ofEpochSecond(m.date()), kind, text,
                                        TelegramHtml.escape(text), List.of(), 0, origin(m.forwardOrigin()), originLink(m.forwardOrigin()), file))
                                .doOnNext(announce)
                                .then());
    }

    /** {@code https://t.me/<channel>/<id>} of a forwarded public channel post, else null. */
    private static String originLink(MessageOrigin o) {
        if (o instanceof MessageOriginChannel c && c.chat() != null && c.chat().username() != null && c.messageId() != null) {
            return "https://t.me/" + c.chat().username() + "/" + c.messageId();
        }
        return null;
    }

    private static String origin(MessageOrigin o) {
        if (o instanceof MessageOriginChannel c && c.chat() != null) {
            return c.chat().title() != null ? c.chat().title() : c.chat().username();
        }
        if (o instanceof MessageOriginChat c && c.senderChat() != null) return c.senderChat().title();
        if (o instanceof MessageOriginUser u && u.senderUser() != null) return u.senderUser().firstName();
        if (o instanceof MessageOriginHiddenUser h) return h.senderUserName();
        return null;
    }
}
