package io.tidings.bot;

import com.pengrad.telegrambot.model.message.origin.MessageOrigin;
import com.pengrad.telegrambot.model.message.origin.MessageOriginChannel;
import io.tidings.feed.FeedService;
import io.tidings.ingest.Catalogue;
import io.tidings.ingest.ChannelNames;
import io.tidings.render.Messages;
import io.tidings.store.ChannelRepository;
import io.tidings.store.DeliveryRepository;
import io.tidings.store.PenaltyRepository;
import io.tidings.store.PostRepository;
import io.tidings.store.ReaderRepository;
import io.tidings.store.ReaderSettingsRepository;
import io.tidings.store.Channel;
import io.tidings.store.ChannelStatus;
import io.tidings.store.Post;
import io.tidings.store.Reports;
import io.tidings.bot.BotHandler.Ctx;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The commands every reader has: /start, /help, /pause, /resume, /settings, /lang, /stats, /channels, /channel, /add. */
public final class ReaderCommands {

    private static final Logger log = LoggerFactory.getLogger(ReaderCommands.class);
    private static final int CATALOGUE_SHOWN = 30;
    /** Telegram's longest text message. */
    static final int MAX_MESSAGE = 4096;
    /** How far back from a channel's newest message id /channel looks for its latest stored posts. */
    private static final int CHANNEL_LOOKBACK = 200;

    private final Replies replies;
    private final Messages messages;
    private final BotConfig config;
    private final ReaderRepository readers;
    private final ReaderSettingsRepository readerSettings;
    private final Reports reports;
    private final ChannelRepository channels;
    private final PostRepository posts;
    private final PenaltyRepository penalties;
    private final DeliveryRepository deliveries;
    private final Runnable wakeSender;
    private final FeedService feed;
    private final Catalogue catalogue;
    private final SettingsMenu settings;
    private final ControlCommands control;

    /** {@code wakeSender} is told when /channel queued posts. */
    public ReaderCommands(Replies replies, Messages messages, BotConfig config, ReaderRepository readers,
                          ReaderSettingsRepository readerSettings, Reports reports, ChannelRepository channels, PostRepository posts,
                          PenaltyRepository penalties, DeliveryRepository deliveries, Runnable wakeSender, FeedService feed,
                          Catalogue catalogue, SettingsMenu settings, ControlCommands control) {
        this.control = control;
        this.replies = replies;
        this.messages = messages;
        this.config = config;
        this.readers = readers;
        this.readerSettings = readerSettings;
        this.reports = reports;
        this.channels = channels;
        this.posts = posts;
        this.penalties = penalties;
        this.deliveries = deliveries;
        this.wakeSender = wakeSender;
        this.feed = feed;
        this.catalogue = catalogue;
        this.settings = settings;
    }

    Mono<Void> handle(Ctx ctx, String command, String args) {
        if (command.equals("start")) return start(ctx);
        if (command.equals("help")) return reply(ctx, help(ctx));
        boolean control = ControlCommands.isCommand(command);
        if (!isReaderCommand(command) && !control) return reply(ctx, msg(ctx, "unknown"));
        if (!ctx.registered()) return reply(ctx, msg(ctx, "hint"));
        if (control) return this.control.handle(ctx, command, args);
        return switch (command) {
            case "pause" -> readerSettings.pause(ctx.user())
                    .flatMap(changed -> reply(ctx, msg(ctx, changed ? "pause.done" : "pause.already")));
            case "resume" -> readerSettings.banned(ctx.user()).flatMap(banned -> banned ? reply(ctx, msg(ctx, "resume.banned"))
                    : readerSettings.resume(ctx.user()).flatMap(changed -> reply(ctx, msg(ctx, changed ? "resume.done" : "resume.already"))));
            case "settings" -> settings.open(ctx);
            case "lang", "language" -> settings.openLanguage(ctx);
            case "stats" -> stats(ctx);
            case "channels" -> args.isEmpty() ? channels(ctx) : reply(ctx, msg(ctx, "unknown"));
            case "channel" -> channel(ctx, args);
            case "add" -> add(ctx, args);
            case "digest" -> digest(ctx, args);
            default -> reply(ctx, msg(ctx, "unknown"));
        };
    }

