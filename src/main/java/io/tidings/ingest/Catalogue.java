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
 * followed at once or held for an operator, as configured. Every answer is a {@link Suggestion} the bot turns into a
 * reply.
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
        UNAVAILABLE
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

    /**
     * @param probe      reads a channel's newest page ({@code fetcher::fetch} for the first page); {@code null} to skip
     * @param autoAccept follow suggestions at once, or hold them for an operator
     * @param onAccepted called after a channel became active (e.g. {@link IngestService#refreshSoon})
     */
    public Catalogue(ChannelRepository channels, Function<String, Mono<ChannelPage>> probe, boolean autoAccept,
            Runnable onAccepted) {
        this.channels = Objects.requireNonNull(channels, "channels");
        this.probe = probe;
        this.autoAccept = autoAccept;
        this.onAccepted = onAccepted == null ? () -> { } : onAccepted;
    }

    /** A catalogue probing channels through {@code fetcher}. */
    public static Catalogue of(ChannelRepository channels, ChannelPageFetcher fetcher, boolean autoAccept,
            Runnable onAccepted) {
        return new Catalogue(channels, name -> fetcher.fetch(name, OptionalLong.empty()), autoAccept, onAccepted);
    }

    /** Handles what a reader typed after /add (or the username of a channel post they forwarded). */
    public Mono<Suggestion> suggest(String raw, long readerId) {
        var name = ChannelNames.normalize(raw);
        if (name.isEmpty()) {
            return Mono.just(new Suggestion(Outcome.INVALID, null, false,
                    "not a public channel username (5–32 letters, digits or _, starting with a letter)"));
        }
        String n = name.get();
        return channels.findByUsername(n)
                .flatMap(existing -> Mono.just(known(existing)))
                .switchIfEmpty(Mono.defer(() -> probeThenAdd(n, readerId)));
    }

    private Suggestion known(Channel c) {
        return switch (c.status()) {
            case ACTIVE -> new Suggestion(Outcome.ACCEPTED, c.username(), false, null);
            case HELD -> new Suggestion(Outcome.HELD, c.username(), false, "waiting for an operator");
            default -> new Suggestion(Outcome.UNAVAILABLE, c.username(), false, "not readable");
        };
    }

    private Mono<Suggestion> probeThenAdd(String name, long readerId) {
        Mono<String> problem = probe == null ? Mono.empty() : probe.apply(name)
                .flatMap(page -> page.showsAnotherChannel()
                        ? Mono.just("the name belongs to another channel")
                        : Mono.<String>empty())
                .onErrorResume(ChannelUnavailableException.class,
                        e -> Mono.just(e.getMessage().substring(e.getMessage().indexOf(':') + 1).strip()))
                .onErrorResume(e -> Mono.empty()); // t.me being slow is no reason to refuse: polling will tell
        return problem
                .map(reason -> new Suggestion(Outcome.UNAVAILABLE, name, false, reason))
                .switchIfEmpty(Mono.defer(() -> channels.suggest(name, readerId, autoAccept ? ChannelStatus.ACTIVE : ChannelStatus.HELD)
                        .map(s -> {
                            if (!s.created()) {
                                return known(s.channel());
                            }
                            if (autoAccept) {
                                onAccepted.run();
                                return new Suggestion(Outcome.ACCEPTED, name, true, null);
                            }
                            return new Suggestion(Outcome.HELD, name, true, "waiting for an operator");
                        })));
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
