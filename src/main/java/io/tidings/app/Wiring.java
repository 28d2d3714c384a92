package io.tidings.app;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.tidings.bot.BotHandler;
import io.tidings.cluster.Cluster;
import io.tidings.cluster.ClusterConfig;
import io.tidings.delivery.DeliverySender;
import io.tidings.feed.BroadcastLoop;
import io.tidings.feed.CandidateIndex;
import io.tidings.feed.FeedService;
import io.tidings.feed.FreshPool;
import io.tidings.feed.StoredPreferences;
import io.tidings.ingest.Catalogue;
import io.tidings.ingest.ChannelPageFetcher;
import io.tidings.ingest.ChannelPostUpdates;
import io.tidings.ingest.IngestConfig;
import io.tidings.ingest.IngestService;
import io.tidings.model.serve.ModelRegistry;
import io.tidings.model.train.TrainingService;
import io.tidings.render.CallbackData;
import io.tidings.render.Messages;
import io.tidings.render.PostRenderer;
import io.tidings.store.BroadcastRepository;
import io.tidings.store.ChannelRepository;
import io.tidings.store.Database;
import io.tidings.store.DeliveryRepository;
import io.tidings.store.ModelRepository;
import io.tidings.store.PenaltyRepository;
import io.tidings.store.PostRepository;
import io.tidings.store.ReaderRepository;
import io.tidings.store.ReaderSettingsRepository;
import io.tidings.store.Reports;
import io.tidings.store.VoteRepository;
import io.tidings.telegram.TelegramClient;
import io.tidings.telegram.TelegramClientConfig;
import io.tidings.web.Metrics;
import io.tidings.web.UpdateInbox;
import io.tidings.web.WebServer;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.resources.ConnectionProvider;

/**
 * The parts of the running system, built from a {@link Config} and connected: database, Telegram client, model,
 * ingest, feed, sender, bot, web server and cluster. Everything that holds a thread, a connection or a port is
 * registered with the {@link Lifecycle} as soon as it exists, so a failure later in the wiring closes it again.
 * Nothing runs yet: {@link App#start} starts the loops.
 */
final class Wiring {

    final Config config;
    final String instanceId;
    final Database db;
    final Metrics metrics;
    final TelegramClient telegram;
    final Scheduler scoring;
    final Scheduler training;
    final ModelRegistry models;
    final FreshPool pool;
    final PostRepository posts;
    final DeliveryRepository deliveries;
    final DeliverySender sender;
    final CandidateIndex candidates;
    final StoredPreferences preferences;
    final FeedService feed;
    final IngestService ingest;
    final Catalogue catalogue;
    final TrainingService trainer;
    final BroadcastLoop broadcasts;
    final BotHandler bot;
    final UpdateRouter updates;
    final UpdateInbox inbox;
    final WebServer web;
    final io.tidings.console.Alerts alerts;
    final io.tidings.console.ConsoleRollups rollups;
    final Cluster cluster;
    /** Readiness: false until the newest stored model is loaded. */
    final AtomicBoolean modelLoaded = new AtomicBoolean();

