package io.tidings.model.offline;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.tidings.model.ModelStore;
import io.tidings.model.OnnxModelFile;
import io.tidings.model.TrainedModel;
import io.tidings.model.serve.OrtEnv;
import io.tidings.store.ModelRepository;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import reactor.core.publisher.Mono;

/**
 * The whole-model ONNX file ({@link OnnxModelFile}) on the command line: {@code model export}, {@code model
 * import} (contract check, ONNX Runtime against the fast path on a sample, stored as a new model version that
 * every replica swaps in) and {@code model score} (pairs of raw ids through the fast path).
 */
public final class ModelFiles {
    /** Largest difference allowed between ONNX Runtime and the fast path on import. */
    public static final double TOLERANCE = 1e-5;
    /** Pairs compared on import. */
    public static final int SAMPLE = 4096;

    private ModelFiles() {
    }

    /** What {@link #check} found: the model and the largest difference over the sample. */
    public record Checked(TrainedModel model, double maxDifference, int pairs) {
    }

    /**
     * Reads {@code file} against the contract and scores a sample of pairs (known and unknown ids) with ONNX
     * Runtime on the file itself and with the Java fast path on the weights read from it; throws
     * {@link IllegalArgumentException} when they differ by more than {@link #TOLERANCE}.
     */
    public static Checked check(Path file) {
        TrainedModel model = OnnxModelFile.read(file);
        SplittableRandom rng = new SplittableRandom(7);
        long[] r = ids(model.readers(), SAMPLE, rng);
        long[] c = ids(model.channels(), SAMPLE, rng);
        long[] p = ids(model.posts(), SAMPLE, rng);
        float[] ort = runtime(file, r, c, p);
        float[] fast = fastPath(model, r, c, p);
        double max = 0;
        for (int i = 0; i < SAMPLE; i++) {
            max = Math.max(max, Math.abs(ort[i] - fast[i]));
        }
        if (!(max <= TOLERANCE)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: ONNX Runtime and the fast path differ "
                    + "by %.3g (> %.0e): the graph does not compute what its weights say", file, max, TOLERANCE));
        }
        return new Checked(model, max, SAMPLE);
    }

    /** Writes the newest stored model version to {@code file}; emits the version's id (empty: none stored). */
    public static Mono<Long> exportLatest(ModelStore store, ModelRepository models, Path file) {
        return models.latest().flatMap(v -> store.load(v).map(model -> {
            OnnxModelFile.write(model, file);
            return v.id();
        }));
    }

    /** Checks {@code file} and stores it as a new model version (kind {@code import}); emits its id. */
    public static Mono<Long> importFile(Path file, ModelStore store, ModelRepository models) {
        return Mono.fromCallable(() -> check(file))
                .flatMap(c -> models.latest().map(ModelRepository.ModelVersion::votesSeq).defaultIfEmpty(0L)
                        .flatMap(seq -> store.save("import", seq, 0, c.model(), String.format(Locale.ROOT,
                                "imported from %s; ONNX Runtime vs fast path max |Δ| %.2g on %d pairs",
                                file.getFileName(), c.maxDifference(), c.pairs()))));
    }

    /** {@code model score FILE.onnx --pairs PAIRS.csv}: one probability per line, through the fast path. */
    public static int score(Path file, Path pairs, PrintStream out) {
        TrainedModel model = OnnxModelFile.read(file);
        List<long[]> rows = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(pairs, StandardCharsets.UTF_8)) {
            String header = in.readLine();
            if (header == null || !header.strip().replace("\uFEFF", "").equals("reader,channel,post")) {
                throw new IllegalArgumentException(pairs + ": expected the header 'reader,channel,post'");
            }
            String line;
            int lineNo = 1;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split(",", -1);
                try {
                    rows.add(new long[] {Long.parseLong(f[0].strip()), Long.parseLong(f[1].strip()),
                            Long.parseLong(f[2].strip())});
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException(pairs + ":" + lineNo + ": expected three integer ids");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + pairs, e);
        }
        long[] r = new long[rows.size()];
        long[] c = new long[rows.size()];
        long[] p = new long[rows.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = rows.get(i)[0];
            c[i] = rows.get(i)[1];
            p[i] = rows.get(i)[2];
        }
        for (float v : fastPath(model, r, c, p)) {
            out.println(v);
        }
        return 0;
    }

    /** Java fast path (W1 split, the reader half once per reader) for arbitrary pairs. */
    static float[] fastPath(TrainedModel model, long[] r, long[] c, long[] p) {
        float[] out = new float[r.length];
        for (int i = 0; i < r.length; i++) {
            out[i] = model.scorePostsJava(r[i], new long[] {c[i]}, new long[] {p[i]})[0];
        }
        return out;
    }

    /** ONNX Runtime on the file alone (external data is found beside it); one session, closed at once. */
    public static float[] runtime(Path file, long[] r, long[] c, long[] p) {
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
             OrtSession session = OrtEnv.get().createSession(file.toString(), opts);
             OnnxTensor tr = OnnxTensor.createTensor(OrtEnv.get(), LongBuffer.wrap(r), new long[] {r.length});
             OnnxTensor tc = OnnxTensor.createTensor(OrtEnv.get(), LongBuffer.wrap(c), new long[] {c.length});
             OnnxTensor tp = OnnxTensor.createTensor(OrtEnv.get(), LongBuffer.wrap(p), new long[] {p.length});
             OrtSession.Result res = session.run(Map.of(OnnxModelFile.READER_ID, tr, OnnxModelFile.CHANNEL_ID, tc,
                     OnnxModelFile.POST_ID, tp))) {
            float[][] v = (float[][]) res.get(0).getValue();
            float[] out = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                out[i] = v[i][0];
            }
            return out;
        } catch (OrtException e) {
            throw new IllegalArgumentException(file + ": ONNX Runtime cannot run it: " + e.getMessage(), e);
        }
    }

    /** Mostly ids with rows, one in eight unknown (they read the mean row). */
    private static long[] ids(io.tidings.model.EmbeddingTable table, int n, SplittableRandom rng) {
        long[] known = table.ids();
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = known.length == 0 || rng.nextInt(8) == 0 ? Long.MIN_VALUE / 2 + rng.nextInt(1 << 20)
                    : known[rng.nextInt(known.length)];
        }
        return out;
    }
}
