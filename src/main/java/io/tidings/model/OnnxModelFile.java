package io.tidings.model;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The whole model as one ONNX file (the contract is {@code onnx/README.md}, "Whole-model file"): inputs raw
 * Telegram ids {@code reader_id}, {@code channel_id}, {@code post_id} (int64 {@code [N]}); each goes through
 * an ONNX-ML {@code LabelEncoder} (id → row, unknown ids → the table's last row, the mean row) and a
 * {@code Gather} from its embedding table (an initializer), then Concat → Gemm → Relu → Gemm → Sigmoid to
 * {@code p [N, 1]}. So ONNX Runtime alone scores raw ids. Embedding tables past
 * {@link #EXTERNAL_DATA_BYTES} go to external data ({@code FILE.onnx.data}), as protobuf stops at 2 GB.
 * {@link #read} checks a file against the contract and rebuilds the {@link TrainedModel} ({@link OnnxModelReader}).
 */
public final class OnnxModelFile {
    public static final String READER_ID = "reader_id";
    public static final String CHANNEL_ID = "channel_id";
    public static final String POST_ID = "post_id";
    public static final String OUTPUT = "p";
    public static final String[] TABLES = {"reader_table", "channel_table", "post_table"};
    public static final String[] IDS = {READER_ID, CHANNEL_ID, POST_ID};
    /** Default-domain opset written; {@link #read} accepts 13 to {@link #MAX_OPSET}. */
    public static final long OPSET = 17;
    public static final long MAX_OPSET = 21;
    /** ONNX-ML opset written (LabelEncoder with int64 keys and values needs 2). */
    public static final long ML_OPSET = 2;
    public static final String ML_DOMAIN = "ai.onnx.ml";
    /** Embedding bytes above which tables are written as external data. */
    public static final long EXTERNAL_DATA_BYTES = 1L << 30;

    static final int FLOAT = TensorProto.DataType.FLOAT.getNumber();
    static final int INT64 = TensorProto.DataType.INT64.getNumber();

    private OnnxModelFile() {
    }

    /** Writes {@code model} to {@code file} (tables external past {@link #EXTERNAL_DATA_BYTES}). */
    public static void write(TrainedModel model, Path file) {
        write(model, file, EXTERNAL_DATA_BYTES);
    }

    /** Writes {@code model} to {@code file}; tables go to {@code file + ".data"} when they exceed {@code externalBytes}. */
    public static void write(TrainedModel model, Path file, long externalBytes) {
        Network net = model.network();
        EmbeddingTable[] tables = {model.readers(), model.channels(), model.posts()};
        long tableBytes = 0;
        for (EmbeddingTable t : tables) {
            tableBytes += 4L * (t.size() + 1) * t.dim();
        }
        boolean external = tableBytes > externalBytes;
        Path dataFile = file.resolveSibling(file.getFileName() + ".data");
        GraphProto.Builder g = GraphProto.newBuilder().setName("tidings_whole");
        for (String id : IDS) {
            g.addInput(info(id, INT64, "N"));
        }
        g.addOutput(info(OUTPUT, FLOAT, "N", 1));
        try (OutputStream data = external ? Files.newOutputStream(dataFile) : OutputStream.nullOutputStream()) {
            long offset = 0;
            for (int t = 0; t < 3; t++) {
                EmbeddingTable table = tables[t];
                int rows = table.size();
                long[] ids = new long[rows];
                long[] values = new long[rows];
                for (int r = 0; r < rows; r++) {
                    ids[r] = table.idAt(r);
                    values[r] = r;
                }
                String rowName = IDS[t].replace("_id", "_row");
                g.addNode(NodeProto.newBuilder().setOpType("LabelEncoder").setDomain(ML_DOMAIN)
                        .setName(rowName).addInput(IDS[t]).addOutput(rowName)
                        .addAttribute(ints("keys_int64s", ids)).addAttribute(ints("values_int64s", values))
                        .addAttribute(AttributeProto.newBuilder().setName("default_int64")
                                .setType(AttributeProto.AttributeType.INT).setI(rows)));
                String vec = IDS[t].replace("_id", "");
                g.addNode(node("Gather", "gather_" + vec, vec, TABLES[t], rowName)
                        .addAttribute(intAttr("axis", 0)));
                TensorProto.Builder tp = TensorProto.newBuilder().setName(TABLES[t]).setDataType(FLOAT)
                        .addDims(rows + 1L).addDims(table.dim());
                long bytes = 4L * (rows + 1) * table.dim();
                if (external) {
                    writeRows(table, data);
                    tp.setDataLocation(TensorProto.DataLocation.EXTERNAL)
                            .addExternalData(kv("location", dataFile.getFileName().toString()))
                            .addExternalData(kv("offset", Long.toString(offset)))
                            .addExternalData(kv("length", Long.toString(bytes)));
                    offset += bytes;
                } else {
                    ByteString.Output out = ByteString.newOutput((int) bytes);
                    writeRows(table, out);
                    tp.setRawData(out.toByteString());
                }
                g.addInitializer(tp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dataFile, e);
        }
        g.addInitializer(floats("W1", net.w1, net.hidden, net.in))
                .addInitializer(floats("b1", net.b1, net.hidden))
                .addInitializer(floats("W2", net.w2, 1, net.hidden))
                .addInitializer(floats("b2", net.b2, 1))
                .addNode(node("Concat", "concat", "x", "reader", "channel", "post").addAttribute(intAttr("axis", 1)))
                .addNode(node("Gemm", "layer1", "z1", "x", "W1", "b1").addAttribute(intAttr("transB", 1)))
                .addNode(node("Relu", "relu", "h", "z1"))
                .addNode(node("Gemm", "layer2", "z2", "h", "W2", "b2").addAttribute(intAttr("transB", 1)))
                .addNode(node("Sigmoid", "sigmoid", OUTPUT, "z2"));
        ModelProto m = ModelProto.newBuilder()
                .setIrVersion(OnnxExport.IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(ML_DOMAIN).setVersion(ML_OPSET))
                .setProducerName("tidings").setProducerVersion("1").setDomain("io.tidings").setModelVersion(1)
                .setDocString("P(like) of raw (reader, channel, post) ids: the whole tidings model; see onnx/README.md")
                .addMetadataProps(kv("tidings.graph", "whole"))
                .setGraph(g)
                .build();
        try (OutputStream out = Files.newOutputStream(file)) {
            m.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Rows in row order, then the prior (the mean row, read by unknown ids), little-endian float32. */
    private static void writeRows(EmbeddingTable table, OutputStream out) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(4 * table.dim()).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r <= table.size(); r++) {
            buf.clear();
            float[] src = r < table.size() ? table.block(r) : table.prior();
            int off = r < table.size() ? table.offset(r) : 0;
            for (int j = 0; j < table.dim(); j++) {
                buf.putFloat(src[off + j]);
            }
            out.write(buf.array());
        }
    }

    /** Reads a whole-model file, checking it against the contract; throws {@link IllegalArgumentException} naming the breach. */
    public static TrainedModel read(Path file) {
        return OnnxModelReader.read(file);
    }

    private static ValueInfoProto info(String name, int type, String batch, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(batch));
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(type).setShape(shape))).build();
    }

    private static TensorProto floats(String name, float[] values, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(FLOAT)
                .setRawData(ByteString.copyFrom(raw.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    private static NodeProto.Builder node(String op, String name, String output, String... inputs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name).addOutput(output);
        for (String i : inputs) {
            n.addInput(i);
        }
        return n;
    }

    private static AttributeProto ints(String name, long[] values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    private static AttributeProto intAttr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    private static StringStringEntryProto kv(String k, String v) {
        return StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }
}