    Wiring(Config config, Lifecycle lifecycle) {
        this.config = config;
        if (config.telegramBotToken() == null) {
            throw new Setting.ConfigException("TELEGRAM_BOT_TOKEN is not set (get one from @BotFather)");
        }
        // unique per process start: a restarted container keeps its host name, but not its claims
        this.instanceId = config.replicaId() + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        this.db = lifecycle.open("database", Database.start(config.database()));
        this.metrics = lifecycle.open("metrics", Metrics.create());
        this.telegram = lifecycle.open("telegram client", TelegramClient.create(TelegramClientConfig
                .custom(config.telegramBotToken())
                .apiUrl(config.telegramApiUrl())
                .maxRequests(256)
                .maxRequestsPerHost(256)
                .chatGap(config.feed().chatGap()) // one pace per chat for the sender and every reply
                .build()));
        this.scoring = lifecycle.open("scoring threads", Schedulers.newBoundedElastic(
                Math.max(2, Runtime.getRuntime().availableProcessors()), 10_000, "scoring"), Scheduler::dispose);
        // may block (ONNX session creation)
        this.training = lifecycle.open("training thread", Schedulers.newBoundedElastic(1, 16, "training"),
                Scheduler::dispose);
        this.models = lifecycle.open("model registry", ModelRegistry.coldStart(config.model()));

        var readers = new ReaderRepository(db);
        var votes = new VoteRepository(db);
        this.deliveries = new DeliveryRepository(db);
        this.posts = new PostRepository(db);
        this.pool = new FreshPool(Duration.ofDays(config.freshDays()), config.freshPoolMax(), Clock.systemUTC());
        var messages = new Messages();
        var callbacks = new CallbackData(config.callbackKey());
        var renderer = new PostRenderer(callbacks, messages);
        this.sender = new DeliverySender(deliveries, readers, telegram, renderer, instanceId, config.sendRate(),
                Duration.ofSeconds(1), config.feed().lease(), config.feed().chatGap(), Schedulers.parallel());
        telegram.shareBudget(sender.budget()); // replies and alerts keep to this replica's share of SEND_RATE too
        Supplier<CandidateIndex.ModelVersion> modelVersion = () -> {
            try (var lease = models.current()) {
                return new CandidateIndex.ModelVersion(lease.model().version(), lease.model().model());
            }
        };
        this.candidates = lifecycle.open("candidate threads", new CandidateIndex(pool, modelVersion,
                config.feed().candidatesPerReader(), Math.max(1, Runtime.getRuntime().availableProcessors()),
                config.feed().noise(), config.feed().exploreBoost()), CandidateIndex::close);
        // a serving pod never trains: once a version's build is done, the index holds every reader's row, and the float
        // reader table (0.44 GB at 1 M readers) goes; ROLE=all keeps it to train the next increment from
        if (!config.scaleOut().role().trains()) candidates.onBuilt(models::dropReaderRows);
        var penalties = new PenaltyRepository(db);
        var settings = new ReaderSettingsRepository(db);
        var control = new io.tidings.store.ReaderControlRepository(db);
        this.preferences = StoredPreferences.load(penalties, settings, control, new io.tidings.feed.PostFacts(),
                config.bot().lessHalfLife());
        preferences.onChanged(candidates::invalidate);
        this.feed = new FeedService(pool, candidates, modelVersion, deliveries, readers, votes, scoring, sender::wake,
                config.feed(), preferences);

        IngestConfig ingestConfig = config.ingest();
        ConnectionProvider tme = lifecycle.open("t.me connections",
                ChannelPageFetcher.newConnectionPool("tme", ingestConfig.maxConcurrent() + 2),
                p -> p.disposeLater().block(Duration.ofSeconds(5)));
        var fetcher = new ChannelPageFetcher(ChannelPageFetcher.newHttpClient(tme), config.tmeBaseUrl(),
                ingestConfig.requestTimeout(), ingestConfig.maxPageBytes(), Schedulers.boundedElastic());
        var channels = new ChannelRepository(db);
        this.ingest = new IngestService(fetcher, channels, posts, this::postArrived, p -> pool.remove(p.id()),
                ingestConfig, metrics.registry(), Clock.systemUTC(), Schedulers.parallel());
        this.catalogue = new Catalogue(channels, ingest::probe, ingestConfig.autoAccept(), ingest::refreshSoon,
                ingestConfig.suggestionLimits());
        this.trainer = new TrainingService(votes, new ModelRepository(db), models, config.model(),
                config.training().everyVotes(), config.training().full(), Clock.systemUTC(), training);
        this.broadcasts = new BroadcastLoop(new BroadcastRepository(db), instanceId, config.feed().lease(), 5000, sender::wake);
        var replies = new io.tidings.bot.Replies(telegram);
        var settingsMenu = new io.tidings.bot.SettingsMenu(replies, messages, callbacks, settings, control, preferences,
                config.bot().defaultMailingTimes());
        var controlCommands = new io.tidings.bot.ControlCommands(replies, messages, callbacks, channels, control, penalties,
                preferences, new io.tidings.store.PrivacyRepository(db), config.bot().lessHalfLife());
        this.bot = new BotHandler(replies, messages, config.bot(), settings,
                new io.tidings.bot.ReaderCommands(replies, messages, config.bot(), readers, settings, new Reports(db), channels,
                        posts, penalties, deliveries, sender::wake, feed, catalogue, settingsMenu, controlCommands),
                new io.tidings.bot.OperatorCommands(replies, messages, channels, posts, new Reports(db), catalogue, broadcasts),
                new io.tidings.bot.VoteButtons(replies, messages, callbacks, renderer, votes, posts, penalties, feed, settingsMenu,
                        controlCommands, deliveries));
        this.updates = new UpdateRouter(new ChannelPostUpdates(channels, posts, this::postArrived,
                ingestConfig.autoAccept()), bot);

        Config.ScaleOut scale = config.scaleOut();
        // long polling keeps its given-up updates here too
        this.inbox = new UpdateInbox(db, instanceId, updates::handle, 64, Duration.ofMinutes(2),
                metrics.registry(), scale.updatesRetention()).onGiveUp(bot::apologise);
        this.web = lifecycle.open("web server", new WebServer(db, metrics, modelLoaded::get,
                scale.webhook() ? new WebServer.Webhook(scale.webhookPath(), scale.webhookSecret(), 1 << 20) : null, inbox));
        this.alerts = new io.tidings.console.Alerts(db, config.operators(),
                // while a 401/404 pauses every call the alert waits (it is the news that sending was paused)
                (chat, text) -> telegram.whenAccessible()
                        .then(telegram.execute(new com.pengrad.telegrambot.request.SendMessage(chat, text)))
                        .timeout(Duration.ofHours(1)).then(),
                config.console().alertUnknownPerHour(), Clock.systemUTC());
        // a 401/404 pauses all sending: operators hear of it (at most once an hour, across replicas)
        telegram.onPaused(reason -> alerts.sendingPaused(reason).subscribe(null,
                e -> org.slf4j.LoggerFactory.getLogger(Wiring.class).warn("sending-paused alert failed: {}", e.toString())));
        this.rollups = new io.tidings.console.ConsoleRollups(db);
        console(posts, channels, renderer);
        this.cluster = lifecycle.open("cluster membership", Cluster.join(db, new ClusterConfig(instanceId,
                config.sendRate(), scale.heartbeat(), scale.replicaTtl(), config.pollInterval(), scale.modelCheck()),
                sender::setRate, d -> sender.holdFor(d, "no heartbeat"), metrics.registry()), c -> {
                    Lifecycle.quietly("leaving the cluster", () -> c.leave().block(Duration.ofSeconds(10)));
                    c.close();
                });
        ingest.pollOnly(cluster.ownedChannels());
        bot.shareLimitsAmong(cluster::liveReplicas);
        lifecycle.open("gauges", registerMeters(), Disposable::dispose);
    }

