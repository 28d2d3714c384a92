package io.tidings.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.pengrad.telegrambot.model.request.InlineKeyboardButton;
import com.pengrad.telegrambot.model.request.InlineKeyboardMarkup;
import com.pengrad.telegrambot.request.BaseRequest;
import io.tidings.console.ConsoleApi.BadRequest;
import io.tidings.ingest.ChannelNames;
import io.tidings.render.PostRenderer;
import io.tidings.render.RenderedPost;
import io.tidings.store.ChannelRepository;
import io.tidings.store.Post;
import io.tidings.store.PostRepository;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import reactor.core.publisher.Mono;

/**
 * Broadcasts as the console composes them: from a stored post (its t.me link or id) or from a text (stored as a post
 * of the announcements channel), previewed by the same renderer as a delivery, scheduled through the broadcast loop
 * and audited.
 */
final class BroadcastComposer {

    private static final Pattern LINK = Pattern.compile("(?:https?://)?(?:t\\.me|telegram\\.me)/(?:s/)?([A-Za-z0-9_]{4,32})/(\\d{1,12})/?");

    private final ConsoleStore store;
    private final PostRepository posts;
    private final ChannelRepository channels;
    private final PostRenderer renderer;
    private final ConsoleApi.BroadcastScheduler broadcasts;

    BroadcastComposer(ConsoleStore store, PostRepository posts, ChannelRepository channels, PostRenderer renderer,
                      ConsoleApi.BroadcastScheduler broadcasts) {
        this.store = store;
        this.posts = posts;
        this.channels = channels;
        this.renderer = renderer;
        this.broadcasts = broadcasts;
    }

    /** Schedules the broadcast {@code body} asks for ({@code post} or {@code text}, {@code at}); emits its id and time. */
    Mono<Map<String, Object>> schedule(JsonNode body, long operator) {
        String ref = body.path("post").asText("");
        String when = body.path("at").asText("now");
        Instant now = Instant.now();
        Instant at;
        try {
            at = when.equals("now") ? now : Instant.parse(when);
        } catch (DateTimeParseException e) {
            return Mono.error(new BadRequest("'at' must be 'now' or an ISO instant"));
        }
        if (at.isBefore(now.minusSeconds(60)) || at.isAfter(now.plus(Duration.ofDays(30)))) {
            return Mono.error(new BadRequest("a broadcast goes out between now and 30 days from now"));
        }
        Instant sendAt = at.isBefore(now) ? now : at;
        String text = body.path("text").asText("");
        Mono<Long> postId;
        if (!text.isBlank()) {
            if (!ref.isBlank()) return Mono.error(new BadRequest("a broadcast is a stored post or a text, not both"));
            String checked = announcementText(text);
            postId = store.storeAnnouncement(checked, PostRenderer.announcementHtml(checked));
        } else {
            postId = findPost(ref).switchIfEmpty(Mono.error(new BadRequest("no stored post " + ref))).map(Post::id);
        }
        return postId.flatMap(post -> broadcasts.schedule(post, sendAt, operator)
                .flatMap(id -> store.audit(operator, "schedule_broadcast", Long.toString(id),
                                (text.isBlank() ? "post " : "text as post ") + post + " at " + sendAt)
                        .thenReturn(Map.<String, Object>of("id", id, "post_id", post, "send_at", sendAt.toString()))));
    }

    /** Longest announcement: with its header and date it fits one Telegram message, never cut. */
    static final int ANNOUNCEMENT_MAX = 3000;

    private static String announcementText(String text) {
        String t = text.strip();
        if (t.isEmpty()) throw new BadRequest("the text is empty");
        if (t.length() > ANNOUNCEMENT_MAX || PostRenderer.announcementHtml(t).length() > ANNOUNCEMENT_MAX + 500) {
            throw new BadRequest("a broadcast text holds at most " + ANNOUNCEMENT_MAX + " characters");
        }
        return t;
    }

    /** A post by link ({@code https://t.me/name/123}) or by its id in the database. */
    private Mono<Post> findPost(String ref) {
        String r = ref == null ? "" : ref.strip();
        Matcher link = LINK.matcher(r);
        if (link.matches()) {
            Optional<String> name = ChannelNames.normalize(link.group(1));
            if (name.isEmpty()) return Mono.empty();
            long messageId = Long.parseLong(link.group(2));
            return channels.findByUsername(name.get()).flatMap(c -> posts.between(c.id(), messageId, messageId).next());
        }
        if (r.matches("#?\\d{1,18}")) return posts.find(Long.parseLong(r.replace("#", "")));
        return Mono.empty();
    }

    /** The messages a reader would get for this post, rendered by the same code as a delivery. */
    Mono<Object> preview(String ref, String composed, String lang) {
        Mono<Post> found;
        if (composed != null && !composed.isBlank()) {
            // the post the broadcast will store, rendered by the same code before it is stored
            String t;
            try {
                t = announcementText(composed);
            } catch (BadRequest e) {
                return Mono.error(e);
            }
            found = Mono.just(new Post(0, 0, PostRenderer.ANNOUNCEMENTS, "📢", 0, Instant.now(), io.tidings.store.PostKind.TEXT,
                    t, PostRenderer.announcementHtml(t), List.of(), 0, null));
        } else {
            found = findPost(ref).switchIfEmpty(Mono.error(new BadRequest("no stored post " + ref)));
        }
        return found.map(post -> {
            RenderedPost rendered = renderer.renderPost(0L, lang.equals("ru") ? "ru" : "en", post);
            List<Map<String, Object>> messages = new ArrayList<>();
            for (BaseRequest<?, ?> request : rendered.all()) {
                Map<String, Object> params = request.getParameters();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("method", request.getMethod());
                Object text = params.containsKey("text") ? params.get("text") : params.get("caption");
                m.put("html", text == null ? "" : text.toString());
                if (params.get("photo") instanceof String photo) m.put("photo", photo);
                if (request.getMethod().equals("sendMediaGroup")) m.put("photos", post.mediaUrls());
                if (params.get("reply_markup") instanceof InlineKeyboardMarkup k) {
                    List<List<String>> rows = new ArrayList<>();
                    for (InlineKeyboardButton[] row : k.inlineKeyboard()) rows.add(Arrays.stream(row).map(InlineKeyboardButton::text).toList());
                    m.put("buttons", rows);
                }
                messages.add(m);
            }
            boolean announcement = PostRenderer.ANNOUNCEMENTS.equals(post.channelUsername());
            return Map.of("post", Map.of("id", post.id(), "channel", post.channelUsername(),
                            "permalink", announcement ? "" : post.permalink()),
                    "messages", messages);
        });
    }
}
