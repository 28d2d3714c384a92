package io.tidings.feed;

import io.tidings.store.PenaltyRepository;
import io.tidings.store.ReaderControlRepository;
import io.tidings.store.ReaderSettings;
import io.tidings.store.ReaderSettingsRepository;
import io.tidings.util.Loop;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * {@link ReaderPreferences} kept in memory for the planner, which asks under its candidate lock: the "Less from
 * this channel" presses (decaying with their half-life) and the settings that differ from the defaults. Loaded
 * at start, updated at once on a press stored here, and reloaded every {@link #RELOAD} (presses on other replicas
 * and settings changes reach the planner within that time).
 */
public final class StoredPreferences implements ReaderPreferences {

    private static final Logger log = LoggerFactory.getLogger(StoredPreferences.class);
    static final Duration RELOAD = Duration.ofMinutes(1);

    /** A decayed penalty as of {@code atMillis}: p(t) = value · 0.5^((t − atMillis) / halfLife). */
    private record Penalty(double value, long atMillis) {}

    private final PenaltyRepository penalties;
    private final ReaderSettingsRepository settings;
    private final ReaderControlRepository control;
    private final PostFacts facts;
    private final Duration halfLife;
    private final List<java.util.function.LongConsumer> changed = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile Map<Long, Map<Long, Penalty>> byReader = new ConcurrentHashMap<>();
    private volatile Map<Long, ReaderSettings> nonDefault = Map.of();
    /** Per reader, only for readers who asked: muted channels, the /only list, compiled filters, the ad filter off. */
    private volatile Map<Long, Set<Long>> mutes = new ConcurrentHashMap<>();
    /** Onboarding picks of the last {@link #PICKS_LAST}: reader → channels and when the latest was made. */
    private volatile Map<Long, ReaderControlRepository.Picks> picks = new ConcurrentHashMap<>();
    /** How long onboarding picks steer a reader's posts. */
    public static final Duration PICKS_LAST = Duration.ofHours(24);
    /** While picks steer, the factor on the score of the other channels' posts (the picked ones win unless far worse). */
    static final float NOT_PICKED = 0.5f;
    private volatile Map<Long, Set<Long>> follows = new ConcurrentHashMap<>();
    private volatile Map<Long, ReaderFilters> filters = new ConcurrentHashMap<>();
    private volatile Set<Long> adFilterOff = ConcurrentHashMap.newKeySet();

    private StoredPreferences(PenaltyRepository penalties, ReaderSettingsRepository settings, ReaderControlRepository control,
                              PostFacts facts, Duration halfLife) {
        this.penalties = penalties;
        this.settings = settings;
        this.control = control;
        this.facts = facts;
        this.halfLife = halfLife;
        penalties.onAdded(this::pressed);
    }

    /** Loads the current presses, settings, mutes and filters (blocking: call at start-up). */
    public static StoredPreferences load(PenaltyRepository penalties, ReaderSettingsRepository settings,
                                         ReaderControlRepository control, PostFacts facts, Duration halfLife) {
        StoredPreferences p = new StoredPreferences(penalties, settings, control, facts, halfLife);
        p.reload().block(Duration.ofMinutes(1));
        return p;
    }

    @Override
    public long group(long post) {
        return facts.group(post);
    }

    @Override
    public boolean anyRepeats() {
        return facts.anyRepeats();
    }

    /** The facts of fresh posts that filters read. */
    public PostFacts facts() {
        return facts;
    }

