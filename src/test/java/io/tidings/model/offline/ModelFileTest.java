package io.tidings.model.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import io.tidings.TestDatabase;
import io.tidings.model.EmbeddingTable;
import io.tidings.model.ModelCodec;
import io.tidings.model.ModelConfig;
import io.tidings.model.ModelStore;
import io.tidings.model.Network;
import io.tidings.model.OnnxModelFile;
import io.tidings.model.TrainedModel;
import io.tidings.model.serve.ScoringModel;
import io.tidings.model.train.Trainer;
import io.tidings.model.train.VoteLog;
import io.tidings.store.ModelRepository;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** The whole model as one ONNX file: ONNX Runtime alone scores raw ids as the fast path does; import stores and serves. */
class ModelFileTest {
    private static final Duration T = Duration.ofSeconds(60);
    private static final Scheduler SCHEDULER = Schedulers.newBoundedElastic(2, 16, "model-file-test");
    private static TrainedModel trained;

    @BeforeAll
    static void train() {
        VoteLog log = SyntheticVotes.realistic(6000, 3);
        ModelConfig config = ModelConfig.custom().maxEpochs(3).biasTerms(true).coldDropout(0.2f).build();
        trained = new Trainer(config).train(log.votes(0, log.size())).model();
    }

    @AfterAll
    static void stop() {
        SCHEDULER.dispose();
    }

