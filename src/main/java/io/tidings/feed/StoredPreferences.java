package io.tidings.feed;

import io.tidings.store.PenaltyRepository;
import io.tidings.store.ReaderSettings;
import io.tidings.store.ReaderSettingsRepository;
import io.tidings.util.Loop;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

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
    private final Duration halfLife;
    private volatile Map<Long, Map<Long, Penalty>> byReader = new ConcurrentHashMap<>();
    private volatile Map<Long, ReaderSettings> nonDefault = Map.of();

    private StoredPreferences(PenaltyRepository penalties, ReaderSettingsRepository settings, Duration halfLife) {
        this.penalties = penalties;
        this.settings = settings;
        this.halfLife = halfLife;
        penalties.onAdded(this::pressed);
    }

    /** Loads the current presses and settings (blocking: call at start-up). */
    public static StoredPreferences load(PenaltyRepository penalties, ReaderSettingsRepository settings, Duration halfLife) {
        StoredPreferences p = new StoredPreferences(penalties, settings, halfLife);
        p.reload().block(Duration.ofMinutes(1));
        return p;
    }

    /** Reloads everything from the database. */
    public Mono<Void> reload() {
        long now = System.currentTimeMillis();
        Mono<Map<Long, Map<Long, Penalty>>> loadedPenalties = penalties.allActive(halfLife)
                .collect(ConcurrentHashMap::new, (Map<Long, Map<Long, Penalty>> m, PenaltyRepository.Active a) ->
                        m.computeIfAbsent(a.reader(), k -> new ConcurrentHashMap<>()).put(a.channel(), new Penalty(a.penalty(), now)));
        Mono<Map<Long, ReaderSettings>> loadedSettings = settings.activeNonDefault()
                .collectMap(ReaderSettings::readerId);
        return Mono.zip(loadedPenalties, loadedSettings)
                .doOnNext(t -> {
                    byReader = t.getT1();
                    nonDefault = t.getT2();
                })
                .then();
    }

    /** Reloads every {@link #RELOAD}; dispose to stop. */
    public Disposable start() {
        // a failed reload keeps the last preferences
        return Loop.named("preferences").every(RELOAD).timeout(RELOAD).start(this::reload);
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
        return (float) ReaderPreferences.factor(penalty(reader, channel));
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