    /** Reloads everything from the database. */
    public Mono<Void> reload() {
        long now = System.currentTimeMillis();
        Mono<Map<Long, Map<Long, Penalty>>> loadedPenalties = penalties.allActive(halfLife)
                .collect(ConcurrentHashMap::new, (Map<Long, Map<Long, Penalty>> m, PenaltyRepository.Active a) ->
                        m.computeIfAbsent(a.reader(), k -> new ConcurrentHashMap<>()).put(a.channel(), new Penalty(a.penalty(), now)));
        Mono<Map<Long, ReaderSettings>> loadedSettings = settings.activeNonDefault()
                .collectMap(ReaderSettings::readerId);
        Mono<Map<Long, Set<Long>>> loadedMutes = control.allMutes().collect(ConcurrentHashMap::new, StoredPreferences::put);
        Mono<Map<Long, Set<Long>>> loadedFollows = control.allFollows().collect(ConcurrentHashMap::new, StoredPreferences::put);
        Mono<Map<Long, ReaderFilters>> loadedFilters = control.allFilters()
                .collectMultimap(ReaderControlRepository.Filter::readerId)
                .map(m -> {
                    Map<Long, ReaderFilters> out = new ConcurrentHashMap<>();
                    m.forEach((reader, list) -> out.put(reader, ReaderFilters.of(list)));
                    return out;
                });
        Mono<Set<Long>> loadedAdOff = control.adFilterOff().collect(ConcurrentHashMap::newKeySet, Set::add);
        Mono<Map<Long, ReaderControlRepository.Picks>> loadedPicks = control.recentPicks(PICKS_LAST).map(ConcurrentHashMap::new);
        return Mono.zip(loadedPenalties, loadedSettings, loadedMutes, loadedFollows, loadedFilters, loadedAdOff)
                .zipWhen(t -> loadedPicks) // after the others: no more connections at once than before
                .map(tp -> {
                    picks = tp.getT2();
                    return tp.getT1();
                })
                .doOnNext(t -> {
                    byReader = t.getT1();
                    nonDefault = t.getT2();
                    mutes = t.getT3();
                    follows = t.getT4();
                    filters = t.getT5();
                    adFilterOff = t.getT6();
                })
                .then();
    }

    /** Reloads one reader's mutes, /only list, filters and ad-filter switch: call after they changed any. */
    public Mono<Void> reload(long reader) {
        Mono<Set<Long>> m = control.muted(reader).map(ReaderControlRepository.ChannelRef::id).collect(HashSet::new, Set::add);
        Mono<Set<Long>> f = control.followed(reader).map(ReaderControlRepository.ChannelRef::id).collect(HashSet::new, Set::add);
        Mono<List<ReaderControlRepository.Filter>> fl = control.filters(reader).collectList();
        return Mono.zip(m, f, fl, control.adFilter(reader)).publishOn(Schedulers.boundedElastic()).doOnNext(t -> {
            putOrRemove(mutes, reader, t.getT1());
            putOrRemove(follows, reader, t.getT2());
            if (t.getT3().isEmpty()) filters.remove(reader);
            else filters.put(reader, ReaderFilters.of(t.getT3()));
            if (t.getT4()) adFilterOff.remove(reader);
            else adFilterOff.add(reader);
            changed.forEach(l -> l.accept(reader));
        }).then();
    }

    /** Told (off the event loop) after a reader's mutes, /only list, filters or ad filter changed. */
    public void onChanged(java.util.function.LongConsumer listener) {
        changed.add(listener);
    }

    /** Reloads one reader's onboarding picks: call after they picked or unpicked a channel. */
    public Mono<Void> reloadPicks(long reader) {
        return control.picks(reader, PICKS_LAST)
                .doOnNext(p -> picks.put(reader, p))
                .switchIfEmpty(Mono.fromRunnable(() -> picks.remove(reader)))
                .then();
    }

    /** The reader's picks still steering their posts, or null. */
    private ReaderControlRepository.Picks activePicks(long reader) {
        ReaderControlRepository.Picks p = picks.get(reader);
        return p == null || p.latest().plus(PICKS_LAST).isBefore(java.time.Instant.now()) ? null : p;
    }

    /** Drops the reader's "less" penalty for a channel (undone from /less). */
    public void clearPenalty(long reader, long channel) {
        Map<Long, Penalty> m = byReader.get(reader);
        if (m != null) m.remove(channel);
    }

