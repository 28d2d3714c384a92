package io.tidings.model;

import static io.tidings.model.OnnxModelFile.*;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a whole-model ONNX file ({@link OnnxModelFile}'s contract) back into a {@link TrainedModel}, checking every
 * part of the contract on the way (inputs, output, opsets, the node chain, table shapes, external data): a file that
 * breaks it is refused with an {@link IllegalArgumentException} naming the breach.
 */
final class OnnxModelReader {

    private OnnxModelReader() {
    }

    /** Reads a whole-model file, checking it against the contract; throws {@link IllegalArgumentException} naming the breach. */
    static TrainedModel read(Path file) {
        ModelProto m;
        try (InputStream in = Files.newInputStream(file)) {
            m = ModelProto.parseFrom(in);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not an ONNX model (" + e.getMessage() + ")", e);
        }
        long opset = -1;
        long mlOpset = -1;
        for (OperatorSetIdProto o : m.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                opset = o.getVersion();
            } else if (o.getDomain().equals(ML_DOMAIN)) {
                mlOpset = o.getVersion();
            }
        }
        require(opset >= 13 && opset <= MAX_OPSET, "default-domain opset must be 13.." + MAX_OPSET + ", is " + opset);
        require(mlOpset >= 2, "needs the ai.onnx.ml opset ≥ 2 (LabelEncoder with int64 keys), has " + mlOpset);
        GraphProto g = m.getGraph();
        require(g.getInputCount() == 3, "needs exactly the inputs reader_id, channel_id, post_id, has " + g.getInputCount());
        for (int i = 0; i < 3; i++) {
            ValueInfoProto in = g.getInput(i);
            require(in.getName().equals(IDS[i]), "input " + i + " must be " + IDS[i] + ", is " + in.getName());
            TypeProto.Tensor t = in.getType().getTensorType();
            require(t.getElemType() == INT64, "input " + IDS[i] + " must be int64");
            require(t.getShape().getDimCount() == 1, "input " + IDS[i] + " must have shape [N]");
        }
        require(g.getOutputCount() == 1 && g.getOutput(0).getName().equals(OUTPUT), "needs one output named p");
        TypeProto.Tensor out = g.getOutput(0).getType().getTensorType();
        require(out.getElemType() == FLOAT, "output p must be float32");
        require(out.getShape().getDimCount() == 2 && out.getShape().getDim(1).getDimValue() == 1,
                "output p must have shape [N, 1]");

        Map<String, TensorProto> init = new HashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            init.put(t.getName(), t);
        }
        Map<String, NodeProto> encoderOf = new HashMap<>();
        for (NodeProto n : g.getNodeList()) {
            if (n.getOpType().equals("LabelEncoder") && n.getDomain().equals(ML_DOMAIN) && n.getInputCount() == 1) {
                encoderOf.put(n.getInput(0), n);
            }
        }
        TensorProto w1 = tensor(init, "W1", 2);
        int hidden = (int) w1.getDims(0);
        int in = (int) w1.getDims(1);
        int[] dims = new int[3];
        float[][] tableValues = new float[3][];
        for (int t = 0; t < 3; t++) {
            TensorProto tp = tensor(init, TABLES[t], 2);
            dims[t] = (int) tp.getDims(1);
            tableValues[t] = floatsOf(tp, file);
        }
        require(dims[0] + dims[1] + dims[2] == in, "W1 is [hidden, " + in + "] but the tables are "
                + dims[0] + " + " + dims[1] + " + " + dims[2] + " wide");
        ModelConfig config = ModelConfig.custom().readerDim(dims[0]).channelDim(dims[1]).postDim(dims[2])
                .hidden(hidden).build();
        Network net = Network.of(config);
        copy(floatsOf(w1, file), net.w1, "W1");
        copy(floatsOf(tensor(init, "b1", 1), file), net.b1, "b1");
        copy(floatsOf(tensor(init, "W2", 2), file), net.w2, "W2");
        copy(floatsOf(tensor(init, "b2", 1), file), net.b2, "b2");
        EmbeddingTable[] tables = new EmbeddingTable[3];
        for (int t = 0; t < 3; t++) {
            NodeProto enc = encoderOf.get(IDS[t]);
            require(enc != null, "input " + IDS[t] + " must feed an ai.onnx.ml LabelEncoder (id → row)");
            long[] keys = intsAttr(enc, "keys_int64s");
            long[] values = intsAttr(enc, "values_int64s");
            long def = intAttr(enc, "default_int64");
            int rows = tableValues[t].length / dims[t];
            require(keys.length == values.length, IDS[t] + ": keys and values differ in length");
            require(def >= 0 && def < rows, IDS[t] + ": default_int64 must be a row of " + TABLES[t]);
            EmbeddingTable table = new EmbeddingTable(dims[t], keys.length);
            float[] src = tableValues[t];
            int dim = dims[t];
            for (int k = 0; k < keys.length; k++) {
                long row = values[k];
                require(row >= 0 && row < rows, IDS[t] + ": row " + row + " outside " + TABLES[t]);
                int before = table.size();
                table.addIfAbsent(keys[k], (dst, off, d) -> System.arraycopy(src, (int) row * dim, dst, off, d));
                require(table.size() == before + 1, IDS[t] + ": id " + keys[k] + " appears twice");
            }
            float[] prior = new float[dim];
            System.arraycopy(src, (int) def * dim, prior, 0, dim);
            table.setPrior(prior);
            tables[t] = table;
        }
        return new TrainedModel(config, net, tables[0], tables[1], tables[2]);
    }

    private static void require(boolean ok, String breach) {
        if (!ok) {
            throw new IllegalArgumentException("not a tidings model file: " + breach);
        }
    }

    private static TensorProto tensor(Map<String, TensorProto> init, String name, int rank) {
        TensorProto t = init.get(name);
        require(t != null, "missing initializer " + name);
        require(t.getDataType() == FLOAT, name + " must be float32");
        require(t.getDimsCount() == rank, name + " must have rank " + rank);
        return t;
    }

    private static void copy(float[] src, float[] dst, String name) {
        require(src.length == dst.length, name + " has " + src.length + " values, needs " + dst.length);
        System.arraycopy(src, 0, dst, 0, dst.length);
    }

    private static float[] floatsOf(TensorProto t, Path file) {
        long n = 1;
        for (long d : t.getDimsList()) {
            n *= d;
        }
        require(n < Integer.MAX_VALUE, t.getName() + " is too large");
        float[] v = new float[(int) n];
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            Map<String, String> kv = new HashMap<>();
            t.getExternalDataList().forEach(e -> kv.put(e.getKey(), e.getValue()));
            String location = kv.get("location");
            require(location != null && !location.contains("..") && !location.startsWith("/"),
                    t.getName() + ": external data needs a location beside the file");
            long offset = Long.parseLong(kv.getOrDefault("offset", "0"));
            try (RandomAccessFile f = new RandomAccessFile(file.resolveSibling(location).toFile(), "r")) {
                byte[] b = new byte[4 * v.length];
                f.seek(offset);
                f.readFully(b);
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
            } catch (IOException e) {
                throw new IllegalArgumentException(t.getName() + ": cannot read external data " + location, e);
            }
        } else if (!t.getRawData().isEmpty()) {
            require(t.getRawData().size() == 4L * v.length, t.getName() + ": raw data has the wrong size");
            t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        } else {
            require(t.getFloatDataCount() == v.length, t.getName() + ": float data has the wrong size");
            for (int i = 0; i < v.length; i++) {
                v[i] = t.getFloatData(i);
            }
        }
        return v;
    }

    private static long[] intsAttr(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                List<Long> l = a.getIntsList();
                long[] v = new long[l.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = l.get(i);
                }
                return v;
            }
        }
        require(false, n.getName() + " lacks " + name);
        return null;
    }

    private static long intAttr(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getI();
            }
        }
        require(false, n.getName() + " lacks " + name);
        return 0;
    }
}
