package io.tidings.model;

import io.tidings.model.train.Trainer;
import io.tidings.model.train.Vote;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SerializationTest {

    @Test
    void roundTripGivesIdenticalScoresForKnownAndUnknownIds() {
        List<Vote> votes = Fixtures.syntheticVotes(5, 80, 10, 200, 30); // > 1 block of posts
        TrainedModel model = new Trainer(ModelConfig.custom().maxEpochs(2).seed(9).build()).train(votes).model();
        byte[] bytes = model.toBytes();
        TrainedModel back = TrainedModel.fromBytes(bytes);

        assertThat(back.config().toString()).isEqualTo(model.config().toString());
        assertThat(back.readers().size()).isEqualTo(model.readers().size());
        assertThat(back.posts().size()).isEqualTo(model.posts().size());
        assertThat(back.toBytes()).isEqualTo(bytes);
        for (Vote v : votes) {
            assertThat(back.score(v.reader(), v.channel(), v.post()))
                    .isEqualTo(model.score(v.reader(), v.channel(), v.post()));
        }
        assertThat(back.score(-1, -2, -3)).isEqualTo(model.score(-1, -2, -3));
        assertThat(back.toOnnx()).isEqualTo(model.toOnnx());
        long expected = 8 + 57 + 4L * (70 * 200 + 70 + 70 + 1)
                + 3 * 8 + 8L * (model.readers().size() + model.channels().size() + model.posts().size())
                + 4L * (100 * (model.readers().size() + 1) + 80 * (model.channels().size() + 1)
                        + 20 * (model.posts().size() + 1));
        assertThat(bytes.length).as("raw float32 and int64, no overhead").isEqualTo(expected);
    }

    @Test
    void chunkedFormRoundTripsAndRejectsChunksOutOfOrder() {
        TrainedModel model = Fixtures.randomModel(ModelConfig.defaults(), 2, 700, 30, 900);
        int chunkBytes = 8 << 10;
        int n = ModelCodec.chunkCount(model, chunkBytes);
        byte[] head = ModelCodec.encodeHead(model, chunkBytes);
        assertThat(ModelCodec.isHead(head)).isTrue();
        assertThat(ModelCodec.isHead(model.toBytes())).isFalse();
        ModelCodec.Assembler a = new ModelCodec.Assembler(head);
        assertThat(a.chunks()).isEqualTo(n).isGreaterThan(10);
        for (int i = 0; i < n; i++) {
            byte[] chunk = ModelCodec.encodeChunk(model, chunkBytes, i);
            assertThat(chunk.length).isLessThanOrEqualTo(chunkBytes);
            a.add(chunk);
        }
        assertThat(a.finish().toBytes()).isEqualTo(model.toBytes());

        ModelCodec.Assembler skipping = new ModelCodec.Assembler(head);
        skipping.add(ModelCodec.encodeChunk(model, chunkBytes, 0));
        assertThatThrownBy(() -> skipping.add(ModelCodec.encodeChunk(model, chunkBytes, 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unexpected chunk");
        ModelCodec.Assembler short1 = new ModelCodec.Assembler(head);
        short1.add(ModelCodec.encodeChunk(model, chunkBytes, 0));
        assertThatThrownBy(short1::finish).hasMessageContaining("chunks are missing");
    }

    @Test
    void modelsWrittenBeforeMinEpochStepsStillLoad() {
        TrainedModel model = Fixtures.randomModel(ModelConfig.defaults(), 4, 20, 5, 30);
        byte[] now = model.toBytes();
        // version 1 had no minEpochSteps: the 4 bytes after the seed (at 8 + 53)
        byte[] old = new byte[now.length - 4];
        System.arraycopy(now, 0, old, 0, 61);
        System.arraycopy(now, 65, old, 61, now.length - 65);
        old[4] = 1;
        TrainedModel back = TrainedModel.fromBytes(old);
        assertThat(back.config().minEpochSteps()).isEqualTo(ModelConfig.defaults().minEpochSteps());
        assertThat(back.score(3, 1002, 5004)).isEqualTo(model.score(3, 1002, 5004));
    }

    @Test
    void untrainedModelRoundTrips() {
        TrainedModel model = TrainedModel.untrained(ModelConfig.defaults(), 1);
        TrainedModel back = TrainedModel.fromBytes(model.toBytes());
        assertThat(back.score(1, 2, 3)).isEqualTo(0.5f);
    }

    @Test
    void malformedBytesAreRejectedClearly() {
        byte[] bytes = TrainedModel.untrained(ModelConfig.defaults(), 1).toBytes();
        assertThatThrownBy(() -> TrainedModel.fromBytes(Arrays.copyOf(bytes, bytes.length - 3)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TrainedModel.fromBytes(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a tidings model");
        byte[] extra = Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> TrainedModel.fromBytes(extra)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TrainedModel.fromBytes(new byte[0])).isInstanceOf(IllegalArgumentException.class);
    }
}
