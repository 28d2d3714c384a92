package io.tidings.model.offline;

import io.tidings.model.train.Vote;
import io.tidings.model.train.VoteLog;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A synthetic vote log shaped like the real one (hundreds of readers, ~170 channels, ~10 k posts, ~100 k
 * votes over four months), deterministic for a seed. Tastes are hidden and mostly by channel:
 * <pre>
 * a      = taste[reader] · topic[channel] / √k                    (k = 6 hidden dimensions)
 * logit  = -0.2 + bias[reader] + bias[channel] + quality[post] + 1.5 a + 1.0 max(a, 0)
 *          + 0.5 taste[reader] · twist[post] / √k                 (a little post-level taste)
 * </pre>
 * Channels differ in popularity (Zipf), readers in activity (log-normal) and join date (so the newest
 * votes contain readers and posts never seen before). A vote happens at a random time after the reader
 * joined, on a post from the last three days; of two such posts the reader votes on the one a noisy
 * recommender prefers, so exposure is biased towards liked posts as in the bot.
 */
public final class SyntheticVotes {
    /** Vote times start here (2024-01-01T00:00Z). */
    public static final long START = 1_704_067_200L;
    private static final long DAY = 86_400L;
    private static final int K = 6;

    /** Name of the realistic generator ({@link #realistic(int, long)}), the default of the commands. */
    public static final String REALISTIC = "realistic";
    /** Name of the first, simpler generator ({@link #generate(int, long)}). */
    public static final String SIMPLE = "simple";

    private SyntheticVotes() {
    }

    /** {@code realistic} or {@code simple} votes of the default shape. */
    public static VoteLog generate(String shape, int votes, long seed) {
        return switch (shape) {
            case REALISTIC -> realistic(votes, seed);
            case SIMPLE -> generate(votes, seed);
            default -> throw new IllegalArgumentException("--shape must be realistic or simple: " + shape);
        };
    }

    /** Realistic votes of the shape of the real log: 600 readers, 170 channels, 10,000 posts per 100 k votes. */
    public static VoteLog realistic(int votes, long seed) {
        double scale = Math.max(0.05, votes / 100_000.0);
        return RealisticVotes.generate((int) Math.max(20, 600 * Math.sqrt(scale)), 170,
                (int) Math.max(200, 10_000 * Math.sqrt(scale)), votes, 180, seed);
    }

    /** The default shape with {@code votes} votes: 400 readers, 170 channels, 10,000 posts, 120 days. */
    public static VoteLog generate(int votes, long seed) {
        return generate(400, 170, 10_000, votes, 120, seed);
    }

    public static VoteLog generate(int readers, int channels, int posts, int votes, int days, long seed) {
        if (readers <= 0 || channels <= 0 || posts <= 0 || votes < 0 || days < 4) {
            throw new IllegalArgumentException("bad synthetic shape");
        }
        if ((long) votes > (long) readers * posts / 4) {
            throw new IllegalArgumentException("too many votes for " + readers + " readers and " + posts + " posts");
        }
        SplittableRandom rng = new SplittableRandom(seed);
        long end = START + days * DAY;
        double[][] taste = gaussians(rng, readers, K);
        double[] readerBias = scaled(rng, readers, 0.6);
        double[] activity = new double[readers];
        long[] joined = new long[readers];
        for (int r = 0; r < readers; r++) {
            activity[r] = Math.exp(rng.nextGaussian());
            // most readers are there from the start, the rest join over the whole period
            joined[r] = rng.nextDouble() < 0.6 ? START : START + (long) (rng.nextDouble() * (days - 2) * DAY);
        }
        double[][] topic = gaussians(rng, channels, K);
        double[] channelBias = scaled(rng, channels, 0.5);
        double[] popularity = new double[channels];
        for (int c = 0; c < channels; c++) {
            popularity[c] = 1 / Math.pow(c + 1, 0.8);
        }
        int[] postChannel = new int[posts];
        long[] published = new long[posts];
        for (int p = 0; p < posts; p++) {
            published[p] = START + (long) (rng.nextDouble() * days * DAY);
        }
        Arrays.sort(published);
        double[] cumPop = cumulative(popularity);
        for (int p = 0; p < posts; p++) {
            postChannel[p] = pick(cumPop, rng.nextDouble());
        }
        double[] quality = scaled(rng, posts, 0.5);
        double[][] twist = gaussians(rng, posts, K);
        double[] cumAct = cumulative(activity);

        List<VoteLog.Timed> out = new ArrayList<>(votes);
        Set<Long> seen = new HashSet<>(votes * 2);
        int attempts = 0;
        while (out.size() < votes) {
            if (++attempts > votes * 50 + 1000) {
                throw new IllegalStateException("cannot place " + votes + " votes in this shape");
            }
            int r = pick(cumAct, rng.nextDouble());
            long from = Math.max(joined[r], START + DAY);
            long t = from + (long) (rng.nextDouble() * (end - from));
            int hi = upperBound(published, t);
            int lo = upperBound(published, t - 3 * DAY);
            if (hi <= lo) {
                continue;
            }
            int a = lo + rng.nextInt(hi - lo);
            int b = lo + rng.nextInt(hi - lo);
            double la = logit(taste[r], readerBias[r], topic, channelBias, quality, twist, postChannel, a);
            double lb = logit(taste[r], readerBias[r], topic, channelBias, quality, twist, postChannel, b);
            int p = la + rng.nextGaussian() * 1.5 >= lb + rng.nextGaussian() * 1.5 ? a : b;
            if (!seen.add((long) r * posts + p)) {
                continue;
            }
            double z = p == a ? la : lb;
            boolean like = rng.nextDouble() < 1 / (1 + Math.exp(-z));
            long ts = Math.max(t, published[p]) + rng.nextInt(3600);
            out.add(new VoteLog.Timed(new Vote(r, postChannel[p], p, like), ts));
        }
        return VoteLog.of(out);
    }

    private static double logit(double[] taste, double readerBias, double[][] topic, double[] channelBias,
                                double[] quality, double[][] twist, int[] postChannel, int p) {
        int c = postChannel[p];
        double a = 0;
        double tw = 0;
        for (int j = 0; j < K; j++) {
            a += taste[j] * topic[c][j];
            tw += taste[j] * twist[p][j];
        }
        a /= Math.sqrt(K);
        tw /= Math.sqrt(K);
        return -0.2 + readerBias + channelBias[c] + quality[p] + 1.5 * a + Math.max(a, 0) + 0.5 * tw;
    }

    private static double[][] gaussians(SplittableRandom rng, int n, int k) {
        double[][] v = new double[n][k];
        for (double[] row : v) {
            for (int j = 0; j < k; j++) {
                row[j] = rng.nextGaussian();
            }
        }
        return v;
    }

    private static double[] scaled(SplittableRandom rng, int n, double std) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rng.nextGaussian() * std;
        }
        return v;
    }

    /** Cumulative weights scaled to end at 1 (shared with {@link RealisticVotes}). */
    static double[] cumulative(double[] w) {
        double[] c = new double[w.length];
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            s += w[i];
            c[i] = s;
        }
        for (int i = 0; i < w.length; i++) {
            c[i] /= s;
        }
        return c;
    }

    static int pick(double[] cumulative, double u) {
        int i = Arrays.binarySearch(cumulative, u);
        i = i >= 0 ? i : -i - 1;
        return Math.min(i, cumulative.length - 1);
    }

    /** First index whose value is greater than {@code t}. */
    static int upperBound(long[] sorted, long t) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