    /** {@code /digest on|off}: scheduled mailings as one digest message, or as separate posts; else the usage and the state. */
    private Mono<Void> digest(Ctx ctx, String args) {
        String a = args.strip().toLowerCase(java.util.Locale.ROOT);
        if (a.equals("on") || a.equals("вкл")) return readerSettings.setDigest(ctx.user(), true).then(reply(ctx, msg(ctx, "digest.on")));
        if (a.equals("off") || a.equals("выкл")) return readerSettings.setDigest(ctx.user(), false).then(reply(ctx, msg(ctx, "digest.off")));
        return reply(ctx, messages.get(ctx.lang(), "digest.usage", ctx.reader().digest() ? "on" : "off"));
    }

    private static boolean isReaderCommand(String c) {
        return List.of("pause", "resume", "settings", "lang", "language", "stats", "channels", "channel", "add", "digest").contains(c);
    }

    private Mono<Void> start(Ctx ctx) {
        String name = ctx.firstName() == null || ctx.firstName().isBlank() ? "" : ", " + ctx.firstName();
        return readers.start(ctx.user(), ctx.firstName(), ctx.lang())
                .flatMap(r -> reply(ctx, messages.get(r.language(), "greeting", name)).onErrorResume(e -> {
                    // the greeting is nice to have; the first post is what the reader came for
                    log.info("greeting to reader {} not sent: {}", ctx.user(), e.toString());
                    return Mono.empty();
                }).thenReturn(r.language()))
                .flatMap(lang -> feed.next(ctx.user(), "start")
                        .flatMap(queued -> queued ? Mono.empty() : replies.text(ctx.user(), messages.get(lang, "feed.empty")))
                        // beside the first post, an optional offer of channels to start from
                        .then(control.offerPicks(ctx).onErrorResume(e -> {
                            log.info("no channel offer for reader {}: {}", ctx.user(), e.toString());
                            return Mono.empty();
                        })));
    }

    private String help(Ctx ctx) {
        String help = msg(ctx, "help");
        return ctx.operator() ? help + "\n\n" + msg(ctx, "help.operator") : help;
    }

    private Mono<Void> stats(Ctx ctx) {
        return reports.reader(ctx.user()).flatMap(s -> {
            if (s.rated() == 0) return reply(ctx, messages.get(ctx.lang(), "stats.none", Long.toString(s.received())));
            StringBuilder b = new StringBuilder(messages.get(ctx.lang(), "stats",
                    Long.toString(s.received()), Long.toString(s.rated()), Long.toString(s.liked()),
                    Long.toString(s.rated() - s.liked()), Long.toString(Math.round(100 * s.likeRate()))));
            if (!s.favourites().isEmpty()) {
                b.append("\n\n").append(msg(ctx, "stats.favourites"));
                for (Reports.Favourite f : s.favourites()) {
                    b.append("\n• ").append(titled(f.username(), f.title())).append(" — ").append(f.likes()).append(" 👍");
                }
            }
            return reply(ctx, b.toString());
        });
    }

    private Mono<Void> channels(Ctx ctx) {
        Mono<List<Channel>> catalogue = channels.active().take(CATALOGUE_SHOWN + 1).collectList();
        Mono<Long> total = reports.activeChannels();
        var muted = penalties.muted(ctx.user(), config.lessHalfLife()).collectList();
        return Mono.zip(catalogue, total, muted).flatMap(t -> {
            StringBuilder b = new StringBuilder();
            if (t.getT1().isEmpty()) {
                b.append(msg(ctx, "channels.empty"));
            } else {
                b.append(messages.get(ctx.lang(), "channels.title", Long.toString(t.getT2())));
                t.getT1().stream().limit(CATALOGUE_SHOWN).forEach(c -> b.append("\n• ").append(titled(c.username(), c.title())));
                if (t.getT2() > CATALOGUE_SHOWN) {
                    b.append("\n").append(messages.get(ctx.lang(), "channels.more", Long.toString(t.getT2() - CATALOGUE_SHOWN)));
                }
            }
            b.append("\n\n");
            String hint = "\n\n" + msg(ctx, "channels.hint");
            if (t.getT3().isEmpty()) {
                b.append(msg(ctx, "channels.muted.none"));
            } else {
                b.append(msg(ctx, "channels.muted"));
                // as many as fit in one message (4096), then how many more: a reader may have muted hundreds
                var mutedList = t.getT3();
                int reserve = hint.length() + messages.get(ctx.lang(), "channels.more", Integer.toString(mutedList.size())).length() + 1;
                int shown = 0;
                for (var m : mutedList) {
                    String line = "\n• " + titled(m.username(), m.title()) + " — ×"
                            + String.format(Locale.ROOT, "%.2f", io.tidings.feed.ReaderPreferences.factor(m.penalty()));
                    if (b.length() + line.length() + reserve > MAX_MESSAGE) break;
                    b.append(line);
                    shown++;
                }
                if (shown < mutedList.size()) {
                    b.append("\n").append(messages.get(ctx.lang(), "channels.more", Integer.toString(mutedList.size() - shown)));
                }
            }
            b.append(hint);
            return reply(ctx, b.toString());
        });
    }

