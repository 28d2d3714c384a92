package io.tidings.ingest;

import io.tidings.store.Post;
import io.tidings.store.PostRepository;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import reactor.core.publisher.Mono;

/**
 * Compares a channel's newest page with what is stored for the same message ids: a stored post missing from the page
 * was deleted (marked so, and retracted), one that reads differently was edited (updated). A page with an unreadable
 * post decides nothing: that post could be the "missing" one.
 */
final class PageReconciler {

    private final PostRepository posts;
    private final IngestMetrics metrics;
    private final Consumer<Post> retract;

    PageReconciler(PostRepository posts, IngestMetrics metrics, Consumer<Post> retract) {
        this.posts = posts;
        this.metrics = metrics;
        this.retract = retract;
    }

    /** Posts stored within the newest page's id range but missing from it were deleted; changed ones were edited. */
    Mono<Void> reconcile(PolledChannel st, ChannelPage newest) {
        if (newest.posts().isEmpty() || newest.skipped() > 0) {
            return Mono.empty(); // an unreadable post could be the "missing" one: decide nothing on such a page
        }
        long from = newest.lowestId();
        long to = Math.min(st.lastMessageId, newest.posts().stream().mapToLong(ChannelPost::messageId).max().orElse(0));
        if (to < from) {
            return Mono.empty();
        }
        Map<Long, ChannelPost> onPage = new HashMap<>();
        newest.posts().forEach(p -> onPage.put(p.messageId(), p));
        return posts.between(st.id, from, to)
                .concatMap(stored -> {
                    ChannelPost now = onPage.get(stored.messageId());
                    if (now == null) {
                        return posts.markDeleted(stored.id()).doOnNext(p -> {
                            metrics.deleted();
                            retract.accept(p);
                        });
                    }
                    if (differs(stored, now)) {
                        return posts.updateContent(stored.id(), now.kind(), now.text(), now.html(), now.mediaUrls(),
                                now.views(), now.edited()).doOnNext(p -> metrics.edited());
                    }
                    return Mono.<Post>empty();
                })
                .then();
    }

    private static boolean differs(Post stored, ChannelPost now) {
        return !(stored.kind() == now.kind() && stored.text().equals(now.text()) && stored.html().equals(now.html())
                && stored.mediaUrls().equals(now.mediaUrls()));
    }
}
