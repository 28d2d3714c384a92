package io.tidings.cli;

import io.tidings.model.offline.Evaluation;
import io.tidings.model.ModelConfig;
import io.tidings.model.offline.ModelFiles;
import io.tidings.model.offline.ScoringBench;
import io.tidings.model.offline.Study;
import io.tidings.model.offline.SyntheticVotes;
import io.tidings.model.offline.Tuner;
import io.tidings.model.train.VoteLog;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The model's command-line tools: {@code evaluate}, {@code tune} and {@code bench score}. */
public final class ModelCommands {

    private ModelCommands() {
    }

    /**
     * {@code evaluate --votes FILE.csv | --synthetic N [--seed S] [--save FILE.csv] [--model-seed S]
     * [--split global|reader|both] [--sets N] [--model-seeds N]}: evaluation of the model and the baselines on
     * each split (see {@link Evaluation}); the last line is the JSON report. With {@code --sets} or
     * {@code --model-seeds} above 1, every generated set × model seed is evaluated and the mean ± spread printed.
     */
    public static int evaluate(List<String> args) {
        return evaluate(args, System.out);
    }

    static int evaluate(List<String> args, PrintStream out) {
        Map<String, String> o = options(args, Set.of("votes", "synthetic", "seed", "save", "model-seed", "split",
                "sets", "model-seeds", "shape"));
        List<Evaluation.Split> splits = Evaluation.Split.parse(o.getOrDefault("split", "both"));
        ModelConfig config = ModelConfig.custom().seed(longOption(o, "model-seed", ModelConfig.defaults().seed())).build();
        int sets = intOption(o, "sets", 1);
        int modelSeeds = intOption(o, "model-seeds", 1);
        if (sets > 1 || modelSeeds > 1) {
            return Study.run(o.containsKey("votes") ? Path.of(o.get("votes")) : null, intOption(o, "synthetic", 100_000),
                    o.getOrDefault("shape", SyntheticVotes.REALISTIC), longOption(o, "seed", 1), sets, modelSeeds,
                    splits, config, out);
        }
        VoteLog log = votes(o, out);
        List<Evaluation.Report> reports = new java.util.ArrayList<>();
        for (Evaluation.Split split : splits) {
            Evaluation.Report r = Evaluation.run(log, config, split, out::println);
            out.printf(Locale.ROOT, "%s split: train %d votes, test %d; of the test votes %.1f%% by readers unseen "
                            + "in training, %.1f%% on posts unseen in training%n", split.key(), r.trainVotes(),
                    r.validationVotes(), 100 * r.coldReaderShare(), 100 * r.coldPostShare());
            Evaluation.table(r).forEach(out::println);
            reports.add(r);
        }
        out.println(Evaluation.json(reports));
        return 0;
    }

    /**
     * {@code tune --votes FILE.csv | --synthetic N [--seconds S] [--trials N] [--seed S]}: random search on the
     * validation split; prints one row per trial, the table sorted best first, and the best configuration as
     * the last line (JSON).
     */
    public static int tune(List<String> args) {
        return tune(args, System.out);
    }

    static int tune(List<String> args, PrintStream out) {
        Map<String, String> o = options(args, Set.of("votes", "synthetic", "seed", "save", "seconds", "trials", "shape"));
        VoteLog log = votes(o, out);
        double seconds = doubleOption(o, "seconds", 300);
        int trials = intOption(o, "trials", 1000);
        out.printf(Locale.ROOT, "random search for at most %.0f s (%d trials); trial 1 is the default%n", seconds,
                trials);
        out.println(Tuner.HEADER);
        List<Tuner.Trial> result = Tuner.search(log, ModelConfig.defaults(), seconds, trials,
                longOption(o, "seed", 1), t -> out.println(t.row()));
        out.println("best first:");
        out.println(Tuner.HEADER);
        result.forEach(t -> out.println(t.row()));
        Tuner.Trial best = result.get(0);
        ModelConfig c = best.config();
        out.printf(Locale.ROOT, "{\"best\":{\"reader_dim\":%d,\"channel_dim\":%d,\"post_dim\":%d,\"hidden\":%d,"
                        + "\"learning_rate\":%s,\"l2\":%s,\"epochs\":%d},\"auc\":%.5f,\"logloss\":%.5f,"
                        + "\"default_auc\":%.5f,\"trials\":%d}%n", c.readerDim(), c.channelDim(), c.postDim(),
                c.hidden(), Float.toString(c.learningRate()), Float.toString(c.l2()), best.bestEpoch(),
                best.score().auc(), best.score().logloss(),
                result.stream().filter(t -> t.number() == 1).findFirst().orElseThrow().score().auc(), result.size());
        return 0;
    }

