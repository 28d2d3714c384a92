package io.tidings.model.offline;

import io.tidings.model.ModelConfig;
import io.tidings.model.TrainedModel;
import io.tidings.model.train.Trainer;
import io.tidings.model.train.TrainingSummary;
import io.tidings.model.train.Vote;
import io.tidings.model.train.VoteLog;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Offline evaluation on a vote log: the oldest 80% of votes train, the newest 20% validate. The model is
 * trained with early stopping on the newest tenth of its training votes, then refitted on all training
 * votes for the best number of epochs; the baselines are fitted on the same training votes. Ids first
 * seen in the validation votes are scored with the cold-start priors (mean rows, global rates).
 */
public final class Evaluation {
    /** Oldest fraction of votes used for training. */
    public static final double TRAIN_FRACTION = 0.8;
    /** Factors of the dot-product baseline, as in the original bot. */
    public static final int MF_DIMS = 13;

    private Evaluation() {
    }

    /** AUC and log loss of one predictor on the validation votes. */
    public record Score(double auc, double logloss) {
        String json() {
            return String.format(Locale.ROOT, "{\"auc\":%s,\"logloss\":%s}", num(auc), num(logloss));
        }
    }

    /** What {@link #run} measured. */
    public record Report(Score model, Map<String, Score> baselines, int epochs, double trainSeconds,
                         TrainingSummary summary, int trainVotes, int validationVotes, double coldReaderShare,
                         double coldPostShare) {
        /** The one-line JSON object. */
        public String json() {
            StringBuilder b = new StringBuilder("{\"model\":").append(model.json()).append(",\"baselines\":{");
            String sep = "";
            for (Map.Entry<String, Score> e : baselines.entrySet()) {
                b.append(sep).append('"').append(e.getKey()).append("\":").append(e.getValue().json());
                sep = ",";
            }
            return b.append("},\"epochs\":").append(epochs).append(",\"train_seconds\":")
                    .append(String.format(Locale.ROOT, "%.2f", trainSeconds)).append('}').toString();
        }
    }

    /** Trains only the model on the temporal split and returns its validation score (for tuning). */
    public static Score modelOnly(VoteLog log, ModelConfig config, int[] epochsOut) {
        int split = log.splitIndex(TRAIN_FRACTION);
        List<Vote> train = log.votes(0, split);
        List<Vote> val = log.votes(split, log.size());
        Trainer.Result r = fitModel(train, config);
        if (epochsOut != null) {
            epochsOut[0] = r.summary().bestEpoch();
        }
        return score(val, v -> r.model().score(v.reader(), v.channel(), v.post()));
    }

    /** The full evaluation: model and every baseline; progress lines go to {@code progress}. */
    public static Report run(VoteLog log, ModelConfig config, Consumer<String> progress) {
        if (log.size() < 50) {
            throw new IllegalArgumentException("need at least 50 votes to evaluate, got " + log.size());
        }
        int split = log.splitIndex(TRAIN_FRACTION);
        List<Vote> train = log.votes(0, split);
        List<Vote> val = log.votes(split, log.size());
        long start = System.nanoTime();
        Trainer.Result result = fitModel(train, config);
        double seconds = (System.nanoTime() - start) / 1e9;
        TrainedModel model = result.model();
        progress.accept("model: " + result.summary() + String.format(Locale.ROOT, " in %.1f s", seconds));
        Score modelScore = score(val, v -> model.score(v.reader(), v.channel(), v.post()));

        Map<String, Score> baselines = new LinkedHashMap<>();
        baselines.put("global", score(val, Baselines.global(train)));
        baselines.put("channel_mean", score(val, Baselines.channelMean(train)));
        baselines.put("reader_mean", score(val, Baselines.readerMean(train)));
        baselines.put("post_mean", score(val, Baselines.postMean(train)));
        baselines.put("dot_mf", score(val, Baselines.dotMf(train, MF_DIMS, config.seed())));

        int coldReaders = 0;
        int coldPosts = 0;
        for (Vote v : val) {
            coldReaders += model.readers().contains(v.reader()) ? 0 : 1;
            coldPosts += model.posts().contains(v.post()) ? 0 : 1;
        }
        return new Report(modelScore, baselines, result.summary().epochsRun(), seconds, result.summary(),
                train.size(), val.size(), coldReaders / (double) val.size(), coldPosts / (double) val.size());
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
        float[] p = new float[val.size()];
        boolean[] y = new boolean[val.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = predictor.predict(val.get(i));
            y[i] = val.get(i).like();
        }
        return new Score(Quality.auc(p, y), Quality.logLoss(p, y));
    }

    /** A human-readable table of a report, one predictor per line. */
    public static List<String> table(Report r) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "%-14s %8s %8s", "predictor", "AUC", "logloss"));
        lines.add(String.format(Locale.ROOT, "%-14s %8.4f %8.4f", "model", r.model().auc(), r.model().logloss()));
        r.baselines().forEach((k, s) -> lines.add(String.format(Locale.ROOT, "%-14s %8.4f %8.4f", k, s.auc(),
                s.logloss())));
        return lines;
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.5f", v) : "null";
    }
}
