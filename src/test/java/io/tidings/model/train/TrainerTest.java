package io.tidings.model.train;

import io.tidings.model.Fixtures;
import io.tidings.model.ModelConfig;
import io.tidings.model.TrainedModel;
import io.tidings.model.offline.Quality;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainerTest {
    private static final List<Vote> VOTES = Fixtures.syntheticVotes(11, 300, 20, 50, 60);


    @Test
    void learnsHiddenTastesWellAboveChance() {
        // the default recipe but patience 1: training stops at epoch 4 instead of 6 with the same best epoch (3), so
        // the kept model, its validation loss and its AUC (0.8055) are the very ones the defaults give
        Trainer.Result result = new Trainer(ModelConfig.defaults().toBuilder().patience(1).build()).train(VOTES);
        TrainingSummary s = result.summary();
        System.out.println("synthetic: " + s);
        assertThat(s.validationVotes()).isEqualTo(VOTES.size() / 10);
        assertThat(s.bestEpoch()).isBetween(1, s.epochsRun());
        assertThat(s.validationLoss()).isLessThan((float) Math.log(2));
        double auc = validationAuc(result.model(), VOTES, ModelConfig.defaults());
        System.out.println("synthetic validation AUC: " + auc);
        assertThat(auc).isGreaterThan(0.75);
    }

    @Test
    void sgdAlsoLearns() {
        // plain SGD needs a large step: at 2.0 it reaches AUC 0.77-0.82 in four epochs for seeds 1, 2, 3, 7 and 42
        // (at 0.5 it took nine epochs to reach 0.73)
        ModelConfig sgd = ModelConfig.custom().optimizer(ModelConfig.Optimizer.SGD).learningRate(2.0f)
                .maxEpochs(4).build();
        Trainer.Result result = new Trainer(sgd).train(VOTES);
        double auc = validationAuc(result.model(), VOTES, sgd);
        System.out.println("SGD: " + result.summary() + " AUC " + auc);
        assertThat(auc).isGreaterThan(0.7);
    }

    /** Four epochs on the first 9,000 votes: the previous version that warm starts and row increments begin from. */
    private static TrainedModel first9000;

    private static synchronized TrainedModel previousOnFirst9000() {
        if (first9000 == null) first9000 = new Trainer(ModelConfig.custom().maxEpochs(4).build()).train(VOTES.subList(0, 9000)).model();
        return first9000;
    }

    @Test
    void sameSeedGivesIdenticalModels() {
        // two epochs of 3,000 votes (one pass each: 2,700 training votes are over minEpochSteps x batchSize): as
        // deterministic a test as three epochs of 4,000, at a third of the steps
        ModelConfig config = ModelConfig.custom().maxEpochs(2).build();
        List<Vote> votes = VOTES.subList(0, 3000);
        byte[] a = new Trainer(config).train(votes).model().toBytes();
        byte[] b = new Trainer(config).train(votes).model().toBytes();
        byte[] other = new Trainer(config.toBuilder().seed(43).build()).train(votes).model().toBytes();
        assertThat(a).isEqualTo(b);
        assertThat(other).isNotEqualTo(a);
    }

    @Test
    void aSmallVoteSetGetsEpochsOfAtLeastMinEpochStepsSoEarlyStoppingSeesSomeLearning() {
        ModelConfig config = ModelConfig.defaults();
        List<Vote> votes = VOTES.subList(0, 120); // one step per pass, 12 validation votes
        Trainer trainer = new Trainer(config);
        int passes = trainer.passesPerEpoch(108);
        assertThat(passes).isEqualTo(config.minEpochSteps());
        Trainer.Result first = trainer.train(votes);
        TrainingSummary s = first.summary();
        // before, an epoch was one step: training ended after about four steps
        assertThat((long) s.epochsRun() * passes).isGreaterThanOrEqualTo((long) (config.patience() + 1) * 20);
        assertThat(s.bestEpoch()).isBetween(1, s.epochsRun());
        // deterministic for a seed, like any training
        // (and a trainer used again gives what it gave fresh: two trainings, not three, prove both)
        assertThat(trainer.train(votes).model().toBytes()).isEqualTo(first.model().toBytes());
        // a large vote set is untouched: one pass per epoch
        assertThat(trainer.passesPerEpoch(config.minEpochSteps() * config.batchSize())).isEqualTo(1);
        assertThat(trainer.passesPerEpoch(80_000)).isEqualTo(1);
        assertThat(trainer.passesPerEpoch(config.minEpochSteps() * config.batchSize() - config.batchSize())).isEqualTo(2);
    }

    private static double auc(TrainedModel model, List<Vote> votes) {
        float[] scores = new float[votes.size()];
        boolean[] labels = new boolean[votes.size()];
        for (int i = 0; i < votes.size(); i++) {
            Vote v = votes.get(i);
            scores[i] = model.score(v.reader(), v.channel(), v.post());
            labels[i] = v.like();
        }
        return Quality.auc(scores, labels);
    }

    @Test
    void earlyStoppingKeepsTheBestEpoch() {
        // tiny data and a large learning rate overfit fast: validation loss turns up, training stops
        ModelConfig config = ModelConfig.custom().learningRate(0.02f).maxEpochs(60).patience(2).build();
        List<Vote> votes = VOTES.subList(0, 1500);
        Trainer.Result result = new Trainer(config).train(votes);
        TrainingSummary s = result.summary();
        System.out.println("overfit: " + s);
        assertThat(s.stoppedEarly()).isTrue();
        assertThat(s.epochsRun()).isEqualTo(s.bestEpoch() + config.patience());
        // the kept weights are the best epoch's: recomputing validation loss gives the reported value
        assertThat(validationLoss(result.model(), votes, config)).isCloseTo(s.validationLoss(),
                org.assertj.core.api.Assertions.within(1e-4));
    }

    @Test
    void warmStartAddsNewRowsAndLeavesThePreviousModelAlone() {
        ModelConfig config = ModelConfig.custom().maxEpochs(4).build();
        TrainedModel previous = previousOnFirst9000();
        byte[] before = previous.toBytes();
        int readersBefore = previous.readers().size();

        Trainer.Result next = new Trainer(config).train(VOTES, previous, 2);
        assertThat(previous.toBytes()).as("previous model unchanged").isEqualTo(before);
        assertThat(next.summary().warmStarted()).isTrue();
        assertThat(next.summary().epochsRun()).isLessThanOrEqualTo(2);
        assertThat(next.model().readers().size()).isGreaterThan(readersBefore);
        assertThat(validationAuc(next.model(), VOTES, config)).isGreaterThan(0.7);
    }

    @Test
    void aRowsOnlyIncrementMovesJustTheRowsOfTheNewVotesAndLearnsFromThem() {
        ModelConfig config = ModelConfig.custom().maxEpochs(4).build();
        List<Vote> older = VOTES.subList(0, 9000);
        List<Vote> fresh = VOTES.subList(9000, VOTES.size());
        TrainedModel previous = previousOnFirst9000();
        byte[] before = previous.toBytes();
        java.util.Set<Long> readers = new java.util.HashSet<>();
        java.util.Set<Long> posts = new java.util.HashSet<>();
        for (Vote v : fresh) {
            readers.add(v.reader());
            posts.add(v.post());
        }
        // the new votes plus the history of their readers, as the training service gives them
        List<Vote> data = new ArrayList<>();
        for (Vote v : older) if (readers.contains(v.reader())) data.add(v);
        data.addAll(fresh);
        TrainedModel next = new Trainer(config).trainRows(data, previous, 3, readers::contains, posts::contains).model();

        assertThat(previous.toBytes()).as("previous model unchanged").isEqualTo(before);
        assertThat(next.network()).as("the very network, not a copy").isSameAs(previous.network());
        assertThat(next.channels()).isSameAs(previous.channels());
        assertThat(next.readers().prior()).isEqualTo(previous.readers().prior());
        assertThat(next.posts().prior()).isEqualTo(previous.posts().prior());
        int movedReaders = 0;
        for (long id : next.readers().ids()) {
            boolean same = java.util.Arrays.equals(next.readers().vector(id), previous.readers().vector(id));
            if (!readers.contains(id)) assertThat(same).as("reader %d without new votes", id).isTrue();
            else if (!same) movedReaders++;
        }
        for (long id : next.posts().ids()) {
            if (!posts.contains(id)) assertThat(next.posts().vector(id)).as("post %d", id).isEqualTo(previous.posts().vector(id));
        }
        assertThat(movedReaders).as("readers of the new votes that learned").isGreaterThan(readers.size() / 2);
        // it learned from the new votes: they are predicted better than by the previous version
        assertThat(logLoss(next, fresh)).isLessThan(logLoss(previous, fresh));
    }

    private static double logLoss(TrainedModel m, List<Vote> votes) {
        float[] p = new float[votes.size()];
        boolean[] y = new boolean[votes.size()];
        for (int i = 0; i < p.length; i++) {
            Vote v = votes.get(i);
            p[i] = m.score(v.reader(), v.channel(), v.post());
            y[i] = v.like();
        }
        return Quality.logLoss(p, y);
    }

    @Test
    void noVotesGivesAnUntrainedModelScoringOneHalf() {
        Trainer.Result result = new Trainer(ModelConfig.defaults()).train(List.of());
        assertThat(result.summary().epochsRun()).isZero();
        assertThat(result.model().score(1, 2, 3)).isEqualTo(0.5f);
    }

    /** The trainer's validation votes are the first fraction of a seeded shuffle; recompute it. */
    private static List<Vote> validationVotes(List<Vote> votes, ModelConfig config) {
        int n = votes.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.SplittableRandom rng = new java.util.SplittableRandom(config.seed());
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int nVal = (int) Math.floor(n * (double) config.validationFraction());
        List<Vote> val = new ArrayList<>();
        for (int k = 0; k < nVal; k++) {
            val.add(votes.get(order[k]));
        }
        return val;
    }

    private static double validationAuc(TrainedModel model, List<Vote> votes, ModelConfig config) {
        return auc(model, validationVotes(votes, config));
    }

    private static double validationLoss(TrainedModel model, List<Vote> votes, ModelConfig config) {
        double sum = 0;
        List<Vote> val = validationVotes(votes, config);
        for (Vote v : val) {
            float p = model.score(v.reader(), v.channel(), v.post());
            sum -= v.like() ? Math.log(p) : Math.log(1 - p);
        }
        return sum / val.size();
    }
}