    /** Forgets everything about a reader (after /forget); call off the event loop (listeners take the candidate lock). */
    public void forget(long reader) {
        changed.forEach(l -> l.accept(reader));
        mutes.remove(reader);
        follows.remove(reader);
        filters.remove(reader);
        adFilterOff.remove(reader);
        byReader.remove(reader);
        picks.remove(reader);
    }

    private static void putOrRemove(Map<Long, Set<Long>> m, long reader, Set<Long> set) {
        if (set.isEmpty()) m.remove(reader);
        else m.put(reader, Set.copyOf(set));
    }

    private static void put(Map<Long, Set<Long>> m, ReaderControlRepository.Pair p) {
        m.computeIfAbsent(p.readerId(), k -> ConcurrentHashMap.newKeySet()).add(p.channelId());
    }

    /**
     * Whether the post may reach the reader: not from a muted channel, from a followed one when the reader keeps an
     * /only list, not an ad unless they switched the ad filter off, and through their word filters.
     */
    @Override
    public boolean admits(long reader, long post, long channel) {
        Set<Long> m = mutes.get(reader);
        if (m != null && m.contains(channel)) return false;
        Set<Long> f = follows.get(reader);
        if (f != null && !f.contains(channel)) return false;
        if (facts.isAd(post) && !adFilterOff.contains(reader)) return false;
        ReaderFilters rf = filters.get(reader);
        return rf == null || rf.admits(facts.of(post));
    }

    /**
     * Reloads every {@link #RELOAD}, then drops the facts of posts {@code keepFacts} rejects; the loop counts on
     * {@code meters}. Dispose to stop.
     */
    public Disposable start(java.util.function.LongPredicate keepFacts, io.micrometer.core.instrument.MeterRegistry meters) {
        // a failed reload keeps the last preferences
        return Loop.named("preferences").every(RELOAD).timeout(RELOAD).meters(meters)
                .start(() -> reload().doOnSuccess(v -> facts.prune(keepFacts)));
    }

    private void pressed(long reader, long channel, double weight) {
        long now = System.currentTimeMillis();
        byReader.computeIfAbsent(reader, k -> new ConcurrentHashMap<>())
                .merge(channel, new Penalty(weight, now), (old, add) -> new Penalty(decayed(old, now) + add.value(), now));
    }

    private double decayed(Penalty p, long nowMillis) {
        return p.value() * Math.pow(0.5, (nowMillis - p.atMillis()) / (double) halfLife.toMillis());
    }

    /** The reader's decayed penalty for a channel now (0 when none). */
    public double penalty(long reader, long channel) {
        Map<Long, Penalty> m = byReader.get(reader);
        Penalty p = m == null ? null : m.get(channel);
        return p == null ? 0 : decayed(p, System.currentTimeMillis());
    }

    @Override
    public float channelFactor(long reader, long channel) {
        float f = (float) ReaderPreferences.factor(penalty(reader, channel));
        if (picks.isEmpty()) return f;
        ReaderControlRepository.Picks p = activePicks(reader);
        // factors only lower scores (the candidate sets stay exact): the picked channels win by the others losing
        return p == null || p.channels().contains(channel) ? f : f * NOT_PICKED;
    }

    @Override
    public boolean instantPush(long reader, boolean byDefault) {
        ReaderSettings s = nonDefault.get(reader);
        return byDefault && (s == null || s.instantPush());
    }

    @Override
    public int postsPerMailing(long reader, int byDefault) {
        ReaderSettings s = nonDefault.get(reader);
        return s == null ? byDefault : s.postsPerMailing();
    }

    /** Channel id → decayed penalty of one reader, read from the database (for /channels and tests). */
    public Mono<Map<Long, Double>> penalties(long reader) {
        return penalties.active(reader, halfLife);
    }

    /** The same for several readers at once: reader id → (channel id → penalty). */
    public Mono<Map<Long, Map<Long, Double>>> penalties(Long[] readers) {
        return penalties.active(readers, halfLife);
    }
}
