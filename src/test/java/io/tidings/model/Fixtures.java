package io.tidings.model;

import io.tidings.model.train.Vote;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Test data: random models and a synthetic vote set with hidden reader tastes. */
public final class Fixtures {
    private Fixtures() {
    }

    /** Random weights and biases, with rows for readers 0..r, channels 1000..1000+c, posts 5000..5000+p. */
    public static TrainedModel randomModel(ModelConfig config, long seed, int r, int c, int p) {
        SplittableRandom rng = new SplittableRandom(seed);
        Network net = Network.random(config, rng);
        for (int h = 0; h < net.hidden; h++) {
            net.b1[h] = (float) (rng.nextGaussian() * 0.3);
        }
        net.b2[0] = (float) rng.nextGaussian() * 0.3f;
        return new TrainedModel(config, net, table(config.readerDim(), 0, r, rng),
                table(config.channelDim(), 1000, c, rng), table(config.postDim(), 5000, p, rng));
    }

    private static EmbeddingTable table(int dim, long firstId, int rows, SplittableRandom rng) {
        EmbeddingTable t = new EmbeddingTable(dim, rows);
        for (int i = 0; i < rows; i++) {
            t.addIfAbsent(firstId + i, (block, off, d) -> {
                for (int j = 0; j < d; j++) {
                    block[off + j] = (float) rng.nextGaussian();
                }
            });
        }
        t.updatePrior();
        return t;
    }

    public static float[] gaussian(SplittableRandom rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rng.nextGaussian();
        }
        return v;
    }

    /**
     * Readers with a hidden taste vector, channels with a hidden topic vector, posts with a small quality:
     * P(👍) = sigmoid(2 · taste·topic + quality). Reader ids 10_000+, channel ids 900+, post ids 70_000+.
     */
    public static List<Vote> syntheticVotes(long seed, int readers, int channels, int postsPerChannel, int votesPerReader) {
        SplittableRandom rng = new SplittableRandom(seed);
        int k = 3;
        float[][] taste = new float[readers][];
        for (int r = 0; r < readers; r++) {
            taste[r] = gaussian(rng, k);
        }
        float[][] topic = new float[channels][];
        for (int c = 0; c < channels; c++) {
            topic[c] = gaussian(rng, k);
        }
        float[] quality = gaussian(rng, channels * postsPerChannel);
        List<Vote> votes = new ArrayList<>();
        for (int r = 0; r < readers; r++) {
            for (int v = 0; v < votesPerReader; v++) {
                int post = rng.nextInt(channels * postsPerChannel);
                int c = post / postsPerChannel;
                double z = 0.5 * quality[post];
                for (int j = 0; j < k; j++) {
                    z += 2 * taste[r][j] * topic[c][j] / Math.sqrt(k);
                }
                boolean like = rng.nextDouble() < 1 / (1 + Math.exp(-z));
                votes.add(new Vote(10_000L + r * 7L, 900L + c, 70_000L + post * 3L, like));
            }
        }
        return votes;
    }

    /** Area under the ROC curve (ties count half), by ranks. */
    public static double auc(float[] scores, boolean[] labels) {
        int n = scores.length;
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        java.util.Arrays.sort(idx, (a, b) -> Float.compare(scores[a], scores[b]));
        double rankSumPos = 0;
        long pos = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && scores[idx[j + 1]] == scores[idx[i]]) {
                j++;
            }
            double rank = (i + j) / 2.0 + 1;
            for (int t = i; t <= j; t++) {
                if (labels[idx[t]]) {
                    rankSumPos += rank;
                    pos++;
                }
            }
            i = j + 1;
        }
        long neg = n - pos;
        if (pos == 0 || neg == 0) {
            return Double.NaN;
        }
        return (rankSumPos - pos * (pos + 1) / 2.0) / (pos * (double) neg);
    }
}
