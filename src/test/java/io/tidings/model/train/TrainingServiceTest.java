package io.tidings.model.train;

import io.tidings.model.ModelConfig;
import io.tidings.model.serve.ModelRegistry;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.TestDatabase;
import io.tidings.store.ChannelRepository;
import io.tidings.store.Database;
import io.tidings.store.ModelRepository;
import io.tidings.store.PostKind;
import io.tidings.store.PostRepository;
import io.tidings.store.ReaderRepository;
import io.tidings.store.VoteRepository;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** The training schedule against a real PostgreSQL: increments, full retraining by count and by time, restarts. */
class TrainingServiceTest {
    private static final Duration T = Duration.ofSeconds(60);
    private static final Scheduler TRAINING = Schedulers.newBoundedElastic(1, 16, "training-test");
    private static final ModelConfig CONFIG = ModelConfig.custom().readerDim(8).channelDim(6).postDim(4).hidden(8)
            .maxEpochs(4).seed(3).build();

    private Database db;
    private VoteRepository votes;
    private ModelRepository models;
    private final List<Long> posts = new ArrayList<>();
    private final SplittableRandom rng = new SplittableRandom(5);
    private final List<ModelRegistry> registries = new ArrayList<>();
    private long nextReader = 1;
    private MutableClock clock;

    @BeforeEach
    void setUp() {
        db = TestDatabase.reset();
        votes = new VoteRepository(db);
        models = new ModelRepository(db);
        PostRepository postRepository = new PostRepository(db);
        for (int c = 0; c < 3; c++) {
            long channel = new ChannelRepository(db).ensure("chan" + c).block(T).id();
            for (int m = 1; m <= 10; m++) {
                posts.add(postRepository.insertIfAbsent(new PostRepository.NewPost(channel, m, Instant.now(), PostKind.TEXT,
                        "post " + m, "post " + m, List.of(), 1, null)).block(T).id());
            }
        }
        clock = new MutableClock(Instant.now());
    }

    @AfterEach
    void closeRegistries() {
        registries.forEach(ModelRegistry::close);
    }

    @AfterAll
    static void stop() {
        TRAINING.dispose();
    }

