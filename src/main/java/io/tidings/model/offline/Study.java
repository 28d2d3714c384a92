package io.tidings.model.offline;

import io.tidings.model.ModelConfig;
import io.tidings.model.train.VoteLog;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@link Evaluation} over several generated vote sets and model seeds (or one file and several seeds), so a
 * recipe is never judged on one file: prints every run's line and then, per split and segment, the mean ± spread
 * (standard deviation over runs) of each predictor's AUC and log loss, and how many runs the model won against
 * every baseline. The last line is JSON.
 */
public final class Study {
    private Study() {
    }

    /** Runs the study; {@code file} null means generated sets {@code seed .. seed+sets-1} of {@code votes} votes. */
    public static int run(Path file, int votes, String shape, long seed, int sets, int modelSeeds,
                          List<Evaluation.Split> splits, ModelConfig config, PrintStream out) {
        // key: split/segment/predictor → [auc..], [logloss..]
        Map<String, List<double[]>> results = new LinkedHashMap<>();
        Map<String, int[]> wins = new LinkedHashMap<>();
        int runs = 0;
        for (int s = 0; s < (file == null ? sets : 1); s++) {
            VoteLog log = file != null ? VoteLog.read(file) : SyntheticVotes.generate(shape, votes, seed + s);
            int[] d = log.distinct();
            out.printf(Locale.ROOT, "set %d: %d votes (%d readers, %d channels, %d posts)%n", s + 1, log.size(),
                    d[0], d[1], d[2]);
            for (int m = 0; m < modelSeeds; m++) {
                ModelConfig c = config.toBuilder().seed(config.seed() + m).build();
                runs++;
                for (Evaluation.Split split : splits) {
                    Evaluation.Report r = Evaluation.run(log, c, split, line -> { });
                    record(results, wins, split.key() + "/all", r.model(), r.baselines());
                    StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                            "set %d seed %d %-6s model %.4f/%.4f", s + 1, c.seed(), split.key(), r.model().auc(),
                            r.model().logloss()));
                    r.baselines().forEach((k, v) -> line.append(String.format(Locale.ROOT, " %s %.4f", k, v.auc())));
                    for (Map.Entry<String, Evaluation.Segment> e : r.segments().entrySet()) {
                        record(results, wins, split.key() + "/" + e.getKey(), e.getValue().model(),
                                e.getValue().baselines());
                        line.append(String.format(Locale.ROOT, " | %s %.4f (%d)", e.getKey(),
                                e.getValue().model().auc(), e.getValue().votes()));
                    }
                    out.println(line);
                }
            }
        }
        out.printf(Locale.ROOT, "%d runs; mean ± spread (standard deviation) of AUC and log loss%n", runs);
        String last = "";
        StringBuilder json = new StringBuilder("{\"runs\":").append(runs).append(",\"results\":{");
        String sep = "";
        for (Map.Entry<String, List<double[]>> e : results.entrySet()) {
            String group = e.getKey().substring(0, e.getKey().lastIndexOf('/'));
            String name = e.getKey().substring(e.getKey().lastIndexOf('/') + 1);
            if (e.getValue().stream().allMatch(x -> Double.isNaN(x[0]) && Double.isNaN(x[1]))) {
                continue;
            }
            if (!group.equals(last)) {
                int[] w = wins.get(group);
                out.printf(Locale.ROOT, "%s (model beats every baseline: AUC in %d of %d runs, log loss in %d)%n",
                        group, w[0], runs, w[1]);
                last = group;
            }
            double[] auc = e.getValue().stream().mapToDouble(x -> x[0]).toArray();
            double[] ll = e.getValue().stream().mapToDouble(x -> x[1]).toArray();
            out.printf(Locale.ROOT, "  %-14s AUC %.4f ± %.4f   log loss %.4f ± %.4f%n", name, mean(auc), sd(auc),
                    mean(ll), sd(ll));
            if (Double.isNaN(mean(auc)) && Double.isNaN(mean(ll))) {
                continue; // an empty segment (no cold readers in the reader split)
            }
            json.append(sep).append(String.format(Locale.ROOT,
                    "\"%s\":{\"auc\":%.5f,\"auc_sd\":%.5f,\"logloss\":%.5f,\"logloss_sd\":%.5f}", e.getKey(),
                    mean(auc), sd(auc), mean(ll), sd(ll)));
            sep = ",";
        }
        out.println(json.append("}}"));
        return 0;
    }

    private static void record(Map<String, List<double[]>> results, Map<String, int[]> wins, String group,
                               Evaluation.Score model, Map<String, Evaluation.Score> baselines) {
        results.computeIfAbsent(group + "/model", k -> new ArrayList<>()).add(new double[] {model.auc(), model.logloss()});
        boolean aucWin = true;
        boolean llWin = true;
        for (Map.Entry<String, Evaluation.Score> b : baselines.entrySet()) {
            results.computeIfAbsent(group + "/" + b.getKey(), k -> new ArrayList<>())
                    .add(new double[] {b.getValue().auc(), b.getValue().logloss()});
            aucWin &= !(model.auc() <= b.getValue().auc());
            llWin &= !(model.logloss() >= b.getValue().logloss());
        }
        int[] w = wins.computeIfAbsent(group, k -> new int[2]);
        w[0] += aucWin ? 1 : 0;
        w[1] += llWin ? 1 : 0;
    }

    private static double mean(double[] v) {
        double s = 0;
        int n = 0;
        for (double x : v) {
            if (Double.isFinite(x)) {
                s += x;
                n++;
            }
        }
        return n == 0 ? Double.NaN : s / n;
    }

    private static double sd(double[] v) {
        double m = mean(v);
        double s = 0;
        int n = 0;
        for (double x : v) {
            if (Double.isFinite(x)) {
                s += (x - m) * (x - m);
                n++;
            }
        }
        return n < 2 ? 0 : Math.sqrt(s / (n - 1));
    }
}
