package io.tidings.bot;

import io.tidings.feed.Broadcasts;
import io.tidings.ingest.Catalogue;
import io.tidings.render.Messages;
import io.tidings.store.ChannelRepository;
import io.tidings.store.PostRepository;
import io.tidings.store.Reports;
import io.tidings.ingest.ChannelNames;
import io.tidings.store.Post;
import io.tidings.bot.BotHandler.Ctx;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Commands only operators (OPERATORS) have: {@code /broadcast <post link or id> <when>}, {@code /channels add|remove
 * NAME}, {@code /admin stats}. The router asks only for operators, so for everyone else these are unknown commands.
 */
public final class OperatorCommands {

    private static final Logger log = LoggerFactory.getLogger(OperatorCommands.class);
    private static final Pattern LINK = Pattern.compile("(?:https?://)?(?:t\\.me|telegram\\.me)/(?:s/)?([A-Za-z0-9_]{4,32})/(\\d{1,12})/?");
    private static final Pattern RELATIVE = Pattern.compile("\\+?(\\d{1,4})([mhd])");
    private static final DateTimeFormatter SHOWN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

    private final Replies replies;
    private final Messages messages;
    private final ChannelRepository channels;
    private final PostRepository posts;
    private final Reports reports;
    private final Catalogue catalogue;
    private final Broadcasts broadcasts;

    public OperatorCommands(Replies replies, Messages messages, ChannelRepository channels, PostRepository posts,
                            Reports reports, Catalogue catalogue, Broadcasts broadcasts) {
        this.replies = replies;
        this.messages = messages;
        this.channels = channels;
        this.posts = posts;
        this.reports = reports;
        this.catalogue = catalogue;
        this.broadcasts = broadcasts;
    }

    /** The reply to an operator command, or {@code null} when it is not one (a reader command then). */
    Mono<Void> handle(Ctx ctx, String command, String args) {
        String[] words = args.isEmpty() ? new String[0] : args.split("\\s+");
        return switch (command) {
            case "broadcast" -> broadcast(ctx, words);
            case "admin" -> words.length == 1 && words[0].equalsIgnoreCase("stats") ? stats(ctx) : reply(ctx, msg(ctx, "admin.usage"));
            case "channels" -> words.length == 0 ? null : channels(ctx, words);
            case "console" -> console(ctx);
            default -> null;
        };
    }

    private Mono<Void> broadcast(Ctx ctx, String[] words) {
        if (words.length < 1 || words.length > 3) return reply(ctx, msg(ctx, "broadcast.usage"));
        ZoneId zone = zoneOf(ctx);
        String when = words.length == 1 ? "now" : String.join(" ", java.util.Arrays.copyOfRange(words, 1, words.length));
        Optional<Instant> at = parseTime(when, Instant.now(), zone);
        if (at.isEmpty()) return reply(ctx, msg(ctx, "broadcast.bad_time"));
        return findPost(words[0])
                .flatMap(post -> broadcasts.schedule(post.id(), at.get(), ctx.user())
                        .flatMap(id -> {
                            log.info("operator {} scheduled broadcast {} of post {} at {}", ctx.user(), id, post.id(), at.get());
                            return reply(ctx, messages.get(ctx.lang(), "broadcast.scheduled", Long.toString(id),
                                    Long.toString(post.id()), post.permalink(), SHOWN.format(at.get())));
                        }).thenReturn(true)) // the answer completes empty: only a missing post may reach switchIfEmpty
                .switchIfEmpty(Mono.defer(() -> reply(ctx, msg(ctx, "broadcast.unknown_post")).thenReturn(false)))
                .then();
    }

    /** A post by link ({@code https://t.me/name/123}) or by its id in the database. */
    private Mono<Post> findPost(String ref) {
        Matcher link = LINK.matcher(ref);
        if (link.matches()) {
            Optional<String> name = ChannelNames.normalize(link.group(1));
            if (name.isEmpty()) return Mono.empty();
            long messageId = Long.parseLong(link.group(2));
            return channels.findByUsername(name.get())
                    .flatMap(c -> posts.between(c.id(), messageId, messageId).next());
        }
        if (ref.matches("#?\\d{1,18}")) return posts.find(Long.parseLong(ref.replace("#", "")));
        return Mono.empty();
    }

