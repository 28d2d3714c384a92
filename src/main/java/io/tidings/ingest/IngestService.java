package io.tidings.ingest;

import io.tidings.util.Loop;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tidings.store.Channel;
import io.tidings.store.ChannelRepository;
import io.tidings.store.Post;
import io.tidings.store.PostRepository;
import io.tidings.store.PostRepository.NewPost;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Polls the followed channels: at first sight it reads back {@code backfillPages} pages, afterwards only what is new
 * (walking older pages until it reaches what is stored). Each channel has its own interval, adapted to how often it
 * posts; all requests share one politeness gate (rate limit, retry with backoff, circuit breaker) and at most
 * {@code maxConcurrent} channels are read at once. New posts are stored once and announced; posts gone from the newest
 * page are marked deleted and retracted; edited posts are updated. A channel without a public preview, a removed one
 * or a name now taken by another channel (a redirect, 404 or 410) is marked unavailable (with the reason) only when
 * that persists: {@code goneChecks} checks in a row, spread over at least {@code goneAfter} (a blip of t.me costs
 * nothing). Unavailable channels, configured ones included, are checked again every {@code recheckUnavailable} and
 * followed again once they answer. A failing channel is logged, counted and retried later; the others go on.
 * Its parts: {@link PolledChannel} (a channel on the timetable), {@link PollSchedule} (its interval), {@link HostGate}
 * (politeness), {@link PageReconciler} (deleted and edited posts), {@link GoneChannels} (a channel that answers as gone).
 */
public final class IngestService {

    private static final Logger log = LoggerFactory.getLogger(IngestService.class);

    private final ChannelPageFetcher fetcher;
    private final ChannelRepository channels;
    private final PostRepository posts;
    private final Consumer<Post> announce;
    private final IngestConfig config;
    private final Clock clock;
    private final Scheduler timer;
    private final IngestMetrics metrics;
    private final MeterRegistry meters;
    private final HostGate gate;
    private final PollSchedule schedule;
    private final PageReconciler reconciler;
    private final GoneChannels gone;
    private final Map<Long, PolledChannel> states = new ConcurrentHashMap<>();
    private volatile Instant lastRefresh = Instant.EPOCH;
    private volatile Supplier<Flux<Channel>> owned;

    /** The walking skeleton's constructor: default politeness, no retraction, meters kept locally. */
    public IngestService(ChannelPageFetcher fetcher, ChannelRepository channels, PostRepository posts,
            Consumer<Post> announce, int backfillPages) {
        this(fetcher, channels, posts, announce, p -> { }, IngestConfig.custom().backfillPages(Math.max(1, backfillPages))
                .build(), new SimpleMeterRegistry(), Clock.systemUTC(), Schedulers.parallel());
    }