    /**
     * {@code model export FILE.onnx | model import FILE.onnx | model score FILE.onnx --pairs PAIRS.csv}: the whole
     * model as one ONNX file (contract: onnx/README.md); export and import use the configured database.
     */
    public static int model(List<String> args, io.tidings.app.Config config) {
        if (args.size() < 2) {
            throw new IllegalArgumentException("usage: model export|import FILE.onnx, model score FILE.onnx --pairs PAIRS.csv");
        }
        Path file = Path.of(args.get(1));
        String what = args.get(0);
        if (what.equals("score")) {
            Map<String, String> o = options(args.subList(2, args.size()), Set.of("pairs"));
            if (!o.containsKey("pairs")) {
                throw new IllegalArgumentException("model score needs --pairs PAIRS.csv");
            }
            return ModelFiles.score(file, Path.of(o.get("pairs")), System.out);
        }
        if (!what.equals("export") && !what.equals("import") || args.size() != 2) {
            throw new IllegalArgumentException("usage: model export|import FILE.onnx, model score FILE.onnx --pairs PAIRS.csv");
        }
        try (io.tidings.store.Database db = io.tidings.store.Database.start(config.database())) {
            io.tidings.store.ModelRepository models = new io.tidings.store.ModelRepository(db);
            io.tidings.model.ModelStore store = new io.tidings.model.ModelStore(models,
                    io.tidings.model.ModelCodec.DEFAULT_CHUNK_BYTES, reactor.core.scheduler.Schedulers.boundedElastic());
            if (what.equals("export")) {
                Long id = ModelFiles.exportLatest(store, models, file).block(java.time.Duration.ofMinutes(30));
                if (id == null) {
                    System.err.println("tidings: no model version stored yet");
                    return 1;
                }
                System.out.println("wrote model version " + id + " to " + file);
            } else {
                Long id = ModelFiles.importFile(file, store, models).block(java.time.Duration.ofMinutes(30));
                System.out.println("stored " + file + " as model version " + id + "; replicas swap it in");
            }
        }
        return 0;
    }

    /**
     * {@code bench score [--readers N] [--posts N] [--threads N] [--seconds S]}: naive vs fast scoring; the last
     * line is the JSON result. Exit code 1 when the paths disagree by more than 1e-5.
     */
    public static int benchScore(List<String> args) throws Exception {
        Map<String, String> o = options(args, Set.of("readers", "posts", "threads", "seconds"));
        int readers = intOption(o, "readers", 100_000);
        int posts = intOption(o, "posts", 20);
        if ((long) readers * posts > 50_000_000L) {
            throw new IllegalArgumentException("--readers × --posts must be at most 50,000,000");
        }
        int threads = intOption(o, "threads", Runtime.getRuntime().availableProcessors());
        double seconds = doubleOption(o, "seconds", 6);
        System.out.printf(Locale.ROOT, "bench score: %d readers × %d posts, %d threads, %d cores; a shared machine "
                + "makes these numbers noisy (medians of several runs)%n", readers, posts, threads,
                Runtime.getRuntime().availableProcessors());
        ScoringBench.Result r = ScoringBench.run(readers, posts, threads, seconds, System.out);
        System.out.println(r.json());
        if (!r.agree()) {
            System.err.println("tidings: the scoring paths disagree by more than 1e-5");
            return 1;
        }
        return 0;
    }

    /** Reads {@code --votes FILE} or generates {@code --synthetic N} votes (optionally saved with {@code --save}). */
    static VoteLog votes(Map<String, String> o, PrintStream out) {
        VoteLog log;
        if (o.containsKey("votes") == o.containsKey("synthetic")) {
            throw new IllegalArgumentException("give exactly one of --votes FILE.csv and --synthetic N");
        }
        if (o.containsKey("votes")) {
            log = VoteLog.read(Path.of(o.get("votes")));
        } else {
            int n = intOption(o, "synthetic", 100_000);
            log = SyntheticVotes.generate(o.getOrDefault("shape", SyntheticVotes.REALISTIC), n, longOption(o, "seed", 1));
            if (o.containsKey("save")) {
                log.write(Path.of(o.get("save")));
                out.println("wrote " + log.size() + " votes to " + o.get("save"));
            }
        }
        int[] d = log.distinct();
        out.printf(Locale.ROOT, "votes: %d (%d readers, %d channels, %d posts)%n", log.size(), d[0], d[1], d[2]);
        return log;
    }

    /** Parses {@code --name value} pairs; rejects unknown names and missing values. */
    public static Map<String, String> options(List<String> args, Set<String> allowed) {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--") || !allowed.contains(a.substring(2))) {
                throw new IllegalArgumentException("unknown option: " + a + " (allowed: --" + String.join(", --",
                        allowed.stream().sorted().toList()) + ")");
            }
            if (i + 1 >= args.size()) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            o.put(a.substring(2), args.get(++i));
        }
        return o;
    }

    public static int intOption(Map<String, String> o, String name, int dflt) {
        long v = longOption(o, name, dflt);
        if (v <= 0 || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("--" + name + " must be a positive integer");
        }
        return (int) v;
    }

    static long longOption(Map<String, String> o, String name, long dflt) {
        String s = o.get(name);
        if (s == null) {
            return dflt;
        }
        try {
            return Long.parseLong(s.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be an integer: " + s);
        }
    }

    public static double doubleOption(Map<String, String> o, String name, double dflt) {
        String s = o.get(name);
        if (s == null) {
            return dflt;
        }
        try {
            double v = Double.parseDouble(s);
            if (!(v > 0) || Double.isInfinite(v)) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a positive number: " + s);
        }
    }
}
