package io.tidings.cluster;

import io.micrometer.core.instrument.MeterRegistry;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Wrapped;
import io.tidings.store.Channel;
import io.tidings.store.Database;
import io.tidings.util.Loop;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.DoubleConsumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * This replica's membership of the cluster, coordinated through PostgreSQL only (DESIGN.md §7): the
 * replica registry and its share of the send budget, take-over of gone replicas' claims, per-channel
 * polling leases, the trainer lock and model announcements. One replica alone is a cluster of one.
 *
 * <pre>{@code
 * Cluster cluster = Cluster.join(db, config, sender::setRate, meters); // blocking: registers
 * cluster.start();                                                // heartbeats and take-over
 * cluster.ready().block();                                        // the others have seen us: send
 * ingest.pollOnly(cluster.ownedChannels());
 * }</pre>
 */
public final class Cluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Cluster.class);
    private static final int CHANNELS_PER_TICK = 5000;

    private final Database db;
    private final ClusterConfig config;
    private final MeterRegistry meters;
    private final ReplicaRegistry registry;
    private final OutboxReaper reaper;
    private final ChannelLeases channels;
    private final List<Disposable> running = new CopyOnWriteArrayList<>();
    private volatile TrainerLock trainer;

    private Cluster(Database db, ClusterConfig config, DoubleConsumer sendRate, java.util.function.Consumer<Duration> hold,
                    MeterRegistry meters) {
        this.db = db;
        this.config = config;
        this.meters = meters;
        this.registry = new ReplicaRegistry(db.sql(), directConnections(db), config, sendRate, hold);
        this.reaper = new OutboxReaper(db.sql(), new io.tidings.store.DeliveryRepository(db), config.instanceId(), config.replicaTtl());
        this.channels = new ChannelLeases(db.sql(), config.instanceId(), config.channelLease());
    }

    /** Registers this replica and sets its send share; its loops count on {@code meters}. Blocking: call at start-up. */
    public static Cluster join(Database db, ClusterConfig config, DoubleConsumer sendRate, MeterRegistry meters) {
        return join(db, config, sendRate, d -> { }, meters);
    }

    /**
     * The same; {@code hold} stops sending for the given time, called again and again while this replica cannot beat
     * (the others count it gone and take its share of the budget).
     */
    public static Cluster join(Database db, ClusterConfig config, DoubleConsumer sendRate,
                               java.util.function.Consumer<Duration> hold, MeterRegistry meters) {
        Cluster c = new Cluster(db, config, sendRate, hold, meters);
        c.registry.forgetLongGone().onErrorResume(e -> Mono.empty()).block(Duration.ofSeconds(30));
        int live = c.registry.beat().block(Duration.ofSeconds(30));
        log.info("joined as {} with {} live replica(s)", config.instanceId(), live);
        return c;
    }

    /** Heartbeats, and every heartbeat the take-over of gone replicas' unfinished work. */
    public Cluster start() {
        running.add(registry.start(meters));
        running.add(Loop.named("take-over").every(config.heartbeat()).timeout(config.replicaTtl()).meters(meters)
                .start(reaper::reap));
        return this;
    }

    /**
     * Completes when this replica may start sending: the others have seen it join and lowered their
     * share. Sending earlier could exceed the token's budget.
     */
    public Mono<Void> ready() {
        return Mono.delay(config.joinGrace(registry.live())).then();
    }

    /** Where ingest takes the channels to poll: those whose lease this replica just claimed. */
    public Supplier<Flux<Channel>> dueChannels() {
        return () -> channels.claimDue(CHANNELS_PER_TICK);
    }

    /** The channels this replica keeps on its polling timetable: leases it holds (renewed) plus newly claimed ones. */
    public Supplier<Flux<Channel>> ownedChannels() {
        return () -> channels.renewAndClaim(CHANNELS_PER_TICK);
    }

    /** Runs {@code trainIfDue} every {@code every}, but only while this replica holds the trainer lock. */
    public Disposable runTrainer(Supplier<Mono<Boolean>> trainIfDue, Duration every) {
        TrainerLock lock = new TrainerLock(directConnections(), every);
        trainer = lock;
        Disposable d = lock.run(trainIfDue, meters);
        running.add(d);
        return d;
    }

    /** Loads newer model versions when announced, or found by the timer check: {@code reload} when stored > current. */
    public Disposable watchModels(LongSupplier currentVersion, Supplier<Mono<?>> reload) {
        PostgresqlConnectionFactory direct = (PostgresqlConnectionFactory) directConnections();
        Disposable d = new ModelWatcher(direct::create, db.sql(), config.modelCheck(), currentVersion, reload).start(meters);
        running.add(d);
        return d;
    }

    /**
     * Leaves the cluster after this replica stopped working: its unfinished deliveries and channel
     * leases go back to the others at once, then it leaves the registry.
     */
    public Mono<Void> leave() {
        return reaper.releaseOwn()
                .then(channels.releaseUnfinished())
                .then(registry.deregister())
                .doOnSuccess(x -> log.info("left the cluster"))
                .then();
    }

    public String instanceId() { return config.instanceId(); }
    public int liveReplicas() { return registry.live(); }
    public double sendShare() { return registry.share(); }
    public boolean isTrainer() { TrainerLock t = trainer; return t != null && t.held(); }

    /** Stops heartbeats, take-over, the trainer lock and the model watcher. Does not leave: see {@link #leave()}. */
    @Override
    public void close() {
        running.forEach(Disposable::dispose);
        running.clear();
    }

    private ConnectionFactory directConnections() {
        return directConnections(db);
    }

    @SuppressWarnings("unchecked")
    private static ConnectionFactory directConnections(Database db) {
        // locks, LISTEN and heartbeats live on connections of their own, not on pooled ones that others reuse
        return ((Wrapped<ConnectionFactory>) db.pool()).unwrap();
    }
}
