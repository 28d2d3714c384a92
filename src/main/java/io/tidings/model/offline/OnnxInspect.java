package io.tidings.model.offline;

import io.tidings.model.ModelConfig;
import io.tidings.model.OnnxExport;
import io.tidings.model.TrainedModel;
import io.tidings.model.serve.OrtEnv;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Command-line check of an ONNX file with ONNX Runtime: prints the session's inputs and outputs.
 * {@code OnnxInspect model.onnx}, or {@code OnnxInspect --write-untrained out.onnx} to write a sample
 * seed-size graph ({@code --write-untrained-fast} for the fast-path graph), or {@code OnnxInspect --from-bytes model.bin out.onnx} to export a stored model version.
 */
public final class OnnxInspect {
    private OnnxInspect() {
    }

    public static void main(String[] args) throws IOException, OrtException {
        if (args.length == 2 && args[0].equals("--write-untrained")) {
            Files.write(Path.of(args[1]), TrainedModel.untrained(ModelConfig.defaults(), 1).toOnnx());
            System.out.println("wrote " + args[1]);
            return;
        }
        if (args.length == 2 && args[0].equals("--write-untrained-fast")) {
            Files.write(Path.of(args[1]), OnnxExport.toFastOnnx(TrainedModel.untrained(ModelConfig.defaults(), 1)));
            System.out.println("wrote " + args[1]);
            return;
        }
        if (args.length == 3 && args[0].equals("--from-bytes")) {
            Files.write(Path.of(args[2]), TrainedModel.fromBytes(Files.readAllBytes(Path.of(args[1]))).toOnnx());
            System.out.println("wrote " + args[2]);
            return;
        }
        if (args.length != 1) {
            System.err.println("usage: OnnxInspect FILE.onnx | --write-untrained[-fast] OUT.onnx | --from-bytes MODEL.bin OUT.onnx");
            System.exit(2);
        }
        System.out.print(describe(Files.readAllBytes(Path.of(args[0]))));
    }

    /** Inputs, outputs and metadata of an ONNX model as ONNX Runtime sees them. */
    public static String describe(byte[] onnx) throws OrtException {
        StringBuilder sb = new StringBuilder();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
             OrtSession session = OrtEnv.get().createSession(onnx, opts)) {
            var meta = session.getMetadata();
            sb.append("producer: ").append(meta.getProducerName()).append(", domain: ").append(meta.getDomain())
                    .append(", version: ").append(meta.getVersion()).append('\n');
            for (Map.Entry<String, NodeInfo> e : session.getInputInfo().entrySet()) {
                sb.append("input  ").append(e.getKey()).append(": ").append(e.getValue().getInfo()).append('\n');
            }
            for (Map.Entry<String, NodeInfo> e : session.getOutputInfo().entrySet()) {
                sb.append("output ").append(e.getKey()).append(": ").append(e.getValue().getInfo()).append('\n');
            }
        }
        return sb.toString();
    }
}
