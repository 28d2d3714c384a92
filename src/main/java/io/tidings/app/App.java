package io.tidings.app;

import io.tidings.cluster.Cluster;
import io.tidings.delivery.DeliverySender;
import io.tidings.feed.BroadcastLoop;
import io.tidings.feed.FeedService;
import io.tidings.feed.FreshPool;
import io.tidings.feed.MailingSchedule;
import io.tidings.feed.StoredPreferences;
import io.tidings.ingest.Catalogue;
import io.tidings.ingest.IngestService;
import io.tidings.model.serve.ModelRegistry;
import io.tidings.model.train.TrainingService;
import io.tidings.store.Database;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The running system: {@link #start(Config, Loops)} wires it ({@link Wiring}), restores the model and the fresh
 * pool, then starts the loops; {@link #close()} stops taking work, lets work in hand finish, and closes everything
 * in reverse order ({@link Lifecycle}). A start that fails half-way closes what it had opened before it throws.
 */
public final class App implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(App.class);

    /** Which background loops to run; the demo and the end-to-end tests drive ingest, mailings and training themselves. */
    public record Loops(boolean ingest, boolean mailings, boolean training) {
        public static final Loops ALL = new Loops(true, true, true);
        /** Ingest, mailings and training left to the caller; updates, sending, candidates and the rest still run. */
        public static final Loops NO_INGEST_MAILINGS_TRAINING = new Loops(false, false, false);
    }

    private final Lifecycle lifecycle;
    private final Wiring w;
    /** Loops that take new work (updates, polling, training, mailings): stopped first on close. */
    private final Disposable.Composite intake;
    /** Loops that finish work: disposed once the work in hand is done or handed back. */
    private final Disposable.Composite running;
    private final Disposable.Swap sending = Disposables.swap();

    private App(Lifecycle lifecycle, Wiring wiring) {
        this.lifecycle = lifecycle;
        this.w = wiring;
        // opened after the cluster: closed before it leaves, the database closes last
        this.running = lifecycle.open("running loops", Disposables.composite(), Disposable::dispose);
        this.intake = lifecycle.open("intake loops", Disposables.composite(), Disposable::dispose);
    }

    /** Starts the system: blocking, call from main. Fails with nothing left open when any step fails. */
    public static App start(Config config, Loops loops) {
        log.info("starting tidings: {}", config);
        Lifecycle lifecycle = new Lifecycle();
        try {
            App app = new App(lifecycle, new Wiring(config, lifecycle));
            app.restore();
            app.startLoops(loops);
            return app;
        } catch (RuntimeException | Error e) {
            log.error("start-up failed, closing what was opened: {}", e.toString());
            lifecycle.close();
            throw e;
        }
    }

    /** The newest stored model, the fresh posts and the configured channels, before anything is served. */
    private void restore() {
        w.trainer.restoreLatest().block(Duration.ofMinutes(2));
        w.modelLoaded.set(true);
        w.posts.groupsSince(w.pool.oldestAllowed()).doOnNext(g -> w.preferences.facts().restoreGroup(g[0], g[1]))
                .blockLast(Duration.ofMinutes(2));
        w.posts.publishedSince(w.pool.oldestAllowed()).doOnNext(p -> {
            if (w.pool.add(p)) w.preferences.facts().add(p);
        }).blockLast(Duration.ofMinutes(2));
        w.ingest.follow(w.config.channels()).block(Duration.ofMinutes(1));
    }

    private void startLoops(Loops loops) {
        w.web.require("telegram refuses the bot token or API URL (401/404)", w.telegram::accessible)
                .require("long polling meets 409 Conflict", w.telegram::polling)
                .start("0.0.0.0", w.config.httpPort());
        Config.ScaleOut scale = w.config.scaleOut();
        Role role = scale.role();
        if (role.serves()) {
            // a trainer never beats: its row ages out of the registry within REPLICA_TTL_SECONDS and takes no send share
            w.cluster.start();
            // send only once the other replicas have seen this one and lowered their share of the budget
            running.add(w.cluster.ready().subscribe(null, null, () -> sending.update(w.sender.start(w.metrics.registry()))));
            running.add(sending);
            running.add(w.feed.start(Duration.ofSeconds(10), w.metrics.registry()));
            running.add(w.pool.start(Duration.ofMinutes(1), w.metrics.registry())); // expired posts leave on time
            running.add(followPostsOfOtherReplicas(Duration.ofSeconds(5)));
            running.add(w.preferences.start(w.pool::contains, w.metrics.registry()));
            if (scale.webhook()) {
                if (scale.webhookRegister()) intake.add(UpdateRouter.registerWebhook(w.telegram, scale));
                intake.add(w.inbox.start(Duration.ofSeconds(5)));
            } else {
                intake.add(w.updates.poll(w.telegram, w.inbox));
            }
            if (loops.ingest()) intake.add(w.ingest.start());
        }
        if (role.trains() && loops.training()) intake.add(w.cluster.runTrainer(() -> w.trainer.trainIfDue()
                .onErrorResume(e -> w.alerts.trainingFailed(e).onErrorResume(x -> Mono.empty()).then(Mono.error(e))),
                Duration.ofSeconds(30)));
        running.add(w.alerts.start(Duration.ofMinutes(1), Schedulers.parallel()));
        running.add(io.tidings.util.Loop.named("console-rollups").every(Duration.ofMinutes(1)).timeout(Duration.ofMinutes(5))
                .meters(w.metrics.registry()).start(() -> w.rollups.tick(Duration.ofMinutes(1))));
        intake.add(w.cluster.watchModels(w.models::version, w.trainer::restoreLatest));
        if (role.serves()) {
            if (loops.mailings()) intake.add(MailingSchedule.everyMinute(Clock.systemUTC(), Schedulers.parallel(),
                    minute -> w.feed.mailingAt(minute, w.instanceId)));
            running.add(w.broadcasts.start(Duration.ofSeconds(15), w.metrics.registry()));
        }
    }

    /**
     * Each channel is polled by one replica: the posts the others store reach this replica's fresh pool from the posts
     * table, read every {@code every} from the newest one seen (minus a margin for transactions that commit late;
     * posts already in the pool are skipped).
     */
    private Disposable followPostsOfOtherReplicas(Duration every) {
        java.util.concurrent.atomic.AtomicReference<java.time.Instant> since =
                new java.util.concurrent.atomic.AtomicReference<>(java.time.Instant.now().minus(Duration.ofMinutes(2)));
        return io.tidings.util.Loop.named("posts-of-other-replicas").every(every).timeout(Duration.ofSeconds(30))
                .meters(w.metrics.registry())
                .start(() -> w.posts.fetchedSince(since.get().minus(Duration.ofSeconds(30)), w.pool.oldestAllowed())
                        .doOnNext(f -> {
                            w.postArrived(f.post());
                            since.accumulateAndGet(f.fetchedAt(), (a, b) -> b.isAfter(a) ? b : a);
                        }));
    }

    /** Alerts to operators in Telegram (e.g. {@code alerts().sendingPaused(reason)} when a 401/404 stops sending). */
    public io.tidings.console.Alerts alerts() { return w.alerts; }

    /** The console's hourly rollups (refreshed every minute by a loop; tests refresh them at once). */
    public io.tidings.console.ConsoleRollups consoleRollups() { return w.rollups; }

    public Config config() { return w.config; }
    public Database database() { return w.db; }
    public IngestService ingest() { return w.ingest; }
    public Catalogue catalogue() { return w.catalogue; }
    public FeedService feed() { return w.feed; }
    public FreshPool pool() { return w.pool; }
    public DeliverySender sender() { return w.sender; }
    public TrainingService trainer() { return w.trainer; }
    public ModelRegistry models() { return w.models; }
    public int httpPort() { return w.web.port(); }
    public Cluster cluster() { return w.cluster; }
    public String instanceId() { return w.instanceId; }
    /** Each reader's "less from this channel" penalties, for the ranker. */
    public StoredPreferences preferences() { return w.preferences; }
    BroadcastLoop broadcastLoop() { return w.broadcasts; }
    /** This app's meters, those {@code /metrics} shows. */
    public io.micrometer.core.instrument.MeterRegistry meters() { return w.metrics.registry(); }

    /** Graceful stop (SIGTERM): see {@link #close(Duration)} with {@code SHUTDOWN_GRACE_SECONDS}. */
    @Override
    public void close() {
        close(w.config.scaleOut().shutdownGrace());
    }

    /**
     * Stops taking work (not ready, webhook answers 503, no more polling, claiming or training), lets
     * updates and sends in hand finish within {@code grace}, gives back what is left to the other
     * replicas, leaves the cluster, then closes servers, pools and the database.
     */
    public void close(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        w.web.drain();
        intake.dispose();
        if (w.inbox != null) {
            Lifecycle.quietly("webhook updates in hand", () -> w.inbox.stop(Lifecycle.remaining(deadline))
                    .block(Lifecycle.remaining(deadline).plusSeconds(5)));
        }
        // claims nothing more, sends what it already marked "sending", hands the rest back
        Lifecycle.quietly("sends in hand", () -> w.sender.stop(Lifecycle.remaining(deadline))
                .block(Lifecycle.remaining(deadline).plusSeconds(10)));
        lifecycle.close();
    }
}