    @Test
    void anExportedModelIsScoredByOnnxRuntimeAloneAsTheFastPathScoresIt(@TempDir Path dir) {
        Path file = dir.resolve("model.onnx");
        OnnxModelFile.write(trained, file);
        assertThat(Files.exists(dir.resolve("model.onnx.data"))).as("small tables stay inside").isFalse();
        long[][] pairs = pairs(trained, 3000);
        float[] ort = ModelFiles.runtime(file, pairs[0], pairs[1], pairs[2]);
        for (int i = 0; i < ort.length; i++) {
            float expected = trained.score(pairs[0][i], pairs[1][i], pairs[2][i]);
            assertThat((double) ort[i]).as("pair %d", i).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-5));
        }
        ModelFiles.Checked c = ModelFiles.check(file);
        assertThat(c.maxDifference()).isLessThanOrEqualTo(ModelFiles.TOLERANCE);
        assertThat(c.model().readers().size()).isEqualTo(trained.readers().size());
        assertThat(c.model().score(-77, -1, -2)).as("unknown ids read the prior")
                .isEqualTo(trained.score(-77, -1, -2));
    }

    @Test
    void largeTablesGoToExternalDataBesideTheFile(@TempDir Path dir) {
        Path file = dir.resolve("big.onnx");
        OnnxModelFile.write(trained, file, 1000);
        assertThat(Files.exists(dir.resolve("big.onnx.data"))).isTrue();
        ModelFiles.Checked c = ModelFiles.check(file);
        long[][] pairs = pairs(trained, 50);
        for (int i = 0; i < 50; i++) {
            assertThat(c.model().score(pairs[0][i], pairs[1][i], pairs[2][i]))
                    .isEqualTo(trained.score(pairs[0][i], pairs[1][i], pairs[2][i]));
        }
    }

    @Test
    void importStoresANewVersionThatIsServedAndScoreReadsPairs(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pytorch.onnx");
        TrainedModel other = otherModel();
        writePytorchShaped(other, file);
        ModelRepository repository = new ModelRepository(TestDatabase.reset());
        ModelStore store = new ModelStore(repository, ModelCodec.DEFAULT_CHUNK_BYTES, SCHEDULER);
        long id = ModelFiles.importFile(file, store, repository).block(T);
        ModelRepository.ModelVersion v = repository.latest().block(T);
        assertThat(v.id()).isEqualTo(id);
        assertThat(v.kind()).isEqualTo("import");
        try (ScoringModel served = new ScoringModel(v.id(), store.load(v).block(T))) {
            long[][] pairs = pairs(other, 500);
            float[] ort = ModelFiles.runtime(file, pairs[0], pairs[1], pairs[2]);
            float[] fromServed = served.scorePairs(pairs[0], pairs[1], pairs[2]);
            for (int i = 0; i < 500; i++) {
                assertThat((double) fromServed[i]).isCloseTo(ort[i], org.assertj.core.data.Offset.offset(1e-5));
            }
            Path csv = dir.resolve("pairs.csv");
            Files.writeString(csv, "reader,channel,post\n" + pairs[0][0] + "," + pairs[1][0] + "," + pairs[2][0]
                    + "\n-5,-6,-7\n");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ModelFiles.score(file, csv, new PrintStream(out, true, StandardCharsets.UTF_8));
            String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
            assertThat(lines).hasSize(2);
            assertThat(Double.parseDouble(lines[0])).isCloseTo(fromServed[0], org.assertj.core.data.Offset.offset(1e-6));
            assertThat(Double.parseDouble(lines[1])).isCloseTo(
                    served.model().score(-5, -6, -7), org.assertj.core.data.Offset.offset(1e-6));
        }
    }

    @Test
    void aFileExportedByPytorchPassesTheContractAndItsComparison(@TempDir Path dir) throws Exception {
        // made by onnx/pytorch_export.py (Debian's PyTorch 1.13, onnx 1.12) from 5,000 generated votes
        Path file = dir.resolve("pytorch-small.onnx");
        try (var in = ModelFileTest.class.getResourceAsStream("/onnx/pytorch-small.onnx")) {
            Files.copy(in, file);
        }
        ModelFiles.Checked c = ModelFiles.check(file);
        assertThat(c.maxDifference()).isLessThanOrEqualTo(ModelFiles.TOLERANCE);
        assertThat(c.model().readers().size()).isEqualTo(87);
        assertThat(c.model().config().hidden()).isEqualTo(70);
        long[][] pairs = pairs(c.model(), 200);
        float[] ort = ModelFiles.runtime(file, pairs[0], pairs[1], pairs[2]);
        for (int i = 0; i < 200; i++) {
            assertThat((double) c.model().score(pairs[0][i], pairs[1][i], pairs[2][i]))
                    .isCloseTo(ort[i], org.assertj.core.data.Offset.offset(1e-5));
        }
    }

    @Test
    void aFileThatBreaksTheContractIsRefusedWithTheReason(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("model.onnx");
        OnnxModelFile.write(trained, file);
        OnnxMl.ModelProto m = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(file));
        OnnxMl.ModelProto renamed = m.toBuilder().setGraph(m.getGraph().toBuilder()
                .setInput(0, m.getGraph().getInput(0).toBuilder().setName("user"))).build();
        Files.write(file, renamed.toByteArray());
        assertThatThrownBy(() -> ModelFiles.check(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reader_id");
        // the right names, but a graph that computes something else than its weights say
        OnnxMl.GraphProto.Builder g = m.getGraph().toBuilder();
        for (int i = 0; i < g.getNodeCount(); i++) {
            if (g.getNode(i).getOpType().equals("Relu")) {
                g.setNode(i, g.getNode(i).toBuilder().setOpType("Sigmoid"));
            }
        }
        Files.write(file, m.toBuilder().setGraph(g).build().toByteArray());
        assertThatThrownBy(() -> ModelFiles.check(file)).hasMessageContaining("differ");
    }

    /** Known ids and some unknown ones, for every table. */
    private static long[][] pairs(TrainedModel model, int n) {
        SplittableRandom rng = new SplittableRandom(11);
        long[][] ids = {model.readers().ids(), model.channels().ids(), model.posts().ids()};
        long[][] out = new long[3][n];
        for (int t = 0; t < 3; t++) {
            for (int i = 0; i < n; i++) {
                out[t][i] = rng.nextInt(10) == 0 ? 9_000_000_000L + rng.nextInt(1000) : ids[t][rng.nextInt(ids[t].length)];
            }
        }
        return out;
    }

    /** A model of other sizes than the default, as one trained elsewhere would be. */
    private static TrainedModel otherModel() {
        ModelConfig c = ModelConfig.custom().readerDim(16).channelDim(12).postDim(4).hidden(10).build();
        SplittableRandom rng = new SplittableRandom(5);
        Network net = Network.random(c, rng);
        for (int h = 0; h < net.hidden; h++) {
            net.b1[h] = (float) rng.nextGaussian() * 0.2f;
        }
        return new TrainedModel(c, net, table(16, 100_000_000L, 300, rng), table(12, -1_001_234_567_890L, 20, rng),
                table(4, 10, 900, rng));
    }

    private static EmbeddingTable table(int dim, long firstId, int rows, SplittableRandom rng) {
        EmbeddingTable t = new EmbeddingTable(dim, rows);
        for (int i = 0; i < rows; i++) {
            t.addIfAbsent(firstId + 7L * i, (b, off, d) -> {
                for (int j = 0; j < d; j++) {
                    b[off + j] = (float) rng.nextGaussian() * 0.5f;
                }
            });
        }
        t.updatePrior();
        return t;
    }

    /**
     * A file in the other shape torch.onnx.export can write (built in Java): what torch.onnx.export
     * writes for the script's module (producer "pytorch", opset 18, float_data-free raw initializers named after
     * the module's parameters, nn.Linear as MatMul with a transposed weight and Add, the unknown row first,
     * node names like /l1/MatMul), plus the LabelEncoder nodes the script adds with the onnx package.
     */
    static void writePytorchShaped(TrainedModel m, Path file) throws Exception {
        Network net = m.network();
        EmbeddingTable[] tables = {m.readers(), m.channels(), m.posts()};
        OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("main_graph");
        String[] vec = {"reader", "channel", "post"};
        for (int t = 0; t < 3; t++) {
            g.addInput(info(OnnxModelFile.IDS[t], OnnxMl.TensorProto.DataType.INT64, false));
            long[] ids = tables[t].ids();
            OnnxMl.AttributeProto.Builder keys = OnnxMl.AttributeProto.newBuilder().setName("keys_int64s")
                    .setType(OnnxMl.AttributeProto.AttributeType.INTS);
            OnnxMl.AttributeProto.Builder values = OnnxMl.AttributeProto.newBuilder().setName("values_int64s")
                    .setType(OnnxMl.AttributeProto.AttributeType.INTS);
            int dim = tables[t].dim();
            float[] rows = new float[(ids.length + 1) * dim];
            System.arraycopy(tables[t].prior(), 0, rows, 0, dim); // row 0: the unknown row
            for (int r = 0; r < ids.length; r++) {
                keys.addInts(ids[r]);
                values.addInts(r + 1);
                tables[t].copyInto(ids[r], rows, (r + 1) * dim);
            }
            g.addNode(OnnxMl.NodeProto.newBuilder().setOpType("LabelEncoder").setDomain("ai.onnx.ml")
                    .setName("/ids/" + vec[t]).addInput(OnnxModelFile.IDS[t]).addOutput(vec[t] + "_row")
                    .addAttribute(keys).addAttribute(values).addAttribute(OnnxMl.AttributeProto.newBuilder()
                            .setName("default_int64").setType(OnnxMl.AttributeProto.AttributeType.INT).setI(0)));
            g.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Gather").setName("/" + vec[t] + "/Gather")
                    .addInput(OnnxModelFile.TABLES[t]).addInput(vec[t] + "_row").addOutput("/" + vec[t] + "/Gather_output_0"));
            g.addInitializer(floats(OnnxModelFile.TABLES[t], rows, ids.length + 1, dim));
        }
        g.addOutput(info("p", OnnxMl.TensorProto.DataType.FLOAT, true));
        g.addInitializer(floats("W1", net.w1, net.hidden, net.in)).addInitializer(floats("b1", net.b1, net.hidden))
                .addInitializer(floats("W2", net.w2, 1, net.hidden)).addInitializer(floats("b2", net.b2, 1));
        g.addNode(node("Concat", "/Concat", "/Concat_output_0", "/reader/Gather_output_0", "/channel/Gather_output_0",
                        "/post/Gather_output_0").addAttribute(OnnxMl.AttributeProto.newBuilder().setName("axis")
                        .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(1)))
                .addNode(node("Transpose", "/l1/Transpose", "W1t", "W1"))
                .addNode(node("MatMul", "/l1/MatMul", "/l1/MatMul_output_0", "/Concat_output_0", "W1t"))
                .addNode(node("Add", "/l1/Add", "/l1/Add_output_0", "/l1/MatMul_output_0", "b1"))
                .addNode(node("Relu", "/Relu", "/Relu_output_0", "/l1/Add_output_0"))
                .addNode(node("Transpose", "/l2/Transpose", "W2t", "W2"))
                .addNode(node("MatMul", "/l2/MatMul", "/l2/MatMul_output_0", "/Relu_output_0", "W2t"))
                .addNode(node("Add", "/l2/Add", "/l2/Add_output_0", "/l2/MatMul_output_0", "b2"))
                .addNode(node("Sigmoid", "/Sigmoid", "p", "/l2/Add_output_0"));
        OnnxMl.ModelProto model = OnnxMl.ModelProto.newBuilder().setIrVersion(8).setProducerName("pytorch")
                .setProducerVersion("2.1.0")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(18))
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("ai.onnx.ml").setVersion(3))
                .setGraph(g).build();
        Files.write(file, model.toByteArray());
    }

    private static OnnxMl.ValueInfoProto info(String name, OnnxMl.TensorProto.DataType type, boolean column) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder()
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
        if (column) {
            shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(1));
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder().setTensorType(
                OnnxMl.TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape))).build();
    }

    private static OnnxMl.TensorProto floats(String name, float[] v, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(v);
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).setRawData(ByteString.copyFrom(raw.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    private static OnnxMl.NodeProto.Builder node(String op, String name, String out, String... in) {
        OnnxMl.NodeProto.Builder n = OnnxMl.NodeProto.newBuilder().setOpType(op).setName(name).addOutput(out);
        for (String i : in) {
            n.addInput(i);
        }
        return n;
    }
}
