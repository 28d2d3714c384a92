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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes the pairs graph of a {@link TrainedModel} as ONNX (IR version 8, opset 17):
 * inputs {@code reader [N,rd]}, {@code channel [N,cd]}, {@code post [N,pd]} float32 → output {@code p [N,1]}
 * float32, as Concat → Gemm(W1ᵀ, b1) → Relu → Gemm(w2ᵀ, b2) → Sigmoid. The contract is in {@code onnx/README.md}.
 */
public final class OnnxExport {
    /** ONNX IR version written. */
    public static final long IR_VERSION = 8;
    /** Default-domain operator set written. */
    public static final long OPSET = 17;
    public static final String INPUT_READER = "reader";
    public static final String INPUT_CHANNEL = "channel";
    public static final String INPUT_POST = "post";
    public static final String OUTPUT = "p";
    /** Name of the dynamic batch dimension. */
    public static final String BATCH_DIM = "N";

    private static final int FLOAT = TensorProto.DataType.FLOAT.getNumber();

    private OnnxExport() {
    }

    /** The serialized ONNX ModelProto of {@code model}'s network (embeddings stay in Java). */
    public static byte[] toOnnx(TrainedModel model) {
        Network net = model.network();
        GraphProto graph = GraphProto.newBuilder()
                .setName("tidings_pairs")
                .addInput(tensorInfo(INPUT_READER, net.readerDim))
                .addInput(tensorInfo(INPUT_CHANNEL, net.channelDim))
                .addInput(tensorInfo(INPUT_POST, net.postDim))
                .addOutput(tensorInfo(OUTPUT, 1))
                .addInitializer(floats("W1", net.w1, net.hidden, net.in))
                .addInitializer(floats("b1", net.b1, net.hidden))
                .addInitializer(floats("W2", net.w2, 1, net.hidden))
                .addInitializer(floats("b2", net.b2, 1))
                .addNode(node("Concat", "concat", new String[] {INPUT_READER, INPUT_CHANNEL, INPUT_POST}, "x")
                        .addAttribute(intAttr("axis", 1)))
                .addNode(node("Gemm", "layer1", new String[] {"x", "W1", "b1"}, "z1")
                        .addAttribute(intAttr("transB", 1)))
                .addNode(node("Relu", "relu", new String[] {"z1"}, "h"))
                .addNode(node("Gemm", "layer2", new String[] {"h", "W2", "b2"}, "z2")
                        .addAttribute(intAttr("transB", 1)))
                .addNode(node("Sigmoid", "sigmoid", new String[] {"z2"}, OUTPUT))
                .build();
        return model(graph, "P(like) of (reader, channel, post) embedding rows; see onnx/README.md", "pairs");
    }

    /** Inputs and output of the fast-path graph. */
    public static final String INPUT_READER_HIDDEN = "hu";
    public static final String INPUT_POST_HIDDEN = "hp";
    /** Name of the reader dimension of the fast-path graph (posts use {@link #BATCH_DIM}). */
    public static final String READERS_DIM = "R";

    /**
     * The fast-path graph of {@code model}'s network: inputs {@code hu [R, hidden]} (Wu·u per reader) and
     * {@code hp [P, hidden]} (Wc·c + Wp·p + b1 per post) → output {@code p [P, R]}, every post against every
     * reader, as Unsqueeze(hp, 1) + hu → Relu → MatMul(w2) → Add(b2) → Sigmoid.
     */
    public static byte[] toFastOnnx(TrainedModel model) {
        Network net = model.network();
        TensorShapeProto.Builder outShape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH_DIM))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(READERS_DIM));
        ValueInfoProto out = ValueInfoProto.newBuilder().setName(OUTPUT)
                .setType(TypeProto.newBuilder().setTensorType(
                        TypeProto.Tensor.newBuilder().setElemType(FLOAT).setShape(outShape)))
                .build();
        ByteBuffer axes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1);
        TensorProto axesInit = TensorProto.newBuilder().setName("axes1")
                .setDataType(TensorProto.DataType.INT64.getNumber()).addDims(1)
                .setRawData(ByteString.copyFrom(axes.array())).build();
        GraphProto graph = GraphProto.newBuilder()
                .setName("tidings_fast")
                .addInput(tensorInfo(INPUT_READER_HIDDEN, net.hidden, READERS_DIM))
                .addInput(tensorInfo(INPUT_POST_HIDDEN, net.hidden, BATCH_DIM))
                .addOutput(out)
                .addInitializer(axesInit)
                .addInitializer(floats("w2", net.w2, net.hidden))
                .addInitializer(floats("b2", net.b2, 1))
                .addNode(node("Unsqueeze", "posts_as_rows", new String[] {INPUT_POST_HIDDEN, "axes1"}, "hp3"))
                .addNode(node("Add", "pair_hidden", new String[] {"hp3", INPUT_READER_HIDDEN}, "z1"))
                .addNode(node("Relu", "relu", new String[] {"z1"}, "h"))
                .addNode(node("MatMul", "layer2", new String[] {"h", "w2"}, "z2w"))
                .addNode(node("Add", "bias2", new String[] {"z2w", "b2"}, "z2"))
                .addNode(node("Sigmoid", "sigmoid", new String[] {"z2"}, OUTPUT))
                .build();
        return model(graph, "P(like) of every post (hp rows) against every reader (hu rows); see onnx/README.md", "fast");
    }

    /** The model around a graph: IR version, opset, producer, and which graph it is ({@code tidings.graph}). */
    private static byte[] model(GraphProto graph, String doc, String kind) {
        return ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("tidings")
                .setProducerVersion("1")
                .setDomain("io.tidings")
                .setModelVersion(1)
                .setDocString(doc)
                .addMetadataProps(StringStringEntryProto.newBuilder().setKey("tidings.graph").setValue(kind))
                .setGraph(graph)
                .build()
                .toByteArray();
    }

    private static ValueInfoProto tensorInfo(String name, int width) {
        return tensorInfo(name, width, BATCH_DIM);
    }

    private static ValueInfoProto tensorInfo(String name, int width, String rowsDim) {
        TensorShapeProto shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(rowsDim))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(width))
                .build();
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setType(TypeProto.newBuilder().setTensorType(
                        TypeProto.Tensor.newBuilder().setElemType(FLOAT).setShape(shape)))
                .build();
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

    private static NodeProto.Builder node(String op, String name, String[] inputs, String output) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name).addOutput(output);
        for (String in : inputs) {
            n.addInput(in);
        }
        return n;
    }

    private static AttributeProto intAttr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }
}
