package io.tidings.testkit.channels;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongFunction;

/**
 * One channel of the {@link LocalChannelServer}: its posts (ids 1, 2, 3, … as Telegram gives them; an album takes one
 * per photo), its pages as t.me renders them, and the faults a test sets on it. Thread-safe.
 */
final class FakeChannel {

    final String title;
    final String description;
    private final List<TmePageRenderer.Post> posts = new ArrayList<>(); // guarded by this, ascending ids
    private long lastId;                                                  // guarded by this
    volatile boolean noPreview;
    volatile boolean invalidUtf8;
    volatile boolean hanging;
    volatile int padding;
    volatile int failWith;                                        // 0 = answer normally
    final AtomicInteger goneAnswers = new AtomicInteger();       // answers still to give as "gone"
    volatile int goneStatus;                                      // 302 (redirect to /name), 404 or 410

    FakeChannel(String title, String description) {
        this.title = title;
        this.description = description;
    }

    /** Publishes {@code post} (given its id) taking {@code ids} message ids; returns its id. */
    synchronized long add(int ids, LongFunction<TmePageRenderer.Post> post) {
        long id = lastId + 1;
        lastId += ids;
        posts.add(post.apply(id));
        return id;
    }

    /** Deletes a post; false when there was none. */
    synchronized boolean delete(long id) {
        return posts.removeIf(p -> p.id() == id);
    }

    /** Replaces a post's text and marks it edited; false when there is no such post. */
    synchronized boolean edit(long id, String newText) {
        for (int i = 0; i < posts.size(); i++) {
            if (posts.get(i).id() == id) {
                posts.set(i, posts.get(i).edit(newText == null ? "" : newText));
                return true;
            }
        }
        return false;
    }

    /**
     * The page of {@code name} with the latest {@code pageSize} posts before {@code before} (null: the newest), as
     * t.me sends it: with this channel's filler and broken UTF-8 when a test set them.
     */
    byte[] page(String name, Long before, int pageSize) {
        List<TmePageRenderer.Post> page;
        Long more;
        long last;
        synchronized (this) {
            int end = posts.size();
            if (before != null) {
                end = 0;
                while (end < posts.size() && posts.get(end).id() < before) {
                    end++;
                }
            }
            int start = Math.max(0, end - pageSize);
            page = List.copyOf(posts.subList(start, end));
            more = start > 0 ? page.get(0).id() : null;
            last = lastId;
        }
        String html = TmePageRenderer.channelPage(name, title, description, 1_000 + last, page, more);
        if (padding > 0) {
            int at = html.lastIndexOf("</body>");
            html = html.substring(0, at) + "<div class=\"filler\">" + "x".repeat(padding) + "</div>\n" + html.substring(at);
        }
        return invalidUtf8 ? breakUtf8(html) : html.getBytes(StandardCharsets.UTF_8);
    }

    /** Puts a lone continuation byte and a truncated sequence into every post text. */
    private static byte[] breakUtf8(String html) {
        String marker = "js-message_text\" dir=\"auto\">";
        var out = new ByteArrayOutputStream(html.length() + 64);
        int from = 0;
        for (int at = html.indexOf(marker); at >= 0; at = html.indexOf(marker, from)) {
            int end = at + marker.length();
            out.writeBytes(html.substring(from, end).getBytes(StandardCharsets.UTF_8));
            out.writeBytes(new byte[] {(byte) 0x80, 'o', 'k', (byte) 0xE2, (byte) 0x82, ' '});
            from = end;
        }
        out.writeBytes(html.substring(from).getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }
}