    /**
     * @param announce called once for every newly stored post (feeds the fresh pool)
     * @param retract  called once for every post found deleted from its channel (remove it from the fresh pool)
     * @param timer    runs the poll timetable, backoffs and delays (a virtual-time scheduler in tests)
     */
    public IngestService(ChannelPageFetcher fetcher, ChannelRepository channels, PostRepository posts,
            Consumer<Post> announce, Consumer<Post> retract, IngestConfig config, MeterRegistry meters, Clock clock,
            Scheduler timer) {
        this.fetcher = fetcher;
        this.channels = channels;
        this.posts = posts;
        this.announce = announce;
        this.config = config;
        this.clock = clock;
        this.timer = timer;
        this.metrics = new IngestMetrics(meters);
        this.meters = meters;
        this.gate = new HostGate(config, timer, metrics);
        this.schedule = new PollSchedule(config.minInterval(), config.maxInterval(), config.jitter(),
                () -> ThreadLocalRandom.current().nextDouble());
        this.owned = channels::active;
        this.reconciler = new PageReconciler(posts, metrics, retract);
        this.gone = new GoneChannels(channels, config, metrics, clock, st -> {
            states.remove(st.id);
            metrics.unwatch(st.username);
        });
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

    /**
     * With several replicas: polls and keeps on the timetable only the channels {@code owned} gives (the polling
     * leases this replica holds, renewed, plus newly claimed ones). One replica: every active channel.
     */
    public void pollOnly(Supplier<Flux<Channel>> owned) {
        this.owned = owned;
    }

    /** Polls every active channel (or every one this replica owns, see {@link #pollOnly}) once, now; emits the number of new posts stored. */
    public Mono<Long> pollAll() {
        return candidates()
                .map(this::state)
                .flatMap(st -> st.busy.compareAndSet(false, true) ? poll(st) : Mono.just(0L), config.maxConcurrent())
                .reduce(0L, Long::sum);
    }

    /** Polls one channel now, as the timetable would (for tests and the demo). */
    Mono<Long> pollChannel(Channel ch) {
        PolledChannel st = state(ch);
        return st.busy.compareAndSet(false, true) ? poll(st) : Mono.just(0L);
    }

    /**
     * Runs the timetable: every {@code tick} the channels that are due are polled, at most {@code maxConcurrent} at a
     * time; the catalogue is re-read every {@code catalogueRefresh}. The re-read runs on its own loop: it also
     * renews this replica's channel leases, which must not wait behind a long list of due polls. Dispose to stop.
     */
    public Disposable start() {
        Disposable catalogue = Loop.named("catalogue").every(config.tick()).firstAfter(Duration.ZERO)
                .timeout(Duration.ofMinutes(1)).on(timer).meters(meters).start(this::refreshIfStale);
        Disposable polling = Flux.interval(Duration.ZERO, config.tick(), timer)
                .onBackpressureDrop()
                .concatMapIterable(t -> takeDue(clock.instant()), 1)
                .flatMap(this::poll, config.maxConcurrent())
                .subscribe(n -> {
                    if (n > 0) {
                        log.debug("ingested {} new posts", n);
                    }
                }, e -> log.error("the ingest timetable stopped: {}", e.toString()));
        return Disposables.composite(catalogue, polling);
    }

    /** Makes the next tick re-read the catalogue (after a channel was added or approved). */
    public void refreshSoon() {
        lastRefresh = Instant.EPOCH;
    }

    private Mono<Void> refreshIfStale() {
        Instant now = clock.instant();
        if (Duration.between(lastRefresh, now).compareTo(config.catalogueRefresh()) < 0) {
            return Mono.empty();
        }
        lastRefresh = now;
        Set<Long> seen = new HashSet<>();
        return candidates()
                .doOnNext(ch -> {
                    seen.add(ch.id());
                    state(ch);
                })
                .then(Mono.fromRunnable(() -> states.values().removeIf(st -> {
                    boolean gone = !seen.contains(st.id) && !st.busy.get();
                    if (gone) {
                        metrics.unwatch(st.username);
                    }
                    return gone;
                })))
                .onErrorResume(e -> {
                    log.warn("could not read the channel catalogue: {}", e.toString());
                    return Mono.empty();
                })
                .then();
    }

    /** The channels to poll: this replica's active ones, and unavailable ones due for a re-check. */
    private Flux<Channel> candidates() {
        return Flux.concat(Flux.defer(owned),
                Flux.defer(() -> channels.unavailableCheckedBefore(clock.instant().minus(config.recheckUnavailable()))));
    }

    private List<PolledChannel> takeDue(Instant now) {
        List<PolledChannel> due = new ArrayList<>();
        for (PolledChannel st : states.values()) {
            if (!st.nextPollAt.isAfter(now) && st.busy.compareAndSet(false, true)) {
                due.add(st);
            }
        }
        due.sort(Comparator.comparing(st -> st.nextPollAt));
        return due;
    }

    private PolledChannel state(Channel ch) {
        return states.computeIfAbsent(ch.id(), id -> {
            PolledChannel st = new PolledChannel(ch, clock.instant().plus(schedule.initialDelay()));
            metrics.watch(st.username, () -> st.lastSuccess, clock::instant);
            return st;
        });
    }

    private Mono<Long> poll(PolledChannel st) {
        boolean first = st.lastMessageId == 0;
        int maxPages = first ? config.backfillPages() : config.catchUpPages();
        return fetch(st.username, OptionalLong.empty())
                .flatMap(newest -> {
                    if (newest.showsAnotherChannel()) {
                        return Mono.error(new ChannelUnavailableException(st.username,
                                "the name now belongs to another channel (@" + newest.info().username() + ")"));
                    }
                    Mono<Void> reconciled = first ? Mono.empty() : reconciler.reconcile(st, newest);
                    return reconciled.then(Mono.just(newest)
                            .expand(page -> reachedKnown(page, st.lastMessageId) ? Mono.empty()
                                    : fetch(st.username, page.nextBefore()))
                            .take(maxPages)
                            .collectList())
                            .flatMap(pages -> store(st, pages));
                })
                .doOnSuccess(n -> metrics.outcome("ok"))
                .onErrorResume(ChannelUnavailableException.class, e -> gone.answered(st, e))
                .onErrorResume(CallNotPermittedException.class, e -> {
                    metrics.outcome("paused");
                    st.nextPollAt = clock.instant().plus(config.breakerOpenFor());
                    return Mono.just(0L);
                })
                .onErrorResume(e -> {
                    metrics.outcome("failed");
                    if (e instanceof ChannelFetchException f && f.status() == 200) {
                        metrics.parseFailure("oversized", 1);
                    }
                    log.warn("polling @{} failed: {}", st.username, e.toString());
                    log.debug("polling @{} failed", st.username, e);
                    Duration backoff = st.interval == null ? config.minInterval() : st.interval;
                    st.nextPollAt = clock.instant().plus(schedule.withJitter(backoff));
                    return Mono.just(0L);
                })
                .doFinally(s -> st.busy.set(false));
    }

    private static boolean reachedKnown(ChannelPage page, long lastMessageId) {
        return page.nextBefore().isEmpty()
                || (!page.posts().isEmpty() && page.lowestId() <= lastMessageId);
    }

    /**
     * The newest page of {@code channel}, through the same host gate as polling (spacing, retries, breaker):
     * for the catalogue's probe of a suggested channel.
     */
    public Mono<ChannelPage> probe(String channel) {
        return fetch(channel, OptionalLong.empty());
    }

    private Mono<ChannelPage> fetch(String channel, OptionalLong before) {
        return gate.call(() -> fetcher.fetch(channel, before))
                .doOnNext(metrics::page);
    }

    private Mono<Long> store(PolledChannel st, List<ChannelPage> pages) {
        ChannelPage newest = pages.get(0);
        long known = st.lastMessageId;
        List<ChannelPost> fresh = pages.stream().flatMap(p -> p.posts().stream())
                .filter(p -> p.messageId() > known)
                .sorted(Comparator.comparingLong(ChannelPost::messageId))
                .distinct()
                .toList();
        long highest = fresh.stream().mapToLong(ChannelPost::messageId).max().orElse(known);
        ChannelInfo info = newest.info();
        return Flux.fromIterable(fresh)
                .concatMap(p -> posts.insertIfAbsent(new NewPost(st.id, p.messageId(), p.date(), p.kind(), p.text(),
                        p.html(), p.mediaUrls(), p.views(), p.forwardedFrom(), p.forwardedFromUrl(), p.mediaFile())))
                .doOnNext(p -> {
                    metrics.stored(p.publishedAt(), clock.instant());
                    announce.accept(p);
                })
                .count()
                .flatMap(n -> channels.polled(st.id, info.title(), info.description(), info.avatarUrl(),
                                info.subscribers(), highest)
                        .then(st.recheck ? gone.readableAgain(st) : Mono.empty())
                        .thenReturn(n))
                .doOnNext(n -> {
                    Instant now = clock.instant();
                    st.goneSince = null;
                    st.goneAnswers = 0;
                    st.lastMessageId = Math.max(st.lastMessageId, highest);
                    st.lastSuccess = now;
                    st.interval = schedule.next(newest.posts().stream().map(ChannelPost::date).toList(), st.interval,
                            !fresh.isEmpty(), now);
                    st.nextPollAt = now.plus(schedule.withJitter(st.interval));
                });
    }

    /** When the channel is polled next, or {@code null} when it is not on the timetable. */
    Instant nextPollAt(long channelId) {
        PolledChannel st = states.get(channelId);
        return st == null ? null : st.nextPollAt;
    }

    /** The host's circuit breaker state (CLOSED, OPEN, HALF_OPEN). */
    public String hostState() {
        return gate.state().name();
    }

    /** Untrusted input in a log line: control characters replaced, length bounded. */
    private static String printable(String raw) {
        String s = raw.replaceAll("\\p{Cntrl}", "?");
        return '"' + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + '"';
    }
}