    /**
     * When to send: {@code now}; {@code +30m}, {@code 2h}, {@code 1d}; {@code HH:mm} (the next such time in the
     * operator's time zone); {@code yyyy-MM-dd HH:mm} or {@code yyyy-MM-ddTHH:mm} (their zone) or an ISO instant or
     * offset date-time. Nothing further than 30 days ahead and nothing in the past.
     */
    static Optional<Instant> parseTime(String raw, Instant now, ZoneId zone) {
        String s = raw.strip();
        Instant at = null;
        try {
            Matcher rel = RELATIVE.matcher(s);
            if (s.equalsIgnoreCase("now")) {
                at = now;
            } else if (rel.matches()) {
                long n = Long.parseLong(rel.group(1));
                at = now.plus(switch (rel.group(2)) {
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                });
            } else if (s.matches("\\d{1,2}:\\d{2}")) {
                LocalTime t = LocalTime.parse(s.length() == 4 ? "0" + s : s);
                ZonedDateTime today = ZonedDateTime.of(LocalDate.ofInstant(now, zone), t, zone);
                at = (today.toInstant().isBefore(now) ? today.plusDays(1) : today).toInstant();
            } else if (s.matches("\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}")) {
                at = LocalDateTime.parse(s.replace(' ', 'T')).atZone(zone).toInstant();
            } else if (s.endsWith("Z")) {
                at = Instant.parse(s);
            } else {
                at = OffsetDateTime.parse(s).toInstant();
            }
        } catch (DateTimeParseException | ArithmeticException e) {
            return Optional.empty();
        }
        if (at.isBefore(now.minusSeconds(60)) || at.isAfter(now.plus(Duration.ofDays(30)))) return Optional.empty();
        return Optional.of(at.isBefore(now) ? now : at);
    }

    private Mono<Void> channels(Ctx ctx, String[] words) {
        if (words.length != 2) return reply(ctx, msg(ctx, "operator.channels.usage"));
        String name = ChannelNames.normalize(words[1]).orElse(null);
        if (name == null) return reply(ctx, msg(ctx, "add.invalid"));
        return switch (words[0].toLowerCase(java.util.Locale.ROOT)) {
            // a known channel (held, removed, unavailable) is (re)activated; a new one is probed first
            case "add" -> channels.findByUsername(name).map(c -> true)
                    .switchIfEmpty(Mono.defer(() -> catalogue.suggest(name, ctx.user(), true)
                            .map(s -> s.outcome() == Catalogue.Outcome.ACCEPTED || s.outcome() == Catalogue.Outcome.HELD)))
                    .flatMap(readable -> !readable
                            ? reply(ctx, messages.get(ctx.lang(), "add.unavailable", name))
                            : catalogue.approve(name)
                                    .then(reply(ctx, messages.get(ctx.lang(), "operator.channels.added", name))));
            case "remove" -> catalogue.reject(name)
                    .flatMap(changed -> reply(ctx, messages.get(ctx.lang(),
                            changed ? "operator.channels.removed" : "operator.channels.not_found", name)));
            default -> reply(ctx, msg(ctx, "operator.channels.usage"));
        };
    }

    /** Sign-in links to the web console, one per call (set by the app when the console runs). */
    private volatile java.util.function.LongFunction<String> consoleLinks;

    void consoleLinks(java.util.function.LongFunction<String> links) {
        this.consoleLinks = links;
    }

    /** {@code /console}: a one-time sign-in link, without a link preview (a preview would fetch the page). */
    private Mono<Void> console(Ctx ctx) {
        var links = consoleLinks;
        if (links == null) return reply(ctx, msg(ctx, "console.off"));
        String link = links.apply(ctx.user());
        log.info("operator {} asked for a console link", ctx.user());
        return replies.send(new com.pengrad.telegrambot.request.SendMessage(ctx.user(),
                        messages.get(ctx.lang(), "console.link", link))
                .linkPreviewOptions(new com.pengrad.telegrambot.model.LinkPreviewOptions().isDisabled(true)));
    }

    private Mono<Void> stats(Ctx ctx) {
        return reports.service().flatMap(m -> {
            StringBuilder b = new StringBuilder(msg(ctx, "admin.stats"));
            for (Map.Entry<String, Long> e : m.entrySet()) b.append("\n").append(e.getKey()).append(": ").append(e.getValue());
            return reply(ctx, b.toString());
        });
    }

    private ZoneId zoneOf(Ctx ctx) {
        try {
            return ctx.reader() == null ? ZoneOffset.UTC : ZoneId.of(ctx.reader().timeZone());
        } catch (RuntimeException e) {
            return ZoneOffset.UTC;
        }
    }

    private Mono<Void> reply(Ctx ctx, String text) {
        return replies.text(ctx.user(), text);
    }

    private String msg(Ctx ctx, String key) {
        return messages.get(ctx.lang(), key);
    }
}
