package io.tidings.model.offline;

import io.tidings.model.ModelConfig;
import io.tidings.model.train.VoteLog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluationTest {
    // a smaller log of the evaluation shape, so the test trains in seconds
    private static final VoteLog LOG = SyntheticVotes.generate(150, 60, 3000, 24_000, 60, 5);

    @Test
    void modelBeatsEveryBaselineOnTheNewestVotes() {
        // the default recipe; with patience 1 instead of 3 the early-stopping probe ends two epochs sooner at the same
        // best epoch (3) on this log, so the refit, the model and every number below are the same as with the defaults
        Evaluation.Report r = Evaluation.run(LOG, ModelConfig.defaults().toBuilder().patience(1).build(), System.out::println);
        Evaluation.table(r).forEach(System.out::println);
        assertThat(r.trainVotes()).isEqualTo(19_200);
        assertThat(r.validationVotes()).isEqualTo(4_800);
        assertThat(r.coldPostShare()).as("the newest votes are mostly on new posts").isGreaterThan(0.5);
        assertThat(r.baselines().keySet())
                .containsExactly("global", "channel_mean", "reader_mean", "post_mean", "dot_mf");
        for (Map.Entry<String, Evaluation.Score> b : r.baselines().entrySet()) {
            assertThat(r.model().auc()).as("AUC vs %s", b.getKey()).isGreaterThan(b.getValue().auc());
            assertThat(r.model().logloss()).as("log loss vs %s", b.getKey()).isLessThan(b.getValue().logloss());
        }
        assertThat(r.baselines().get("global").auc()).isEqualTo(0.5);
        assertThat(r.json()).startsWith("{\"model\":{\"auc\":").contains("\"dot_mf\":{\"auc\":")
                .contains("\"epochs\":" + r.epochs()).endsWith("}");
    }

    @Test
    void theReaderSplitTestsEachReadersNewestFifthAndKeepsTheRestForTraining() {
        VoteLog log = SyntheticVotes.realistic(8000, 4);
        Evaluation.Partition part = Evaluation.Split.READER.apply(log);
        assertThat(part.train().size() + part.test().size()).isEqualTo(log.size());
        java.util.Map<Long, java.util.List<VoteLog.Timed>> byReader = new java.util.HashMap<>();
        log.timed().forEach(t -> byReader.computeIfAbsent(t.vote().reader(), k -> new java.util.ArrayList<>()).add(t));
        java.util.Map<Long, Long> tested = new java.util.HashMap<>();
        part.test().forEach(v -> tested.merge(v.reader(), 1L, Long::sum));
        int readersWithHistory = 0;
        for (var e : byReader.entrySet()) {
            int n = e.getValue().size();
            long expected = n < Evaluation.READER_MIN_VOTES ? 0 : Math.max(1, Math.round(n * 0.2));
            assertThat(tested.getOrDefault(e.getKey(), 0L)).as("reader %d with %d votes", e.getKey(), n)
                    .isEqualTo(expected);
            readersWithHistory += n >= Evaluation.READER_MIN_VOTES ? 1 : 0;
            // the tested votes are that reader's newest
            java.util.List<VoteLog.Timed> votes = e.getValue();
            for (int i = 0; i < votes.size(); i++) {
                boolean newest = i >= votes.size() - expected;
                assertThat(part.test().contains(votes.get(i).vote()) || !newest).isTrue();
            }
        }
        assertThat(readersWithHistory).isGreaterThan(10);
    }

    @Test
    void bothSplitsReportTheModelAndBaselinesOnEverySegment() {
        VoteLog log = SyntheticVotes.generate(60, 20, 800, 5000, 30, 2);
        // one epoch: what is asserted here is the shape of the report (segments, their votes, the JSON), not how
        // well the model learned (modelBeatsEveryBaselineOnTheNewestVotes holds that)
        ModelConfig fast = ModelConfig.custom().maxEpochs(1).build();
        Evaluation.Report global = Evaluation.run(log, fast, Evaluation.Split.GLOBAL, line -> { });
        Evaluation.Report reader = Evaluation.run(log, fast, Evaluation.Split.READER, line -> { });
        assertThat(global.segments().keySet()).containsExactly("warm_readers", "cold_readers", "cold_posts");
        assertThat(reader.segments().get("cold_readers").votes()).as("every tested reader has training votes").isZero();
        assertThat(reader.segments().get("warm_readers").votes()).isEqualTo(reader.validationVotes());
        assertThat(global.segments().get("cold_posts").votes()).isEqualTo(
                Math.round(global.coldPostShare() * global.validationVotes()));
        assertThat(global.segments().get("cold_posts").baselines().get("post_mean").auc())
                .as("a post without training votes has only the prior").isEqualTo(0.5);
        String json = Evaluation.json(List.of(global, reader));
        assertThat(json).startsWith("{\"global\":{\"model\":{\"auc\":").contains(",\"reader\":{\"model\":")
                .contains("\"segments\":{\"warm_readers\":{\"votes\":").contains("\"cold_readers\":{\"votes\":0,")
                .contains("\"train_seconds\":").contains("\"epochs\":");
    }

    @Test
    void realisticVotesMakeReaderAndPostMeansStrongBaselines() {
        VoteLog log = SyntheticVotes.realistic(30_000, 1);
        Evaluation.Partition part = Evaluation.Split.READER.apply(log);
        double readerMean = Evaluation.score(part.test(), Baselines.readerMean(part.train())).auc();
        double postMean = Evaluation.score(part.test(), Baselines.postMean(part.train())).auc();
        double channelMean = Evaluation.score(part.test(), Baselines.channelMean(part.train())).auc();
        assertThat(readerMean).isGreaterThan(0.64);
        assertThat(postMean).isGreaterThan(0.58).isGreaterThan(channelMean);
        // activity is heavy-tailed: the most active tenth of readers casts far more than a tenth of the votes
        java.util.Map<Long, Integer> perReader = new java.util.HashMap<>();
        log.timed().forEach(t -> perReader.merge(t.vote().reader(), 1, Integer::sum));
        java.util.List<Integer> counts = perReader.values().stream().sorted(java.util.Comparator.reverseOrder()).toList();
        int top = counts.subList(0, counts.size() / 10).stream().mapToInt(Integer::intValue).sum();
        assertThat(top).as("three times their share").isGreaterThan(log.size() * 3 / 10);
        // readers arrive over time: most of the newest fifth comes from readers unseen before
        Evaluation.Partition global = Evaluation.Split.GLOBAL.apply(log);
        java.util.Set<Long> seen = new java.util.HashSet<>();
        global.train().forEach(v -> seen.add(v.reader()));
        long cold = global.test().stream().filter(v -> !seen.contains(v.reader())).count();
        assertThat(cold).isGreaterThan(global.test().size() / 2);
    }

    @Test
    void trainingIsOnOlderVotesThanValidation() {
        List<VoteLog.Timed> t = LOG.timed();
        int split = LOG.splitIndex(Evaluation.TRAIN_FRACTION);
        assertThat(t.get(split - 1).ts()).isLessThanOrEqualTo(t.get(split).ts());
        for (int i = 1; i < t.size(); i++) {
            assertThat(t.get(i).ts()).isGreaterThanOrEqualTo(t.get(i - 1).ts());
        }
    }

    @Test
    void csvRoundTripKeepsVotesAndTimes(@TempDir Path dir) throws Exception {
        VoteLog small = SyntheticVotes.generate(30, 12, 400, 2000, 20, 9);
        Path file = dir.resolve("votes.csv");
        small.write(file);
        assertThat(Files.readAllLines(file).get(0)).isEqualTo(VoteLog.HEADER);
        VoteLog back = VoteLog.read(file);
        assertThat(back.size()).isEqualTo(small.size());
        assertThat(back.distinct()).containsExactly(small.distinct());
        for (int i = 0; i < small.size(); i++) {
            assertThat(back.timed().get(i).ts()).isEqualTo(small.timed().get(i).ts());
            assertThat(back.timed().get(i).vote().like()).isEqualTo(small.timed().get(i).vote().like());
        }
    }

    @Test
    void postIdsAreScopedByChannelAndBadRowsNameTheirLine(@TempDir Path dir) throws Exception {
        Path ok = dir.resolve("ok.csv");
        Files.writeString(ok, "user,channel,post,vote,ts\nalice,news,7,1,100\nbob,memes,7,0,50\n");
        VoteLog log = VoteLog.read(ok);
        assertThat(log.distinct()).containsExactly(2, 2, 2); // "7" in two channels are two posts
        assertThat(log.timed().get(0).ts()).isEqualTo(50); // sorted by time
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "user,channel,post,vote,ts\nalice,news,7,1,100\nbob,memes,7,yes,50\n");
        assertThatThrownBy(() -> VoteLog.read(bad)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(":3:").hasMessageContaining("vote must be 1 or 0");
        Path noHeader = dir.resolve("noheader.csv");
        Files.writeString(noHeader, "alice,news,7,1,100\n");
        assertThatThrownBy(() -> VoteLog.read(noHeader)).hasMessageContaining("header");
    }

    @Test
    void syntheticLogHasTheRequestedShapeAndIsDeterministic() {
        VoteLog a = SyntheticVotes.generate(5000, 3);
        VoteLog b = SyntheticVotes.generate(5000, 3);
        assertThat(a.size()).isEqualTo(5000);
        assertThat(a.timed()).isEqualTo(b.timed());
        int[] d = a.distinct();
        assertThat(d[0]).isBetween(300, 400);
        assertThat(d[1]).isBetween(100, 170);
        long likes = a.timed().stream().filter(t -> t.vote().like()).count();
        assertThat(likes).as("both classes well represented").isBetween(1000L, 4000L);
    }
}
