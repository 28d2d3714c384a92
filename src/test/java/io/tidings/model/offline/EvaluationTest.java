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
        Evaluation.Report r = Evaluation.run(LOG, ModelConfig.defaults(), System.out::println);
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