    private Mono<Void> channel(Ctx ctx, String args) {
        if (args.isEmpty()) return reply(ctx, msg(ctx, "channel.usage"));
        Optional<String> name = ChannelNames.normalize(args.split("\\s+")[0]);
        if (name.isEmpty()) return reply(ctx, msg(ctx, "channel.invalid"));
        String n = name.get();
        // an unknown channel is told apart before the work, whose success is empty (no reply: the posts are the answer)
        return channels.findByUsername(n)
                .filter(c -> c.status() == ChannelStatus.ACTIVE)
                .map(Optional::of)
                .defaultIfEmpty(Optional.empty())
                .flatMap(found -> found.isEmpty() ? reply(ctx, messages.get(ctx.lang(), "channel.unknown", n))
                        : latest(found.get()).collectList().flatMap(posts -> {
                    if (posts.isEmpty()) return reply(ctx, messages.get(ctx.lang(), "channel.empty", n));
                    // through the outbox, like every post: sent at the chat's pace and never again by the feed
                    return Flux.fromIterable(posts)
                            .concatMap(p -> deliveries.enqueue(ctx.user(), p.id(), "channel", 1f))
                            .count()
                            .flatMap(queued -> {
                                if (queued == 0) return reply(ctx, messages.get(ctx.lang(), "channel.seen", n));
                                wakeSender.run();
                                return Mono.empty();
                            });
                }));
    }

    /** The channel's newest stored posts, oldest of them first (the order the channel published them). */
    private Flux<Post> latest(Channel c) {
        long to = c.lastMessageId();
        return posts.between(c.id(), Math.max(1, to - CHANNEL_LOOKBACK), to)
                .takeLast(config.channelPosts());
    }

    private Mono<Void> add(Ctx ctx, String args) {
        if (args.isEmpty()) return reply(ctx, msg(ctx, "add.usage"));
        return suggest(ctx, args.split("\\s+")[0]);
    }

    /** A forwarded message: a public channel's post suggests its channel; anything else gets a hint. */
    Mono<Void> forwarded(Ctx ctx, MessageOrigin origin) {
        if (!(origin instanceof MessageOriginChannel ch) || ch.chat() == null) return reply(ctx, msg(ctx, "forward.not_channel"));
        String username = ch.chat().username();
        if (username == null || username.isBlank()) return reply(ctx, msg(ctx, "forward.private"));
        if (!ctx.registered()) return reply(ctx, msg(ctx, "hint"));
        return suggest(ctx, username);
    }

    private Mono<Void> suggest(Ctx ctx, String raw) {
        return catalogue.suggest(raw, ctx.user())
                .map(s -> switch (s.outcome()) {
                    case ACCEPTED -> messages.get(ctx.lang(), s.isNew() ? "add.accepted_new" : "add.accepted", s.channel());
                    case HELD -> messages.get(ctx.lang(), "add.held", s.channel());
                    case INVALID -> msg(ctx, "add.invalid");
                    case UNAVAILABLE -> messages.get(ctx.lang(), "add.unavailable", s.channel());
                    case UNCHECKED -> messages.get(ctx.lang(), "add.unchecked", s.channel());
                    case QUOTA -> msg(ctx, "add.quota");
                })
                .onErrorResume(e -> {
                    log.warn("suggestion of reader {} failed: {}", ctx.user(), e.toString());
                    return Mono.just(msg(ctx, "add.failed"));
                })
                .flatMap(text -> reply(ctx, text));
    }

    static String titled(String username, String title) {
        return title == null || title.isBlank() ? "@" + username : "@" + username + " (" + title.strip() + ")";
    }

    private Mono<Void> reply(Ctx ctx, String text) {
        return replies.text(ctx.user(), text);
    }

    private String msg(Ctx ctx, String key) {
        return messages.get(ctx.lang(), key);
    }
}
