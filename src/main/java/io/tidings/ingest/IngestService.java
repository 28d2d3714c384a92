package io.tidings.ingest;

import io.tidings.store.Channel;
import io.tidings.store.ChannelRepository;
import io.tidings.store.Post;
import io.tidings.store.PostRepository;
import io.tidings.store.PostRepository.NewPost;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * Polls the followed channels: reads the newest page, walks older pages until it reaches what is
 * already stored (or the backfill depth at first sight), stores each post once and announces the new
 * ones. A failing channel is logged and skipped; the others go on.
 */
public final class IngestService {

    private static final Logger log = LoggerFactory.getLogger(IngestService.class);
    private static final int CHANNEL_CONCURRENCY = 4;
    private static final int CATCH_UP_PAGES = 20;

    private final ChannelPageFetcher fetcher;
    private final ChannelRepository channels;
    private final PostRepository posts;
    private final Consumer<Post> announce;
    private final int backfillPages;
    private volatile Supplier<Flux<Channel>> due;

    public IngestService(ChannelPageFetcher fetcher, ChannelRepository channels, PostRepository posts,
                         Consumer<Post> announce, int backfillPages) {
        this.fetcher = fetcher;
        this.channels = channels;
        this.posts = posts;
        this.announce = announce;
        this.backfillPages = Math.max(1, backfillPages);
        this.due = channels::active;
    }

    /** Adds configured channels to the catalogue (invalid names are reported and skipped). */
    public Mono<Long> follow(List<String> names) {
        return Flux.fromIterable(names)
                .flatMap(raw -> ChannelNames.normalize(raw)
                        .map(channels::ensure)
                        .orElseGet(() -> {
                            log.warn("ignoring channel {}: not a valid public channel name", printable(raw));
                            return Mono.empty();
                        }), 4)
                .count();
    }

    /** Polls only the channels {@code due} gives (several replicas: those whose polling lease this one holds). */
    public void pollOnly(Supplier<Flux<Channel>> due) {
        this.due = due;
    }

    /** Polls every active channel once; emits the number of new posts stored. */
    public Mono<Long> pollAll() {
        return Flux.defer(due)
                .flatMap(ch -> pollChannel(ch).onErrorResume(e -> {
                    log.warn("polling @{} failed: {}", ch.username(), e.toString());
                    return Mono.just(0L);
                }), CHANNEL_CONCURRENCY)
                .reduce(0L, Long::sum);
    }

    /** Polls now and then every {@code interval}; dispose to stop. */
    public Disposable start(Duration interval) {
        return Flux.interval(Duration.ZERO, interval)
                .onBackpressureDrop()
                .concatMap(t -> pollAll().doOnNext(n -> {
                    if (n > 0) log.info("ingested {} new posts", n);
                }), 1)
                .subscribe();
    }

    Mono<Long> pollChannel(Channel ch) {
        int maxPages = ch.lastMessageId() == 0 ? backfillPages : CATCH_UP_PAGES;
        return fetchWithRetry(ch.username(), OptionalLong.empty())
                .expand(page -> {
                    boolean reachedKnown = page.posts().stream().anyMatch(p -> p.messageId() <= ch.lastMessageId());
                    return reachedKnown || page.nextBefore().isEmpty() ? Mono.empty()
                            : fetchWithRetry(ch.username(), page.nextBefore());
                })
                .take(maxPages)
                .collectList()
                .flatMap(pages -> store(ch, pages))
                .onErrorResume(ChannelUnavailableException.class, e -> {
                    log.warn("@{} is not readable ({}): it will not be polled again", ch.username(), e.getMessage());
                    return channels.markUnavailable(ch.id()).thenReturn(0L);
                });
    }

    private Mono<ChannelPage> fetchWithRetry(String channel, OptionalLong before) {
        return fetcher.fetch(channel, before)
                .retryWhen(Retry.backoff(2, Duration.ofSeconds(1)).maxBackoff(Duration.ofSeconds(10))
                        .filter(e -> e instanceof ChannelFetchException));
    }

    private Mono<Long> store(Channel ch, List<ChannelPage> pages) {
        String title = pages.isEmpty() ? null : pages.get(0).title();
        List<ChannelPost> fresh = pages.stream().flatMap(p -> p.posts().stream())
                .filter(p -> p.messageId() > ch.lastMessageId())
                .sorted(Comparator.comparingLong(ChannelPost::messageId))
                .toList();
        long newest = fresh.stream().mapToLong(ChannelPost::messageId).max().orElse(ch.lastMessageId());
        return Flux.fromIterable(fresh)
                .concatMap(p -> posts.insertIfAbsent(new NewPost(ch.id(), p.messageId(), p.date(),
                        p.kind().name().toLowerCase(Locale.ROOT), p.text(), p.html(), p.mediaUrls(), p.views(), p.forwardedFrom())))
                .doOnNext(announce)
                .count()
                .flatMap(n -> channels.polled(ch.id(), title, newest).thenReturn(n));
    }

    /** Untrusted input in a log line: control characters replaced, length bounded. */
    private static String printable(String raw) {
        String s = raw.replaceAll("\\p{Cntrl}", "?");
        return '"' + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + '"';
    }
}
