package io.tidings.telegram;

import com.pengrad.telegrambot.model.LinkPreviewOptions;
import com.pengrad.telegrambot.model.request.InlineKeyboardButton;
import com.pengrad.telegrambot.model.request.InlineKeyboardMarkup;
import com.pengrad.telegrambot.model.request.ParseMode;
import com.pengrad.telegrambot.request.AbstractSendRequest;
import com.pengrad.telegrambot.request.SendMessage;
import com.pengrad.telegrambot.request.SendPhoto;
import io.tidings.store.Post;
import io.tidings.telegram.CallbackData.Action;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Turns a stored post into the message a reader gets: the channel title linking to the original, the
 * post (Telegram HTML, escaped), date and views, and the vote buttons. Posts cannot be forwarded from
 * channels the bot is not in, so they are re-rendered from the scraped content.
 */
public final class PostRenderer {

    static final int TEXT_LIMIT = 4096;
    static final int CAPTION_LIMIT = 1024;
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("d MMM yyyy, HH:mm 'UTC'").withZone(ZoneOffset.UTC);

    private final CallbackData callbacks;
    private final Messages messages;

    public PostRenderer(CallbackData callbacks, Messages messages) {
        this.callbacks = callbacks;
        this.messages = messages;
    }

    /** The send request for one delivery: a photo with caption when it fits, a text message otherwise. */
    public AbstractSendRequest<?> render(long chatId, String language, Post post) {
        InlineKeyboardMarkup keyboard = keyboard(chatId, language, post.id(), null);
        String photo = "photo".equals(post.kind()) && !post.mediaUrls().isEmpty() ? post.mediaUrls().get(0) : null;
        if (photo != null) {
            String caption = compose(post, CAPTION_LIMIT);
            return new SendPhoto(chatId, photo).caption(caption).parseMode(ParseMode.HTML).replyMarkup(keyboard);
        }
        return new SendMessage(chatId, compose(post, TEXT_LIMIT)).parseMode(ParseMode.HTML)
                .linkPreviewOptions(new LinkPreviewOptions().isDisabled(post.mediaUrls().isEmpty()))
                .replyMarkup(keyboard);
    }

    /** The buttons under a post; {@code chosen} marks the vote the reader pressed. */
    public InlineKeyboardMarkup keyboard(long chatId, String language, long postId, Action chosen) {
        return new InlineKeyboardMarkup(
                new InlineKeyboardButton(chosen == Action.LIKE ? "✅ 👍" : "👍").callbackData(callbacks.encode(chatId, Action.LIKE, postId)),
                new InlineKeyboardButton(chosen == Action.DISLIKE ? "✅ 👎" : "👎").callbackData(callbacks.encode(chatId, Action.DISLIKE, postId)),
                new InlineKeyboardButton(messages.get(language, "button.more")).callbackData(callbacks.encode(chatId, Action.MORE, postId)));
    }

    static String compose(Post post, int limit) {
        String title = post.channelTitle() == null || post.channelTitle().isBlank() ? "@" + post.channelUsername() : post.channelTitle();
        String header = "<b><a href=\"" + Html.escape(post.permalink()) + "\">" + Html.escape(title) + "</a></b>\n\n";
        String footer = "\n\n<i>" + DATE.format(post.publishedAt()) + " · 👁 " + post.views() + "</i>";
        String body = post.html() == null || post.html().isBlank() ? Html.escape(post.text()) : post.html();
        int room = limit - header.length() - footer.length();
        if (body.length() > room) {
            String more = "… <a href=\"" + Html.escape(post.permalink()) + "\">→</a>";
            body = Html.escape(Html.cut(post.text(), Math.max(0, room - more.length() - 64))) + more;
        }
        return header + body + footer;
    }
}
