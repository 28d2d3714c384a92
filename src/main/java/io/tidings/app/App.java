package io.tidings.app;

import io.tidings.feed.BroadcastLoop;
import io.tidings.feed.MailingSchedule;
import com.pengrad.telegrambot.request.SetWebhook;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.tidings.cluster.Cluster;
import io.tidings.cluster.ClusterConfig;
import io.tidings.delivery.DeliverySender;
import io.tidings.feed.FeedService;
import io.tidings.feed.FreshPool;
import io.tidings.feed.CandidateIndex;
import io.tidings.ingest.Catalogue;
import io.tidings.ingest.ChannelPageFetcher;
import io.tidings.ingest.IngestConfig;
import io.tidings.ingest.ChannelPostUpdates;
import io.tidings.ingest.IngestService;
import io.tidings.model.ModelConfig;
import io.tidings.model.serve.ModelRegistry;
import io.tidings.model.train.TrainingService;
import io.tidings.store.ChannelRepository;
import io.tidings.store.Database;
import io.tidings.store.DeliveryRepository;
import io.tidings.store.ModelRepository;
import io.tidings.store.PostRepository;
import io.tidings.store.ReaderRepository;
import io.tidings.store.VoteRepository;
import io.tidings.store.BroadcastRepository;
import io.tidings.store.PenaltyRepository;
import io.tidings.store.ReaderSettingsRepository;
import io.tidings.store.Reports;
import io.tidings.feed.StoredPreferences;
import io.tidings.bot.BotHandler;
import io.tidings.render.CallbackData;
import io.tidings.render.Messages;
import io.tidings.render.PostRenderer;
import io.tidings.telegram.TelegramClient;
import io.tidings.telegram.TelegramClientConfig;
import io.tidings.telegram.TelegramException;
import io.tidings.web.Metrics;
import io.tidings.web.UpdateInbox;
import io.tidings.web.WebServer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.resources.ConnectionProvider;

/**
 * The running system, wired from a {@link Config}: database, Telegram client, ingest, model, feed,
 * sender and the update loop. {@link #start(Config, Loops)} is blocking start-up; {@link #close()} stops
 * everything in reverse order.
 */