    /** The operator's console on this replica's server, and the bot's /console that signs operators in. */
    private void console(PostRepository posts, ChannelRepository channels, PostRenderer renderer) {
        var store = new io.tidings.console.ConsoleStore(db);
        var signIn = new io.tidings.console.SignIn(config.console().key(config.callbackKey()), Clock.systemUTC(),
                config.console().linkTtl(), config.console().sessionTtl());
        var live = new io.tidings.console.ConsoleApi.Live(
                reader -> java.util.Arrays.stream(candidates.inspect(reader, preferences))
                        .map(p -> new io.tidings.console.ConsoleApi.Candidate(p.postId(), p.channelId(), p.score(), p.noise(),
                                p.penaltyFactor(), p.key())).toList(),
                config::sendRate, sender::rateLimitedCount, models::version, broadcasts::schedule);
        var console = new io.tidings.console.Console(config.console(), signIn, store, config.bot()::isOperator,
                new io.tidings.console.ConsoleApi(store, catalogue, posts, channels, renderer, live));
        web.routes(console::routes);
        bot.consoleLinks(user -> console.link(user, web.port()));
    }

    /** A new post: its text facts first (filters read them), then the fresh pool and candidate sets. */
    void postArrived(io.tidings.store.Post post) {
        long group = preferences.facts().add(post);
        if (group != post.id()) {
            posts.setGroup(post.id(), group).subscribe(null, e -> org.slf4j.LoggerFactory.getLogger(Wiring.class).warn("could not store the group of post {}: {}", post.id(), e.toString()));
        }
        feed.postArrived(post);
    }

    private Disposable registerMeters() {
        var m = metrics.registry();
        FunctionCounter.builder("tidings.deliveries.sent", sender, DeliverySender::sentCount)
                .description("Messages delivered to readers").register(m);
        FunctionCounter.builder("tidings.deliveries.failed", sender, DeliverySender::failedCount)
                .description("Deliveries given up").register(m);
        FunctionCounter.builder("tidings.deliveries.unknown", sender, DeliverySender::unknownCount)
                .description("Sends that may or may not have reached the reader (5xx, timeout, reset): never repeated").register(m);
        FunctionCounter.builder("tidings.telegram.rate.limited", sender, DeliverySender::rateLimitedCount)
                .description("429 Too Many Requests answers from Telegram").register(m);
        Gauge.builder("tidings.replicas.live", cluster, Cluster::liveReplicas).description("Live replicas seen by this one").register(m);
        Gauge.builder("tidings.send.rate.share", cluster, Cluster::sendShare)
                .description("Messages per second this replica may send (its share of SEND_RATE)").register(m);
        Gauge.builder("tidings.model.version", models, ModelRegistry::version).description("Model version in use").register(m);
        Gauge.builder("tidings.fresh.pool.posts", pool, FreshPool::size).description("Posts in the fresh pool").register(m);
        Disposable.Composite gauges = Disposables.composite();
        gauges.add(metrics.gaugeFromQuery("tidings.deliveries.queued", "Deliveries waiting in the outbox (all replicas)",
                () -> deliveries.count("queued"), Duration.ofSeconds(10)));
        if (inbox != null) {
            gauges.add(metrics.gaugeFromQuery("tidings.updates.pending", "Webhook updates stored and not yet handled",
                    inbox::pending, Duration.ofSeconds(10)));
        }
        return gauges;
    }
}
