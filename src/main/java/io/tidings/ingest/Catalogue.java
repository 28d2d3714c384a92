package io.tidings.ingest;

import io.tidings.store.ChannelStatus;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.Function;

import io.tidings.store.Channel;
import io.tidings.store.ChannelRepository;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The channel catalogue as readers and operators see it. A suggestion ({@code @name}, {@code t.me/name},
 * {@code https://t.me/s/name}, or the username of a forwarded channel post) is normalised and checked against
 * Telegram's username rules before anything else; a valid one is checked once against its public preview, then
 * followed at once or held for an operator, as configured. Against abuse: a channel is added only after its preview
 * was read (a probe that fails for any reason adds nothing), each reader has a daily quota of suggestions of channels
 * new to the catalogue, and once the catalogue follows {@link Limits#autoAcceptUpTo} channels new suggestions are held
 * for an operator even with auto-accept. Operators have no quota. Every answer is a {@link Suggestion} the bot turns
 * into a reply.
 */
public final class Catalogue {

    /** What became of a suggestion. */
    public enum Outcome {
        /** Followed from now on (newly, or it already was). */
        ACCEPTED,
        /** Waiting for an operator's approval. */
        HELD,
        /** Not a channel username (5–32 letters, digits, underscores, starting with a letter). */
        INVALID,
        /** No public preview, not found, or known to be unreadable. */
        UNAVAILABLE,
        /** The preview could not be read just now (t.me slow or failing): nothing added, the reader may try later. */
        UNCHECKED,
        /** The reader's suggestions for today are used up: nothing checked, nothing added. */
        QUOTA
    }

    /**
     * @param suggestionsPerDay suggestions of channels new to the catalogue per reader and UTC day (0: none)
     * @param autoAcceptUpTo    with auto-accept, suggestions are held for an operator once this many channels are followed
     */
    public record Limits(int suggestionsPerDay, int autoAcceptUpTo) {
        public static final Limits DEFAULTS = new Limits(5, 1000);

        public Limits {
            if (suggestionsPerDay < 0 || autoAcceptUpTo < 0) throw new IllegalArgumentException("limits must not be negative");
        }
    }

    /**
     * @param outcome what happened
     * @param channel the normalised username, or {@code null} for {@link Outcome#INVALID}
     * @param isNew   the catalogue did not have the channel before
     * @param detail  a short reason for HELD and UNAVAILABLE (plain text, for logs and replies)
     */
    public record Suggestion(Outcome outcome, String channel, boolean isNew, String detail) {
    }

    private final ChannelRepository channels;
    private final Function<String, Mono<ChannelPage>> probe;
    private final boolean autoAccept;
    private final Runnable onAccepted;
    private final Limits limits;

    /** As below, with {@link Limits#DEFAULTS}. */
    public Catalogue(ChannelRepository channels, Function<String, Mono<ChannelPage>> probe, boolean autoAccept,
            Runnable onAccepted) {
        this(channels, probe, autoAccept, onAccepted, Limits.DEFAULTS);
    }

    /**
     * @param probe      reads a channel's newest page ({@code fetcher::fetch} for the first page)
     * @param autoAccept follow suggestions at once, or hold them for an operator
     * @param onAccepted called after a channel became active (e.g. {@link IngestService#refreshSoon})
     * @param limits     the daily quota per reader and the catalogue size up to which suggestions are auto-accepted
     */
    public Catalogue(ChannelRepository channels, Function<String, Mono<ChannelPage>> probe, boolean autoAccept,
            Runnable onAccepted, Limits limits) {
        this.channels = Objects.requireNonNull(channels, "channels");
        this.probe = Objects.requireNonNull(probe, "probe");
        this.autoAccept = autoAccept;
        this.onAccepted = onAccepted == null ? () -> { } : onAccepted;
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /** A catalogue probing channels through {@code fetcher}. */
    public static Catalogue of(ChannelRepository channels, ChannelPageFetcher fetcher, boolean autoAccept,
            Runnable onAccepted) {
        return of(channels, fetcher, autoAccept, onAccepted, Limits.DEFAULTS);
    }

    /** The same, with limits. */
    public static Catalogue of(ChannelRepository channels, ChannelPageFetcher fetcher, boolean autoAccept,
            Runnable onAccepted, Limits limits) {
        return new Catalogue(channels, name -> fetcher.fetch(name, OptionalLong.empty()), autoAccept, onAccepted, limits);
    }

    /** Handles what a reader typed after /add (or the username of a channel post they forwarded). */
    public Mono<Suggestion> suggest(String raw, long readerId) {
        return suggest(raw, readerId, false);
    }

    /** The same; an operator's suggestion has no quota and is never held for the catalogue's size. */
    public Mono<Suggestion> suggest(String raw, long readerId, boolean operator) {
        var name = ChannelNames.normalize(raw);
        if (name.isEmpty()) {
            return Mono.just(new Suggestion(Outcome.INVALID, null, false,
                    "not a public channel username (5–32 letters, digits or _, starting with a letter)"));
        }
        String n = name.get();
        return channels.findByUsername(n)
                .flatMap(existing -> Mono.just(known(existing)))
                .switchIfEmpty(Mono.defer(() -> operator ? probeThenAdd(n, readerId, true)
                        : channels.countSuggestion(readerId).flatMap(count -> count > limits.suggestionsPerDay()
                                ? Mono.just(new Suggestion(Outcome.QUOTA, n, false,
                                        "at most " + limits.suggestionsPerDay() + " new channels a day"))
                                : probeThenAdd(n, readerId, false))));
    }

    private Suggestion known(Channel c) {
        return switch (c.status()) {
            case ACTIVE -> new Suggestion(Outcome.ACCEPTED, c.username(), false, null);
            case HELD -> new Suggestion(Outcome.HELD, c.username(), false, "waiting for an operator");
            default -> new Suggestion(Outcome.UNAVAILABLE, c.username(), false, "not readable");
        };
    }

    private Mono<Suggestion> probeThenAdd(String name, long readerId, boolean operator) {
        Mono<Suggestion> refused = probe.apply(name)
                .switchIfEmpty(Mono.error(() -> new IllegalStateException("no page")))
                .flatMap(page -> page.showsAnotherChannel()
                        ? Mono.just(new Suggestion(Outcome.UNAVAILABLE, name, false, "the name belongs to another channel"))
                        : Mono.<Suggestion>empty())
                .onErrorResume(ChannelUnavailableException.class, e -> Mono.just(new Suggestion(Outcome.UNAVAILABLE, name,
                        false, e.getMessage().substring(e.getMessage().indexOf(':') + 1).strip())))
                // t.me slow, failing or paused: not read, so not added (a failed probe is no acceptance)
                .onErrorResume(e -> Mono.just(new Suggestion(Outcome.UNCHECKED, name, false,
                        "could not be checked just now (" + e.getClass().getSimpleName() + ")")));
        return refused.switchIfEmpty(Mono.defer(() -> add(name, readerId, operator)));
    }

    /** The preview was read: followed, or held when auto-accept is off or the catalogue is already large. */
    private Mono<Suggestion> add(String name, long readerId, boolean operator) {
        Mono<Boolean> roomLeft = operator || !autoAccept ? Mono.just(autoAccept)
                : channels.countActive().map(n -> n < limits.autoAcceptUpTo());
        return roomLeft.flatMap(accept -> channels.suggest(name, readerId, accept ? ChannelStatus.ACTIVE : ChannelStatus.HELD)
                .map(s -> {
                    if (!s.created()) {
                        return known(s.channel());
                    }
                    if (accept) {
                        onAccepted.run();
                        return new Suggestion(Outcome.ACCEPTED, name, true, null);
                    }
                    return new Suggestion(Outcome.HELD, name, true, autoAccept
                            ? "the catalogue follows " + limits.autoAcceptUpTo() + " channels or more: waiting for an operator"
                            : "waiting for an operator");
                }));
    }

    /** Suggestions waiting for an operator. */
    public Flux<Channel> held() {
        return channels.held();
    }

    /** An operator approves a held channel (or re-activates an unavailable one); emits whether one changed. */
    public Mono<Boolean> approve(String raw) {
        return ChannelNames.normalize(raw)
                .map(n -> channels.setStatus(n, ChannelStatus.ACTIVE).map(rows -> rows > 0)
                        .doOnNext(changed -> {
                            if (changed) {
                                onAccepted.run();
                            }
                        }))
                .orElse(Mono.just(false));
    }

    /** An operator rejects a channel: it stays in the catalogue as removed, so it is not suggested again. */
    public Mono<Boolean> reject(String raw) {
        return ChannelNames.normalize(raw)
                .map(n -> channels.setStatus(n, ChannelStatus.REMOVED).map(rows -> rows > 0))
                .orElse(Mono.just(false));
    }
}