public final class App implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(App.class);

    /** Which background loops to run; the demo drives ingest, mailings and training itself. */
    public record Loops(boolean ingest, boolean mailings, boolean training) {
        public static final Loops ALL = new Loops(true, true, true);
        public static final Loops UPDATES_AND_SENDING_ONLY = new Loops(false, false, false);
    }

    private final Config config;
    private final Database db;
    private final TelegramClient telegram;
    private final Scheduler scoring;
    private final Scheduler training;
    private final ModelRegistry models;
    private final FreshPool pool;
    private final IngestService ingest;
    private final Catalogue catalogue;
    private final FeedService feed;
    private final DeliverySender sender;
    private final CandidateIndex candidates;
    private final TrainingService trainer;
    private final BotHandler bot;
    private final BroadcastLoop broadcasts;
    private final ChannelPostUpdates channelPosts;
    private final StoredPreferences preferences;
    private final ConnectionProvider tmeConnections;
    private final String instanceId;
    private final Metrics metrics;
    private final WebServer web;
    private final UpdateInbox inbox;
    private final Cluster cluster;
    private final Disposable.Swap sending = Disposables.swap();
    private final List<Disposable> intake = new ArrayList<>();
    private final List<Disposable> running = new ArrayList<>();
    private volatile boolean modelLoaded;

    private App(Config config) {
        this.config = config;
        if (config.telegramBotToken() == null) {
            throw new IllegalArgumentException("TELEGRAM_BOT_TOKEN is not set (get one from @BotFather)");
        }
        this.db = Database.start(config.database());
        // unique per process start: a restarted container keeps its host name, but not its claims
        this.instanceId = config.replicaId() + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        this.metrics = Metrics.create();
        this.telegram = TelegramClient.create(TelegramClientConfig.custom(config.telegramBotToken())
                .apiUrl(config.telegramApiUrl())
                .maxRequests(256)
                .maxRequestsPerHost(256)
                .build());
        this.scoring = Schedulers.newBoundedElastic(Math.max(2, Runtime.getRuntime().availableProcessors()), 10_000, "scoring");
        this.training = Schedulers.newBoundedElastic(1, 16, "training"); // may block (ONNX session creation)
        ModelConfig modelConfig = ModelConfig.defaults();
        this.models = ModelRegistry.coldStart(modelConfig);

        var readers = new ReaderRepository(db);
        var deliveries = new DeliveryRepository(db);
        var votes = new VoteRepository(db);
        var posts = new PostRepository(db);
        this.pool = new FreshPool(Duration.ofDays(config.freshDays()), config.freshPoolMax(), Clock.systemUTC());
        var messages = new Messages();
        var callbacks = new CallbackData(config.callbackKey());
        var renderer = new PostRenderer(callbacks, messages);
        this.sender = new DeliverySender(deliveries, readers, telegram, renderer, instanceId, config.sendRate(),
                Duration.ofSeconds(1), config.feed().lease(), Schedulers.parallel());
        java.util.function.Supplier<CandidateIndex.ModelVersion> modelVersion = () -> {
            try (var lease = models.current()) {
                return new CandidateIndex.ModelVersion(lease.model().version(), lease.model().model());
            }
        };
        this.candidates = new CandidateIndex(pool, modelVersion, config.feed().candidatesPerReader(),
                Math.max(1, Runtime.getRuntime().availableProcessors()), config.feed().noise(), config.feed().exploreBoost());
        var penalties = new PenaltyRepository(db);
        this.preferences = StoredPreferences.load(penalties, new ReaderSettingsRepository(db), config.bot().lessHalfLife());
        this.feed = new FeedService(pool, candidates, modelVersion, deliveries, readers, votes, scoring, sender::wake, config.feed(),
                preferences);
        IngestConfig ingestConfig = config.ingest().withBackfillPages(config.backfillPages());
        this.tmeConnections = ChannelPageFetcher.newConnectionPool("tme", ingestConfig.maxConcurrent() + 2);
        var fetcher = new ChannelPageFetcher(ChannelPageFetcher.newHttpClient(tmeConnections), config.tmeBaseUrl(),
                ingestConfig.requestTimeout(), ingestConfig.maxPageBytes(), Schedulers.boundedElastic());
        var channelRepository = new ChannelRepository(db);
        this.ingest = new IngestService(fetcher, channelRepository, posts, feed::postArrived, p -> pool.remove(p.id()),
                ingestConfig, metrics.registry(), Clock.systemUTC(), Schedulers.parallel());
        this.catalogue = new Catalogue(channelRepository, ingest::probe, ingestConfig.autoAccept(), ingest::refreshSoon);
        this.trainer = new TrainingService(votes, new ModelRepository(db), models, modelConfig,
                config.retrainEveryVotes(), config.fullRetraining(), Clock.systemUTC(), training);
        this.broadcasts = new BroadcastLoop(new BroadcastRepository(db), post -> feed.broadcast(post, Instant.now()));
        this.bot = new BotHandler(new BotHandler.Deps(telegram, readers, new ReaderSettingsRepository(db), votes,
                penalties, posts, channelRepository, new Reports(db), deliveries, sender::wake, feed,
                catalogue, broadcasts, callbacks, renderer, messages, config.bot()));
        Config.ScaleOut scale = config.scaleOut();
        this.channelPosts = new ChannelPostUpdates(channelRepository, posts, feed::postArrived, ingestConfig.autoAccept());
        this.inbox = scale.webhook() ? new UpdateInbox(db, instanceId, this::handleUpdate, 64, Duration.ofMinutes(2),
                metrics.registry()) : null;
        this.web = new WebServer(db, metrics, () -> modelLoaded,
                scale.webhook() ? new WebServer.Webhook(scale.webhookPath(), scale.webhookSecret(), 1 << 20) : null, inbox);
        this.cluster = Cluster.join(db, new ClusterConfig(instanceId, config.sendRate(), scale.heartbeat(), scale.replicaTtl(),
                config.pollInterval(), scale.modelCheck()), sender::setRate);
        ingest.pollOnly(cluster.ownedChannels());
        registerMeters(deliveries);

        trainer.restoreLatest().block(Duration.ofMinutes(2));
        modelLoaded = true;
        posts.publishedSince(pool.oldestAllowed()).doOnNext(pool::add).blockLast(Duration.ofMinutes(2));
        ingest.follow(config.channels()).block(Duration.ofMinutes(1));
    }

    private void registerMeters(DeliveryRepository deliveries) {
        var m = metrics.registry();
        FunctionCounter.builder("tidings_deliveries_sent", sender, DeliverySender::sentCount)
                .description("Messages delivered to readers").register(m);
        FunctionCounter.builder("tidings_deliveries_failed", sender, DeliverySender::failedCount)
                .description("Deliveries given up").register(m);
        FunctionCounter.builder("tidings_deliveries_unknown", sender, DeliverySender::unknownCount)
                .description("Sends that may or may not have reached the reader (5xx, timeout, reset): never repeated").register(m);
        FunctionCounter.builder("tidings_telegram_rate_limited", sender, DeliverySender::rateLimitedCount)
                .description("429 Too Many Requests answers from Telegram").register(m);
        Gauge.builder("tidings_replicas_live", cluster, Cluster::liveReplicas).description("Live replicas seen by this one").register(m);
        Gauge.builder("tidings_send_rate_share", cluster, Cluster::sendShare)
                .description("Messages per second this replica may send (its share of SEND_RATE)").register(m);
        Gauge.builder("tidings_model_version", models, ModelRegistry::version).description("Model version in use").register(m);
        Gauge.builder("tidings_fresh_pool_posts", pool, FreshPool::size).description("Posts in the fresh pool").register(m);
        running.add(metrics.gaugeFromQuery("tidings_deliveries_queued", "Deliveries waiting in the outbox (all replicas)",
                () -> deliveries.count("queued"), Duration.ofSeconds(10)));
        if (inbox != null) {
            running.add(metrics.gaugeFromQuery("tidings_updates_pending", "Webhook updates stored and not yet handled",
                    inbox::pending, Duration.ofSeconds(10)));
        }
    }

    /** Channel posts (channels where the bot is an admin) go to ingest; everything else to the bot. */
    private Mono<Void> handleUpdate(com.pengrad.telegrambot.model.Update u) {
        if (u.channelPost() != null) return channelPosts.accept(u.channelPost(), false);
        if (u.editedChannelPost() != null) return channelPosts.accept(u.editedChannelPost(), true);
        return bot.handle(u);
    }

    /** Starts the system: blocking, call from main. */
    public static App start(Config config, Loops loops) {
        log.info("starting tidings: {}", config);
        App app = new App(config);
        try {
            app.web.require("telegram refuses the bot token or API URL (401/404)", app.telegram::accessible)
                    .require("long polling meets 409 Conflict", app.telegram::polling)
                    .start("0.0.0.0", config.httpPort());
            app.cluster.start();
            // send only once the other replicas have seen this one and lowered their share of the budget
            app.running.add(app.cluster.ready().subscribe(null, null, () -> app.sending.update(app.sender.start())));
            app.running.add(app.sending);
            app.running.add(app.feed.start(Duration.ofSeconds(10)));
            app.running.add(app.preferences.start());
            Config.ScaleOut scale = config.scaleOut();
            if (scale.webhook()) {
                if (scale.webhookRegister()) app.intake.add(app.registerWebhook());
                app.intake.add(app.inbox.start(Duration.ofSeconds(5)));
            } else {
                app.intake.add(app.pollUpdates());
            }
            if (loops.ingest()) app.intake.add(app.ingest.start());
            if (loops.training()) app.intake.add(app.cluster.runTrainer(app.trainer::trainIfDue, Duration.ofSeconds(30)));
            app.intake.add(app.cluster.watchModels(app.models::version, app.trainer::restoreLatest));
            if (loops.mailings()) app.intake.add(MailingSchedule.everyMinute(Clock.systemUTC(), Schedulers.parallel(),
                    minute -> app.feed.mailingAt(minute, app.instanceId)));
            app.running.add(app.broadcasts.start(Duration.ofSeconds(15)));
            return app;
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
    }

    /**
     * setWebhook with our URL, secret, update kinds and connection cap; the same call from every replica is harmless.
     * In the background, retried until it works: start-up never depends on Telegram being up.
     */
    private Disposable registerWebhook() {
        Config.ScaleOut scale = config.scaleOut();
        return Mono.defer(() -> telegram.whenAccessible().then(telegram.execute(new SetWebhook().url(scale.webhookUrl())
                        .secretToken(scale.webhookSecret())
                        .allowedUpdates("message", "edited_message", "callback_query", "channel_post", "edited_channel_post")
                        .maxConnections(scale.webhookMaxConnections()))))
                .timeout(Duration.ofSeconds(30))
                .retryWhen(reactor.util.retry.Retry.backoff(Long.MAX_VALUE, Duration.ofSeconds(1)).maxBackoff(Duration.ofMinutes(1))
                        .doBeforeRetry(r -> log.warn("webhook not registered yet, retrying: {}", r.failure().toString())))
                .subscribe(ok -> log.info("webhook registered on {} (max {} connections)", scale.webhookPath(),
                        scale.webhookMaxConnections()));
    }

    private Disposable pollUpdates() {
        // a batch is handled before the next getUpdates confirms its offset: a crash mid-batch loses no update
        return telegram.updateBatches(Duration.ofSeconds(25))
                .concatMap(batch -> reactor.core.publisher.Flux.fromIterable(batch).flatMap(u -> handleUpdate(u).timeout(Duration.ofSeconds(60)).onErrorResume(e -> {
                    log.warn("update {} not handled: {}", u.updateId(), e.toString());
                    return Mono.empty();
                }), 64).then(), 0)
                .subscribe(null, e -> {
                    if (e instanceof TelegramException.Conflict) {
                        log.error("long polling stopped: another instance polls this bot token, or a webhook is set. "
                                + "One replica may poll; to run several set WEBHOOK_URL and WEBHOOK_SECRET on all of them.");
                    } else {
                        log.error("the update loop stopped: {}", e.toString());
                    }
                });
    }

    public Config config() { return config; }
    public Database database() { return db; }
    public IngestService ingest() { return ingest; }
    public Catalogue catalogue() { return catalogue; }
    public FeedService feed() { return feed; }
    public FreshPool pool() { return pool; }
    public DeliverySender sender() { return sender; }
    public TrainingService trainer() { return trainer; }
    public ModelRegistry models() { return models; }
    public int httpPort() { return web.port(); }
    public Cluster cluster() { return cluster; }
    public String instanceId() { return instanceId; }
    /** Each reader's "less from this channel" penalties, for the ranker. */
    public StoredPreferences preferences() { return preferences; }
    BroadcastLoop broadcastLoop() { return broadcasts; }

    /** Graceful stop (SIGTERM): see {@link #close(Duration)} with {@code SHUTDOWN_GRACE_SECONDS}. */
    @Override
    public void close() {
        close(config.scaleOut().shutdownGrace());
    }

    /**
     * Stops taking work (not ready, webhook answers 503, no more polling, claiming or training), lets
     * updates and sends in hand finish within {@code grace}, gives back what is left to the other
     * replicas, leaves the cluster, then disposes servers and pools.
     */
    public void close(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        web.drain();
        intake.forEach(Disposable::dispose);
        if (inbox != null) quietly(() -> inbox.stop(remaining(deadline)).block(remaining(deadline).plusSeconds(5)));
        // claims nothing more, sends what it already marked "sending", hands the rest back
        quietly(() -> sender.stop(remaining(deadline)).block(remaining(deadline).plusSeconds(10)));
        sending.dispose();
        running.forEach(Disposable::dispose);
        quietly(() -> cluster.leave().block(Duration.ofSeconds(10)));
        cluster.close();
        web.close();
        telegram.close();
        tmeConnections.disposeLater().block(Duration.ofSeconds(5));
        models.close();
        candidates.close();
        scoring.dispose();
        training.dispose();
        metrics.close();
        db.close();
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void quietly(Step step) {
        try {
            step.run();
        } catch (Exception e) {
            log.warn("shutdown step failed: {}", e.toString());
        }
    }
}
