package io.tidings.model.offline;

import io.tidings.model.ModelConfig;
import io.tidings.model.TrainedModel;
import io.tidings.model.train.Trainer;
import io.tidings.model.train.TrainingSummary;
import io.tidings.model.train.Vote;
import io.tidings.model.train.VoteLog;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Offline evaluation on a vote log with two splits. {@link Split#GLOBAL}: the oldest 80% of votes train, the
 * newest 20% test (mostly readers never seen before on real votes). {@link Split#READER}: every reader with at
 * least {@value #READER_MIN_VOTES} votes gives their own newest 20% (at least one vote) to the test set, by
 * time, ties in file order; everything else trains (readers with a history, as the bot has). The model is
 * trained with early stopping on the newest tenth of its training votes, then refitted on all training votes
 * for the best number of epochs; the baselines are fitted on the same training votes. Ids without training
 * votes are scored with the cold-start priors (mean rows, global rates). Each split is also scored on
 * segments: warm readers (≥ {@value #READER_MIN_VOTES} training votes), cold readers and cold posts (none).
 */
public final class Evaluation {
    /** Oldest fraction of votes used for training in the global split, and per reader in the reader split. */
    public static final double TRAIN_FRACTION = 0.8;
    /** Factors of the dot-product baseline, as in the original bot. */
    public static final int MF_DIMS = 13;
    /** Votes a reader needs to give test votes in the reader split; training votes that make a warm reader. */
    public static final int READER_MIN_VOTES = 5;

    private Evaluation() {
    }

    /** How votes are split into training and test votes. */
    public enum Split {
        GLOBAL, READER;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** {@code global}, {@code reader} or {@code both}. */
        public static List<Split> parse(String s) {
            return switch (s) {
                case "global" -> List.of(GLOBAL);
                case "reader" -> List.of(READER);
                case "both" -> List.of(GLOBAL, READER);
                default -> throw new IllegalArgumentException("--split must be global, reader or both: " + s);
            };
        }

        /** Training votes (in time order) and test votes. */
        public Partition apply(VoteLog log) {
            List<VoteLog.Timed> all = log.timed();
            if (this == GLOBAL) {
                int split = log.splitIndex(TRAIN_FRACTION);
                return new Partition(log.votes(0, split), log.votes(split, log.size()));
            }
            Map<Long, List<Integer>> byReader = new HashMap<>();
            for (int i = 0; i < all.size(); i++) {
                byReader.computeIfAbsent(all.get(i).vote().reader(), k -> new ArrayList<>()).add(i);
            }
            boolean[] test = new boolean[all.size()];
            for (List<Integer> idx : byReader.values()) {
                int n = idx.size();
                if (n < READER_MIN_VOTES) {
                    continue;
                }
                int k = Math.max(1, (int) Math.round(n * (1 - TRAIN_FRACTION)));
                for (int j = n - k; j < n; j++) {
                    test[idx.get(j)] = true;
                }
            }
            List<Vote> train = new ArrayList<>();
            List<Vote> val = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                (test[i] ? val : train).add(all.get(i).vote());
            }
            return new Partition(train, val);
        }
    }

    /** Training votes, oldest first, and test votes. */
    public record Partition(List<Vote> train, List<Vote> test) {
    }

    /** AUC and log loss of one predictor on the validation votes. */
    public record Score(double auc, double logloss) {
        String json() {
            return String.format(Locale.ROOT, "{\"auc\":%s,\"logloss\":%s}", num(auc), num(logloss));
        }
    }

    /** The model's and the baselines' scores on some of the test votes. */
    public record Segment(int votes, Score model, Map<String, Score> baselines) {
        String json() {
            return "{\"votes\":" + votes + ",\"model\":" + model.json() + ",\"baselines\":" + json(baselines) + "}";
        }

        private static String json(Map<String, Score> scores) {
            StringBuilder b = new StringBuilder("{");
            String sep = "";
            for (Map.Entry<String, Score> e : scores.entrySet()) {
                b.append(sep).append('"').append(e.getKey()).append("\":").append(e.getValue().json());
                sep = ",";
            }
            return b.append('}').toString();
        }
    }

    /** What {@link #run} measured on one split. */
    public record Report(Split split, Score model, Map<String, Score> baselines, int epochs, double trainSeconds,
                         TrainingSummary summary, int trainVotes, int validationVotes, double coldReaderShare,
                         double coldPostShare, Map<String, Segment> segments) {
        /** Today's keys ({@code model}, {@code baselines}, {@code epochs}, {@code train_seconds}) and segments. */
        public String json() {
            StringBuilder b = new StringBuilder("{\"model\":").append(model.json()).append(",\"baselines\":")
                    .append(Segment.json(baselines)).append(",\"epochs\":").append(epochs)
                    .append(",\"train_seconds\":").append(String.format(Locale.ROOT, "%.2f", trainSeconds))
                    .append(",\"train_votes\":").append(trainVotes).append(",\"test_votes\":").append(validationVotes)
                    .append(",\"segments\":{");
            String sep = "";
            for (Map.Entry<String, Segment> e : segments.entrySet()) {
                b.append(sep).append('"').append(e.getKey()).append("\":").append(e.getValue().json());
                sep = ",";
            }
            return b.append("}}").toString();
        }
    }

    /** One JSON object with a key per split: {@code {"global":{…},"reader":{…}}}. */
    public static String json(List<Report> reports) {
        StringBuilder b = new StringBuilder("{");
        String sep = "";
        for (Report r : reports) {
            b.append(sep).append('"').append(r.split().key()).append("\":").append(r.json());
            sep = ",";
        }
        return b.append('}').toString();
    }

    /** Trains only the model on {@code split} and returns its test score (for tuning). */
    public static Score modelOnly(VoteLog log, ModelConfig config, Split split, int[] epochsOut) {
        Partition part = split.apply(log);
        Trainer.Result r = fitModel(part.train(), config);
        if (epochsOut != null) {
            epochsOut[0] = r.summary().bestEpoch();
        }
        return score(part.test(), v -> r.model().score(v.reader(), v.channel(), v.post()));
    }

    /** Trains only the model on the global split (for tuning). */
    public static Score modelOnly(VoteLog log, ModelConfig config, int[] epochsOut) {
        return modelOnly(log, config, Split.GLOBAL, epochsOut);
    }

    /** The global split; see {@link #run(VoteLog, ModelConfig, Split, Consumer)}. */
    public static Report run(VoteLog log, ModelConfig config, Consumer<String> progress) {
        return run(log, config, Split.GLOBAL, progress);
    }

    /** The full evaluation on one split: model, every baseline, segments; progress lines go to {@code progress}. */
    public static Report run(VoteLog log, ModelConfig config, Split split, Consumer<String> progress) {
        if (log.size() < 50) {
            throw new IllegalArgumentException("need at least 50 votes to evaluate, got " + log.size());
        }
        Partition part = split.apply(log);
        List<Vote> train = part.train();
        List<Vote> val = part.test();
        if (val.isEmpty()) {
            throw new IllegalArgumentException("the " + split.key() + " split has no test votes");
        }
        long start = System.nanoTime();
        Trainer.Result result = fitModel(train, config);
        double seconds = (System.nanoTime() - start) / 1e9;
        TrainedModel model = result.model();
        progress.accept(split.key() + " split, model: " + result.summary()
                + String.format(Locale.ROOT, " in %.1f s", seconds));
        Baselines.Predictor modelPredictor = v -> model.score(v.reader(), v.channel(), v.post());

        Map<String, Baselines.Predictor> baselines = new LinkedHashMap<>();
        baselines.put("global", Baselines.global(train));
        baselines.put("channel_mean", Baselines.channelMean(train));
        baselines.put("reader_mean", Baselines.readerMean(train));
        baselines.put("post_mean", Baselines.postMean(train));
        baselines.put("dot_mf", Baselines.dotMf(train, MF_DIMS, config.seed()));

        Map<Long, Integer> readerVotes = new HashMap<>();
        Map<Long, Integer> postVotes = new HashMap<>();
        for (Vote v : train) {
            readerVotes.merge(v.reader(), 1, Integer::sum);
            postVotes.merge(v.post(), 1, Integer::sum);
        }
        Map<String, Predicate<Vote>> segmentRules = new LinkedHashMap<>();
        segmentRules.put("warm_readers", v -> readerVotes.getOrDefault(v.reader(), 0) >= READER_MIN_VOTES);
        segmentRules.put("cold_readers", v -> !readerVotes.containsKey(v.reader()));
        segmentRules.put("cold_posts", v -> !postVotes.containsKey(v.post()));

        Segment all = segment(val, modelPredictor, baselines);
        Map<String, Segment> segments = new LinkedHashMap<>();
        segmentRules.forEach((name, rule) -> segments.put(name,
                segment(val.stream().filter(rule).toList(), modelPredictor, baselines)));
        double coldReaders = segments.get("cold_readers").votes() / (double) val.size();
        double coldPosts = segments.get("cold_posts").votes() / (double) val.size();
        return new Report(split, all.model(), all.baselines(), result.summary().epochsRun(), seconds,
                result.summary(), train.size(), val.size(), coldReaders, coldPosts, segments);
    }

    private static Segment segment(List<Vote> votes, Baselines.Predictor model,
                                   Map<String, Baselines.Predictor> baselines) {
        Map<String, Score> b = new LinkedHashMap<>();
        baselines.forEach((k, p) -> b.put(k, score(votes, p)));
        return new Segment(votes.size(), score(votes, model), b);
    }

    /**
     * Early stopping on the newest tenth of {@code train}, then a refit on all of {@code train} for the
     * best epoch count, so the newest votes (the most like the validation period) are learned from too.
     */
    static Trainer.Result fitModel(List<Vote> train, ModelConfig config) {
        int nVal = Math.max(1, (int) (train.size() * 0.1));
        List<Vote> fit = train.subList(0, train.size() - nVal);
        List<Vote> stop = train.subList(train.size() - nVal, train.size());
        Trainer.Result probe = new Trainer(config).train(fit, stop);
        int epochs = Math.max(1, probe.summary().bestEpoch());
        Trainer.Result full = new Trainer(config.toBuilder().maxEpochs(epochs).build()).train(train, List.of());
        TrainingSummary p = probe.summary();
        TrainingSummary f = full.summary();
        return new Trainer.Result(full.model(), new TrainingSummary(p.epochsRun() + f.epochsRun(), epochs,
                f.trainLoss(), p.validationLoss(), f.trainVotes(), p.validationVotes(), p.stoppedEarly(), false));
    }

    static Score score(List<Vote> val, Baselines.Predictor predictor) {
        if (val.isEmpty()) {
            return new Score(Double.NaN, Double.NaN);
        }
        float[] p = new float[val.size()];
        boolean[] y = new boolean[val.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = predictor.predict(val.get(i));
            y[i] = val.get(i).like();
        }
        return new Score(Quality.auc(p, y), Quality.logLoss(p, y));
    }

    /** A human-readable table of a report: one predictor per line, AUC and log loss overall and per segment. */
    public static List<String> table(Report r) {
        List<String> lines = new ArrayList<>();
        StringBuilder h = new StringBuilder(String.format(Locale.ROOT, "%-14s %15s", r.split().key() + " split", "all"));
        r.segments().forEach((k, s) -> h.append(String.format(Locale.ROOT, " %15s", k)));
        lines.add(h.toString());
        StringBuilder n = new StringBuilder(String.format(Locale.ROOT, "%-14s %15d", "test votes", r.validationVotes()));
        r.segments().forEach((k, s) -> n.append(String.format(Locale.ROOT, " %15d", s.votes())));
        lines.add(n.toString());
        lines.add(row("model", r.model(), r.segments(), null));
        r.baselines().forEach((k, s) -> lines.add(row(k, s, r.segments(), k)));
        return lines;
    }

    private static String row(String name, Score all, Map<String, Segment> segments, String baseline) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-14s %s", name, cell(all)));
        segments.forEach((k, s) -> b.append(' ').append(cell(baseline == null ? s.model() : s.baselines().get(baseline))));
        return b.toString();
    }

    private static String cell(Score s) {
        return String.format(Locale.ROOT, "%7.4f/%7.4f", s.auc(), s.logloss());
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.5f", v) : "null";
    }
}
