package io.tidings.model;

import io.tidings.model.train.Trainer;
import io.tidings.model.train.Vote;
import io.tidings.util.LongIntMap;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class EmbeddingTableTest {

    @Test
    void unknownIdReadsTheMeanOfTrainedRows() {
        EmbeddingTable t = new EmbeddingTable(2, 4);
        t.addIfAbsent(-5, (b, off, d) -> { b[off] = 1f; b[off + 1] = 4f; });
        t.addIfAbsent(Long.MAX_VALUE, (b, off, d) -> { b[off] = 3f; b[off + 1] = -2f; });
        t.updatePrior();
        assertThat(t.vector(-5)).containsExactly(1f, 4f);
        assertThat(t.vector(12345)).containsExactly(2f, 1f);
        assertThat(t.contains(12345)).isFalse();
    }

    @Test
    void growingPastABlockKeepsEarlierRowsAndIds() {
        EmbeddingTable t = new EmbeddingTable(3, 1);
        int rows = EmbeddingTable.BLOCK_ROWS * 3 + 5;
        for (int i = 0; i < rows; i++) {
            long id = i * 1_000_003L - 77;
            float v = i;
            t.addIfAbsent(id, (b, off, d) -> java.util.Arrays.fill(b, off, off + d, v));
        }
        assertThat(t.size()).isEqualTo(rows);
        for (int i = 0; i < rows; i++) {
            long id = i * 1_000_003L - 77;
            assertThat(t.rowOf(id)).isEqualTo(i);
            assertThat(t.idAt(i)).isEqualTo(id);
            assertThat(t.vector(id)).containsOnly((float) i);
        }
        // adding an existing id returns its row and does not run the initialiser
        assertThat(t.addIfAbsent(-77, (b, off, d) -> { throw new AssertionError(); })).isZero();
    }

    @Test
    void trainedModelScoresNewIdsWithThePriorNotGarbage() {
        List<Vote> votes = Fixtures.syntheticVotes(3, 50, 5, 10, 20);
        TrainedModel model = new Trainer(ModelConfig.custom().maxEpochs(2).build()).train(votes).model();
        long newReader = 999_999_999L;
        long newChannel = -1L;
        long newPost = 123_456_789_012L;
        assertThat(model.readerVector(newReader)).containsExactly(model.readers().prior());
        assertThat(model.channelVector(newChannel)).containsExactly(model.channels().prior());
        assertThat(model.postVector(newPost)).containsExactly(model.posts().prior());

        float[] mean = new float[model.readers().dim()];
        model.readers().forEachRow((b, off) -> {
            for (int j = 0; j < mean.length; j++) {
                mean[j] += b[off + j] / model.readers().size();
            }
        });
        float[] prior = model.readers().prior();
        for (int j = 0; j < mean.length; j++) {
            assertThat(prior[j]).isCloseTo(mean[j], org.assertj.core.api.Assertions.within(1e-5f));
        }
        float s = model.score(newReader, newChannel, newPost);
        assertThat(s).isBetween(0.05f, 0.95f);
        // a new post of a known channel is scored through its channel
        Vote known = votes.get(0);
        assertThat(model.score(known.reader(), known.channel(), newPost))
                .isNotEqualTo(model.score(known.reader(), newChannel, newPost));
    }

    @Test
    void longIntMapHandlesZeroNegativeAndCollidingKeys() {
        LongIntMap m = new LongIntMap(2);
        for (int i = 0; i < 10_000; i++) {
            m.put((long) i << 32, i);
            m.put(-i, i + 1);
        }
        assertThat(m.get(0)).isEqualTo(1); // key 0 first mapped to 0, then replaced by -0 → 1
        for (int i = 1; i < 10_000; i++) {
            assertThat(m.get((long) i << 32)).isEqualTo(i);
            assertThat(m.get(-i)).isEqualTo(i + 1);
        }
        assertThat(m.get(42)).isEqualTo(-1);
        assertThat(m.size()).isEqualTo(19_999);
    }
}
