package io.tidings.model.offline;

import io.tidings.model.Network;
import io.tidings.model.train.Vote;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.ToLongFunction;

/**
 * Simple predictors the model must beat in offline evaluation: a global like rate, smoothed per-channel,
 * per-reader and per-post like rates, and a dot-product matrix factorisation with biases (the original
 * bot's first model). Each is fitted on training votes and predicts P(👍) for any vote, unseen ids
 * included (cold-start priors).
 */
public final class Baselines {
    /** Pseudo-votes at the global rate added to every per-key mean. */
    public static final double SMOOTHING = 10;

    private Baselines() {
    }

    /** A fitted baseline. */
    @FunctionalInterface
    public interface Predictor {
        float predict(Vote vote);
    }

    /** The like rate of the training votes, for every vote. */
    public static Predictor global(List<Vote> train) {
        float g = (float) globalRate(train);
        return v -> g;
    }

    public static Predictor channelMean(List<Vote> train) {
        return smoothedMean(train, Vote::channel);
    }

    public static Predictor readerMean(List<Vote> train) {
        return smoothedMean(train, Vote::reader);
    }

    public static Predictor postMean(List<Vote> train) {
        return smoothedMean(train, Vote::post);
    }

    /** (likes + s·g) / (votes + s) per key, with g the global rate and s {@link #SMOOTHING}; unseen keys get g. */
    static Predictor smoothedMean(List<Vote> train, ToLongFunction<Vote> key) {
        double g = globalRate(train);
        Map<Long, double[]> counts = new HashMap<>();
        for (Vote v : train) {
            double[] c = counts.computeIfAbsent(key.applyAsLong(v), k -> new double[2]);
            c[0] += v.like() ? 1 : 0;
            c[1]++;
        }
        Map<Long, Float> rate = new HashMap<>();
        counts.forEach((k, c) -> rate.put(k, (float) ((c[0] + SMOOTHING * g) / (c[1] + SMOOTHING))));
        float prior = (float) g;
        return v -> rate.getOrDefault(key.applyAsLong(v), prior);
    }

    static double globalRate(List<Vote> train) {
        if (train.isEmpty()) {
            return 0.5;
        }
        long likes = train.stream().filter(Vote::like).count();
        return (likes + 1.0) / (train.size() + 2.0);
    }

    /**
     * Logistic matrix factorisation {@code P = sigmoid(b + b_reader + b_post + u_reader · v_post)} with
     * {@code dims} factors, trained by shuffled SGD with L2 and early stopping on the newest 10% of the
     * training votes (then those votes are trained on too, for the best number of epochs).
     * Unseen readers get the mean reader row and bias; an unseen post gets the mean row and bias of its
     * channel's known posts, or the mean of all posts when the channel is new.
     */
    public static Predictor dotMf(List<Vote> train, int dims, long seed) {
        int nVal = train.size() / 10;
        List<Vote> fit = train.subList(0, train.size() - nVal);
        List<Vote> val = train.subList(train.size() - nVal, train.size());
        Mf probe = new Mf(dims, seed);
        int best = probe.fit(fit, val, 40);
        Mf full = new Mf(dims, seed);
        full.fit(train, List.of(), best);
        return full::predict;
    }

    private static final class Mf {
        private static final float LR = 0.03f;
        private static final float L2 = 0.01f;
        private final int dims;
        private final SplittableRandom rng;
        private final Map<Long, float[]> readers = new HashMap<>();
        private final Map<Long, float[]> posts = new HashMap<>();
        private final Map<Long, Long> channelOfPost = new HashMap<>();
        private float bias;
        private float[] readerPrior;
        private float[] postPrior;
        private Map<Long, float[]> channelPrior = Map.of();

        Mf(int dims, long seed) {
            this.dims = dims;
            this.rng = new SplittableRandom(seed);
        }

        /** Rows hold dims factors then the bias. Returns the best epoch on {@code val} (or {@code epochs}). */
        int fit(List<Vote> train, List<Vote> val, int epochs) {
            bias = (float) Math.log(globalRate(train) / (1 - globalRate(train)));
            for (Vote v : train) {
                readers.computeIfAbsent(v.reader(), k -> fresh());
                posts.computeIfAbsent(v.post(), k -> fresh());
                channelOfPost.put(v.post(), v.channel());
            }
            int[] order = new int[train.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            double bestLoss = Double.POSITIVE_INFINITY;
            int bestEpoch = epochs;
            int bad = 0;
            for (int epoch = 1; epoch <= epochs; epoch++) {
                for (int i = order.length - 1; i > 0; i--) {
                    int j = rng.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
                for (int k : order) {
                    step(train.get(k));
                }
                if (val.isEmpty()) {
                    continue;
                }
                updatePriors();
                double loss = 0;
                for (Vote v : val) {
                    double p = Math.min(1 - Quality.EPS, Math.max(Quality.EPS, predict(v)));
                    loss -= v.like() ? Math.log(p) : Math.log1p(-p);
                }
                if (loss < bestLoss - 1e-9) {
                    bestLoss = loss;
                    bestEpoch = epoch;
                    bad = 0;
                } else if (++bad >= 2) {
                    break;
                }
            }
            updatePriors();
            return bestEpoch;
        }

        private float[] fresh() {
            float[] row = new float[dims + 1];
            for (int j = 0; j < dims; j++) {
                row[j] = (float) (rng.nextGaussian() * 0.1);
            }
            return row;
        }

        private void step(Vote v) {
            float[] u = readers.get(v.reader());
            float[] p = posts.get(v.post());
            float z = bias + u[dims] + p[dims];
            for (int j = 0; j < dims; j++) {
                z += u[j] * p[j];
            }
            float g = Network.sigmoid(z) - (v.like() ? 1f : 0f);
            bias -= LR * g;
            u[dims] -= LR * (g + L2 * u[dims]);
            p[dims] -= LR * (g + L2 * p[dims]);
            for (int j = 0; j < dims; j++) {
                float uj = u[j];
                u[j] -= LR * (g * p[j] + L2 * uj);
                p[j] -= LR * (g * uj + L2 * p[j]);
            }
        }

        private void updatePriors() {
            readerPrior = mean(readers.values());
            postPrior = mean(posts.values());
            Map<Long, float[]> sums = new HashMap<>();
            Map<Long, Integer> counts = new HashMap<>();
            posts.forEach((id, row) -> {
                long c = channelOfPost.get(id);
                float[] s = sums.computeIfAbsent(c, k -> new float[dims + 1]);
                for (int j = 0; j <= dims; j++) {
                    s[j] += row[j];
                }
                counts.merge(c, 1, Integer::sum);
            });
            sums.forEach((c, s) -> {
                int n = counts.get(c);
                for (int j = 0; j <= dims; j++) {
                    s[j] /= n;
                }
            });
            channelPrior = sums;
        }

        private float[] mean(java.util.Collection<float[]> rows) {
            float[] m = new float[dims + 1];
            for (float[] r : rows) {
                for (int j = 0; j <= dims; j++) {
                    m[j] += r[j];
                }
            }
            if (!rows.isEmpty()) {
                for (int j = 0; j <= dims; j++) {
                    m[j] /= rows.size();
                }
            }
            return m;
        }

        float predict(Vote v) {
            float[] u = readers.getOrDefault(v.reader(), readerPrior);
            float[] p = posts.get(v.post());
            if (p == null) {
                p = channelPrior.getOrDefault(v.channel(), postPrior);
            }
            float z = bias + u[dims] + p[dims];
            for (int j = 0; j < dims; j++) {
                z += u[j] * p[j];
            }
            return Network.sigmoid(z);
        }
    }
}