    @Test
    void fullRetrainingFollowsEveryKIncrements() {
        TrainingService service = service(2, Duration.ZERO);
        List<String> kinds = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            addVotes(10);
            assertThat(service.trainIfDue().block(T)).as("round " + round).isTrue();
            kinds.add(models.latest().block(T).kind());
        }
        assertThat(kinds).containsExactly("full", "incremental", "incremental", "full", "incremental");
        assertThat(db.sql().query("SELECT id FROM model_versions ORDER BY id", r -> r.get("id", Long.class)).collectList().block(T))
                .as("older versions than the newest full one are pruned, the newest three kept").hasSize(3);
        addVotes(9); // fewer than everyVotes
        assertThat(service.trainIfDue().block(T)).isFalse();
    }

    @Test
    void fullRetrainingRunsOnScheduleEvenWithFewNewVotes() {
        TrainingService service = service(100, Duration.ofHours(24));
        addVotes(10);
        assertThat(service.trainIfDue().block(T)).isTrue();
        addVotes(10);
        assertThat(service.trainIfDue().block(T)).isTrue();
        assertThat(models.latest().block(T).kind()).isEqualTo("incremental");

        addVotes(3);
        clock.advance(Duration.ofHours(23));
        assertThat(service.trainIfDue().block(T)).as("neither enough votes nor a day").isFalse();
        clock.advance(Duration.ofHours(2));
        assertThat(service.trainIfDue().block(T)).isTrue();
        ModelRepository.ModelVersion v = models.latest().block(T);
        assertThat(v.kind()).isEqualTo("full");
        assertThat(v.voteCount()).isEqualTo(23);

        clock.advance(Duration.ofHours(25));
        assertThat(service.trainIfDue().block(T)).as("a day later but no new vote").isFalse();
        addVotes(1);
        assertThat(service.trainIfDue().block(T)).isTrue();
        assertThat(models.latest().block(T).kind()).isEqualTo("full");
    }

    @Test
    void aRestartedTrainerKeepsCountingIncrementsFromTheStoredVersions() {
        TrainingService first = service(2, Duration.ZERO);
        addVotes(10);
        first.trainIfDue().block(T);
        addVotes(10);
        first.trainIfDue().block(T); // full, incremental

        TrainingService restarted = service(2, Duration.ZERO); // another replica, or this one after a restart
        assertThat(restarted.restoreLatest().block(T)).isTrue();
        assertThat(restarted.trainIfDue().block(T)).as("nothing new since the stored version").isFalse();
        addVotes(10);
        restarted.trainIfDue().block(T);
        assertThat(models.latest().block(T).kind()).isEqualTo("incremental");
        addVotes(10);
        restarted.trainIfDue().block(T);
        assertThat(models.latest().block(T).kind()).isEqualTo("full");
    }

    @Test
    void anIncrementLearnsTheNewVotesWithABoundedReplayOfOlderOnes() {
        TrainingService service = service(100, Duration.ZERO);
        addVotes(TrainingService.MIN_REPLAY + 500);
        assertThat(service.trainIfDue().block(T)).isTrue();
        assertThat(models.latest().block(T).voteCount()).as("the first training is full").isEqualTo(TrainingService.MIN_REPLAY + 500);
        addVotes(10);
        assertThat(service.trainIfDue().block(T)).isTrue();
        ModelRepository.ModelVersion v = models.latest().block(T);
        assertThat(v.kind()).isEqualTo("incremental");
        // under ROWS_ONLY_FROM votes the whole model learns, from the new votes and a random replay
        assertThat(v.voteCount()).as("10 new votes and a replay of older ones, not all of them")
                .isEqualTo(10 + TrainingService.MIN_REPLAY);
        assertThat(v.votesSeq()).isEqualTo(votes.maxSeq().block(T));
        assertThat(service.train().block(T)).as("nothing new: no increment").isFalse();
    }

    @Test
    void aRowsOnlyIncrementLearnsTheNewVotesWithABoundedReplayOfTheirReadersOwnHistory() {
        ModelRegistry reg = ModelRegistry.coldStart(CONFIG);
        registries.add(reg);
        // rows only from the first full training on (the service's default waits for 100,000 votes)
        TrainingService service = new TrainingService(votes, models, reg, CONFIG, 10,
                new TrainingService.FullRetraining(100, Duration.ZERO), 0, clock, TRAINING);
        long first = nextReader;
        for (int r = 0; r < 100; r++) addVotesBy(nextReader++, 0, 25); // 2,500 votes, 25 a reader
        addVotes(50); // and 50 readers of one vote each
        assertThat(service.trainIfDue().block(T)).isTrue();
        assertThat(models.latest().block(T).voteCount()).as("the first training is full").isEqualTo(2_550);
        float[] network = weights(service);

        for (int r = 0; r < 10; r++) addVotesBy(first + r, 25, 1); // 10 new votes of readers with 25 older ones
        assertThat(service.trainIfDue().block(T)).isTrue();
        ModelRepository.ModelVersion v = models.latest().block(T);
        assertThat(v.kind()).isEqualTo("incremental");
        assertThat(v.voteCount()).as("10 new votes and the older votes of those 10 readers, nobody else's").isEqualTo(10 + 10 * 25);
        assertThat(v.votesSeq()).isEqualTo(votes.maxSeq().block(T));
        assertThat(weights(service)).as("an increment keeps the network").isEqualTo(network);

        for (int r = 10; r < 100; r++) addVotesBy(first + r, 25, 1);
        assertThat(service.trainIfDue().block(T)).isTrue();
        assertThat(models.latest().block(T).voteCount()).as("90 new votes and a bounded replay of their readers' 2,250 older ones")
                .isEqualTo(90 + TrainingService.MIN_REPLAY);
        assertThat(service.train().block(T)).as("nothing new: no increment").isFalse();
    }

    /** The weights of the network the newest registry serves now. */
    private float[] weights(TrainingService service) {
        try (ModelRegistry.Lease lease = registries.get(registries.size() - 1).current()) {
            io.tidings.model.Network n = lease.model().model().network();
            float[] out = java.util.Arrays.copyOf(n.w1, n.w1.length + n.b1.length + n.w2.length + 1);
            System.arraycopy(n.b1, 0, out, n.w1.length, n.b1.length);
            System.arraycopy(n.w2, 0, out, n.w1.length + n.b1.length, n.w2.length);
            out[out.length - 1] = n.b2[0];
            return out;
        }
    }

    /** {@code n} votes of {@code reader} on posts {@code from .. from + n)}. */
    private void addVotesBy(long reader, int from, int n) {
        List<NewVote> batch = new ArrayList<>();
        for (int p = from; p < from + n; p++) batch.add(new NewVote(reader, posts.get(p), p < 10 || rng.nextInt(4) == 0));
        store(batch);
    }

    private record NewVote(long reader, long post, boolean liked) {}

    /**
     * Stores the readers of {@code batch}, then its votes, each with its own statement as the bot stores them, eight at
     * a time: thousands one after the other took seconds of round trips.
     */
    private void store(List<NewVote> batch) {
        ReaderRepository readers = new ReaderRepository(db);
        Flux.fromIterable(batch).map(NewVote::reader).distinct().flatMap(r -> readers.start(r, "r" + r, "en"), 8).blockLast(T);
        Flux.fromIterable(batch).flatMap(v -> votes.upsert(v.reader(), v.post(), v.liked()), 8).blockLast(T);
    }

    @Test
    void aServingPodThatLetItsReaderRowsGoRefusesToTrainAnIncrement() {
        TrainingService service = service(100, Duration.ZERO);
        ModelRegistry registry = registries.get(registries.size() - 1);
        addVotes(10);
        assertThat(service.trainIfDue().block(T)).isTrue(); // the first training is full
        long served = registry.version();
        assertThat(registry.dropReaderRows(served)).isTrue(); // what ROLE=serve does once the index is built
        addVotes(10);
        // an increment from a model without reader rows would forget every reader: refused, nothing stored
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> service.trainIfDue().block(T))
                .hasMessageContaining("ROLE=serve");
        assertThat(models.latest().block(T).id()).isEqualTo(served);
        assertThat(registry.version()).isEqualTo(served);
    }

    @Test
    void oneTrainingAtATime() {
        TrainingService service = service(1, Duration.ZERO);
        addVotes(10);
        Mono<Boolean> a = service.train().cache();
        a.subscribe(); // trains on the training scheduler
        Boolean b = service.train().block(T);
        assertThat(a.block(T)).isTrue();
        assertThat(b).as("refused while the first one runs").isFalse();
        assertThat(db.sql().one("SELECT count(*) AS n FROM model_versions", r -> r.get("n", Long.class)).block(T))
                .isEqualTo(1);
        addVotes(1);
        assertThat(service.train().block(T)).as("free again afterwards").isTrue();
    }

    private TrainingService service(int fullAfter, Duration fullEvery) {
        ModelRegistry registry = ModelRegistry.coldStart(CONFIG);
        registries.add(registry);
        return new TrainingService(votes, models, registry, CONFIG, 10,
                new TrainingService.FullRetraining(fullAfter, fullEvery), clock, TRAINING);
    }

    /** {@code n} new votes by new readers on random posts, liked by channel. */
    private void addVotes(int n) {
        List<NewVote> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long reader = nextReader++;
            int p = rng.nextInt(posts.size());
            batch.add(new NewVote(reader, posts.get(p), p < 10 || rng.nextInt(4) == 0));
        }
        store(batch);
    }

    private static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
