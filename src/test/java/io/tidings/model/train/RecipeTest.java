package io.tidings.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tidings.model.EmbeddingTable;
import io.tidings.model.Fixtures;
import io.tidings.model.ModelConfig;
import io.tidings.model.Network;
import io.tidings.model.TrainedModel;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The training recipe's parts: the bias unit inside the seed shape, learned cold rows, the best epoch without a table copy. */
class RecipeTest {
    // what is tested is the recipe's shape, not how well it learns (TrainerTest): a third of TrainerTest's votes
    private static final List<Vote> VOTES = Fixtures.syntheticVotes(11, 300, 20, 50, 60).subList(0, 6000);

    @Test
    void biasTermsLeaveAPlainSeedShapedNetworkThatTheFastPathScores() {
        ModelConfig config = ModelConfig.custom().maxEpochs(2).biasTerms(true).build();
        TrainedModel m = new Trainer(config).train(VOTES).model();
        Network net = m.network();
        assertThat(net.hidden).isEqualTo(70);
        assertThat(net.in).isEqualTo(200);
        assertThat(net.hasBiasUnit()).as("the last hidden unit stayed the bias unit").isTrue();
        assertThat(net.b2[0]).as("b2 carries the offset").isLessThan(-Network.BIAS_OFFSET / 2);
        // the biases were learned: readers differ in their bias column
        float[] a = m.readerVector(VOTES.get(0).reader());
        boolean differs = false;
        for (Vote v : VOTES.subList(0, 200)) {
            differs |= m.readerVector(v.reader())[99] != a[99];
        }
        assertThat(differs).isTrue();
        long[] channels = VOTES.stream().limit(50).mapToLong(Vote::channel).toArray();
        long[] posts = VOTES.stream().limit(50).mapToLong(Vote::post).toArray();
        float[] fast = m.scorePostsJava(VOTES.get(3).reader(), channels, posts);
        for (int i = 0; i < fast.length; i++) {
            assertThat(fast[i]).isCloseTo(m.score(VOTES.get(3).reader(), channels[i], posts[i]), within(1e-5f));
        }
    }

    @Test
    void coldDropoutTrainsTheRowThatNewReadersAndPostsRead() {
        ModelConfig config = ModelConfig.custom().maxEpochs(2).coldDropout(0.2f).build();
        TrainedModel m = new Trainer(config).train(VOTES).model();
        assertThat(m.readers().contains(EmbeddingTable.UNKNOWN_ID)).isTrue();
        assertThat(m.readerVector(-12345)).as("an unknown reader reads the learned row")
                .containsExactly(m.readerVector(EmbeddingTable.UNKNOWN_ID));
        assertThat(m.postVector(-12345)).containsExactly(m.postVector(EmbeddingTable.UNKNOWN_ID));
    }

    @Test
    void rowUndoRestoresOnlyTheRowsWrittenSinceTheBest() {
        EmbeddingTable t = new EmbeddingTable(3, 10);
        for (long id = 0; id < 10; id++) {
            float v = id;
            t.addIfAbsent(id, (b, off, d) -> java.util.Arrays.fill(b, off, off + d, v));
        }
        RowUndo undo = new RowUndo(t);
        undo.beforeWrite(2); // not armed yet: nothing to go back to
        assertThat(undo.saved()).isZero();
        undo.arm();
        for (int row : new int[] {4, 7, 4}) {
            undo.beforeWrite(row);
            t.block(row)[t.offset(row)] += 100;
        }
        assertThat(undo.saved()).as("each row once").isEqualTo(2);
        undo.rollback();
        assertThat(t.vector(4)).containsExactly(4, 4, 4);
        assertThat(t.vector(7)).containsExactly(7, 7, 7);
        undo.beforeWrite(5);
        t.block(5)[t.offset(5)] = -1;
        undo.commit(); // the written value is now the best
        undo.rollback();
        assertThat(t.vector(5)[0]).isEqualTo(-1f);
    }

    @Test
    void incrementalTrainingKeepsTheBestEpochAndLeavesThePreviousModelUntouched() {
        ModelConfig config = ModelConfig.custom().maxEpochs(3).build();
        TrainedModel first = new Trainer(config).train(VOTES.subList(0, 2000)).model();
        byte[] before = first.toBytes();
        Trainer.Result next = new Trainer(config).train(VOTES, first, 3);
        assertThat(first.toBytes()).as("the served model is not written").isEqualTo(before);
        assertThat(next.summary().bestEpoch()).isBetween(1, 3);
        assertThat(next.model().readers().size()).isGreaterThanOrEqualTo(first.readers().size());
    }
}
