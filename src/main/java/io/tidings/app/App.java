package io.tidings.app;

import io.tidings.feed.DeliverySender;
import io.tidings.feed.FeedService;
import io.tidings.feed.FreshPool;
import io.tidings.feed.CandidateIndex;
import io.tidings.feed.ReaderPreferences;
import io.tidings.ingest.Catalogue;
import io.tidings.ingest.ChannelPageFetcher;
import io.tidings.ingest.IngestConfig;
import io.tidings.ingest.IngestService;
import io.tidings.model.ModelConfig;
import io.tidings.model.ModelRegistry;
import io.tidings.model.TrainingService;
import io.tidings.store.ChannelRepository;
import io.tidings.store.Database;
import io.tidings.store.DeliveryRepository;
import io.tidings.store.ModelRepository;
import io.tidings.store.PostRepository;
import io.tidings.store.ReaderRepository;
import io.tidings.store.VoteRepository;
import io.tidings.telegram.BotHandler;
import io.tidings.telegram.CallbackData;
import io.tidings.telegram.Messages;
import io.tidings.telegram.PostRenderer;
import io.tidings.telegram.TelegramClient;
import io.tidings.telegram.TelegramClientConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
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
    private final HealthServer health;
    private final ConnectionProvider tmeConnections;
    private final List<Disposable> running = new ArrayList<>();

    private App(Config config) {
        this.config = config;
        if (config.telegramBotToken() == null) {
            throw new IllegalArgumentException("TELEGRAM_BOT_TOKEN is not set (get one from @BotFather)");
        }
        this.db = Database.start(config.database());
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
        this.sender = new DeliverySender(deliveries, readers, telegram, renderer, config.replicaId(), config.sendRate(),
                Duration.ofSeconds(1), config.feed().lease(), Schedulers.parallel());
        java.util.function.Supplier<CandidateIndex.ModelVersion> modelVersion = () -> {
            try (var lease = models.current()) {
                return new CandidateIndex.ModelVersion(lease.model().version(), lease.model().model());
            }
        };
        this.candidates = new CandidateIndex(pool, modelVersion, config.feed().candidatesPerReader(),
                Math.max(1, Runtime.getRuntime().availableProcessors()));
        this.feed = new FeedService(pool, candidates, modelVersion, deliveries, readers, scoring, sender::wake, config.feed(),
                ReaderPreferences.NONE);
        IngestConfig ingestConfig = config.ingest().withBackfillPages(config.backfillPages());
        this.tmeConnections = ChannelPageFetcher.newConnectionPool("tme", ingestConfig.maxConcurrent() + 2);
        var fetcher = new ChannelPageFetcher(ChannelPageFetcher.newHttpClient(tmeConnections), config.tmeBaseUrl(),
                ingestConfig.requestTimeout(), ingestConfig.maxPageBytes(), Schedulers.boundedElastic());
        var channelRepository = new ChannelRepository(db);
        this.ingest = new IngestService(fetcher, channelRepository, posts, feed::postArrived, p -> pool.remove(p.id()),
                ingestConfig, io.micrometer.core.instrument.Metrics.globalRegistry, Clock.systemUTC(), Schedulers.parallel());
        this.catalogue = Catalogue.of(channelRepository, fetcher, ingestConfig.autoAccept(), ingest::refreshSoon);
        this.trainer = new TrainingService(votes, new ModelRepository(db), models, modelConfig,
                config.retrainEveryVotes(), 10, training);
        this.bot = new BotHandler(telegram, readers, votes, feed, callbacks, renderer, messages);
        this.health = new HealthServer(db);

        trainer.restoreLatest().block(Duration.ofMinutes(2));
        posts.publishedSince(pool.oldestAllowed()).doOnNext(pool::add).blockLast(Duration.ofMinutes(2));
        ingest.follow(config.channels()).block(Duration.ofMinutes(1));
    }

    /** Starts the system: blocking, call from main. */
    public static App start(Config config, Loops loops) {
        log.info("starting tidings: {}", config);
        App app = new App(config);
        try {
            app.running.add(app.sender.start());
            app.running.add(app.feed.start(Duration.ofSeconds(10)));
            app.running.add(app.telegram.updates(Duration.ofSeconds(25))
                    .flatMap(u -> app.bot.handle(u).onErrorResume(e -> {
                        log.warn("update {} not handled: {}", u.updateId(), e.toString());
                        return Mono.empty();
                    }), 64)
                    .subscribe(null, e -> log.error("the update loop stopped: {}", e.toString())));
            if (loops.ingest()) app.running.add(app.ingest.start(config.pollInterval()));
            if (loops.training()) app.running.add(app.trainer.start(Duration.ofSeconds(30)));
            if (loops.mailings()) app.running.add(MailingSchedule.everyMinute(Clock.systemUTC(), Schedulers.parallel(),
                    minute -> app.feed.mailingAt(minute, config.replicaId())));
            app.running.add(app.health.start(config.httpPort()));
            return app;
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
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
    public int httpPort() { return health.port(); }

    @Override
    public void close() {
        running.forEach(Disposable::dispose);
        telegram.close();
        tmeConnections.disposeLater().block(Duration.ofSeconds(5));
        models.close();
        candidates.close();
        scoring.dispose();
        training.dispose();
        db.close();
    }
}
