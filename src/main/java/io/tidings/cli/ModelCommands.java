package io.tidings.cli;

import io.tidings.app.Settings;
import io.tidings.model.ModelConfig;
import io.tidings.model.offline.Evaluation;
import io.tidings.model.offline.ScoringBench;
import io.tidings.model.offline.ModelFiles;
import io.tidings.model.offline.Study;
import io.tidings.model.offline.Tuner;
import io.tidings.model.train.VoteLog;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The model's command-line tools: {@code evaluate}, {@code tune} and {@code bench score}. */
final class ModelCommands {

    private ModelCommands() {
    }

    /**
     * Evaluation of the model and the baselines on each split (see {@link Evaluation}): global temporal and
     * per-reader temporal, with segments; the last line is the JSON report. The model's seed moves AUC a little
     * between runs: compare seeds (evaluate --model-seeds N) before trusting a small difference.
     */
    static int evaluate(VoteLog log, ModelConfig config, List<Evaluation.Split> splits, PrintStream out) {
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

    private static Map<String, Object> score(Evaluation.Score s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("auc", Json.round(s.auc(), 5));
        m.put("logloss", Json.round(s.logloss(), 5));
        return m;
    }

    /**
     * Random search on the validation split starting from {@code base} (trial 1); prints one row per trial, the
     * table sorted best first, the MODEL_* variables that serve the best, and the best configuration as JSON, last.
     */
    static int tune(VoteLog log, ModelConfig base, double seconds, int trials, long seed, PrintStream out) {
        out.printf(Locale.ROOT, "random search for at most %.0f s (%d trials); trial 1 is the configured model%n",
                seconds, trials);
        out.println(Tuner.HEADER);
        List<Tuner.Trial> result = Tuner.search(log, base, seconds, trials, seed, t -> out.println(t.row()));
        out.println("best first:");
        out.println(Tuner.HEADER);
        result.forEach(t -> out.println(t.row()));
        Tuner.Trial best = result.get(0);
        ModelConfig c = best.config();
        out.println("to train the best configuration in the service, set:");
        Settings.modelVariables(c).forEach((name, value) -> out.println("  " + name + "=" + value));
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("reader_dim", c.readerDim());
        b.put("channel_dim", c.channelDim());
        b.put("post_dim", c.postDim());
        b.put("hidden", c.hidden());
        b.put("learning_rate", c.learningRate());
        b.put("l2", c.l2());
        b.put("epochs", best.bestEpoch());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("best", b);
        json.put("auc", Json.round(best.score().auc(), 5));
        json.put("logloss", Json.round(best.score().logloss(), 5));
        json.put("default_auc", Json.round(
                result.stream().filter(t -> t.number() == 1).findFirst().orElseThrow().score().auc(), 5));
        json.put("trials", result.size());
        out.println(Json.line(json));
        return 0;
    }

    /** Naive vs fast scoring; the last line is the JSON result. Exit code 1 when the paths disagree by more than 1e-5. */
    static int benchScore(int readers, int posts, int threads, double seconds, PrintStream out, PrintStream err)
            throws Exception {
        out.printf(Locale.ROOT, "bench score: %d readers × %d posts, %d threads, %d cores; a shared machine "
                + "makes these numbers noisy (medians of several runs)%n", readers, posts, threads,
                Runtime.getRuntime().availableProcessors());
        ScoringBench.Result r = ScoringBench.run(readers, posts, threads, seconds, out);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("readers", r.readers());
        json.put("posts", r.posts());
        json.put("naive_pairs_per_s", Math.round(r.naivePairsPerS()));
        json.put("fast_pairs_per_s", Math.round(r.fastPairsPerS()));
        json.put("one_post_1m_readers_ms", Json.round(r.onePost1mReadersMs(), 2));
        out.println(Json.line(json));
        if (!r.agree()) {
            err.println("tidings: the scoring paths disagree by more than 1e-5");
            return 1;
        }
        return 0;
    }
}
