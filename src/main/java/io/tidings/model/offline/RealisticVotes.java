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
 * Synthetic votes that behave like real ones, so that no recipe is tuned on one file. What real vote logs
 * show, and how it is made here:
 * <ul>
 * <li>heavy-tailed reader activity (a few readers cast most votes: Pareto weights) and bursty readers who
 *     arrive over the whole period and vote during a short active span (so the newest votes are mostly by
 *     readers never seen before, as in the real global split);</li>
 * <li>heavy-tailed post popularity, correlated with quality (good posts are shown and voted on more);</li>
 * <li>readers who like a few channels (most of their votes land there, with a bonus) and, within them,
 *     some posts (a hidden taste × topic and taste × twist term);</li>
 * <li>strong reader and post biases (generous and harsh readers, good and bad posts), so reader mean and post
 *     mean are strong baselines, as on real votes; and the logistic draw as noise;</li>
 * <li>posts published over the period; a vote lands on a post of some age drawn from a heavy tail (most
 *     within days, some weeks later).</li>
 * </ul>
 * <pre>
 * logit = -0.1 + bias[reader] + quality[post] + bias[channel] + 0.8·fav(reader, channel)
 *         + 0.9·taste·topic[channel]/√k + 0.6·taste·twist[post]/√k
 * </pre>
 * Deterministic for a seed.
 */
final class RealisticVotes {
    private static final long DAY = 86_400L;
    private static final int K = 8;

    private RealisticVotes() {
    }

    static VoteLog generate(int readers, int channels, int posts, int votes, int days, long seed) {
        if (readers <= 0 || channels <= 0 || posts < channels || votes < 0 || days < 4) {
            throw new IllegalArgumentException("bad synthetic shape");
        }
        if ((long) votes > (long) readers * posts / 8) {
            throw new IllegalArgumentException("too many votes for " + readers + " readers and " + posts + " posts");
        }
        SplittableRandom rng = new SplittableRandom(seed);
        long start = SyntheticVotes.START;
        long end = start + days * DAY;

        double[] channelPop = new double[channels];
        double[] channelBias = new double[channels];
        double[][] topic = new double[channels][K];
        for (int c = 0; c < channels; c++) {
            channelPop[c] = 1 / Math.pow(c + 1, 0.9);
            channelBias[c] = rng.nextGaussian() * 0.3;
            for (int j = 0; j < K; j++) {
                topic[c][j] = rng.nextGaussian();
            }
        }
        double[] cumChannel = SyntheticVotes.cumulative(channelPop);

        // posts: channel by popularity, publication time uniform; per channel sorted by time
        int[] postChannel = new int[posts];
        long[] published = new long[posts];
        double[] quality = new double[posts];
        double[] postPop = new double[posts];
        double[][] twist = new double[posts][K];
        int[] perChannel = new int[channels];
        for (int p = 0; p < posts; p++) {
            postChannel[p] = p < channels ? p : SyntheticVotes.pick(cumChannel, rng.nextDouble());
            perChannel[postChannel[p]]++;
            published[p] = start + (long) (rng.nextDouble() * (days - 1) * DAY);
            quality[p] = rng.nextGaussian() * 1.1;
            postPop[p] = Math.exp(0.7 * quality[p] + 1.1 * rng.nextGaussian());
            for (int j = 0; j < K; j++) {
                twist[p][j] = rng.nextGaussian();
            }
        }
        int[][] channelPosts = new int[channels][];
        for (int c = 0; c < channels; c++) {
            channelPosts[c] = new int[perChannel[c]];
            perChannel[c] = 0;
        }
        for (int p = 0; p < posts; p++) {
            channelPosts[postChannel[p]][perChannel[postChannel[p]]++] = p;
        }
        long[][] channelTimes = new long[channels][];
        for (int c = 0; c < channels; c++) {
            int[] ps = channelPosts[c];
            Integer[] boxed = Arrays.stream(ps).boxed().toArray(Integer[]::new);
            Arrays.sort(boxed, (a, b) -> Long.compare(published[a], published[b]));
            channelTimes[c] = new long[ps.length];
            for (int i = 0; i < ps.length; i++) {
                ps[i] = boxed[i];
                channelTimes[c][i] = published[ps[i]];
            }
        }

        // readers: Pareto activity, arrival over the period, short active spans, a few favourite channels
        double[] activity = new double[readers];
        long[] arrive = new long[readers];
        long[] leave = new long[readers];
        double[] readerBias = new double[readers];
        double[][] taste = new double[readers][K];
        int[][] favourites = new int[readers][];
        for (int r = 0; r < readers; r++) {
            activity[r] = Math.min(40, Math.pow(1 - rng.nextDouble(), -1 / 1.2)); // capped: ~3% of votes at most
            arrive[r] = start + (long) (rng.nextDouble() * (days - 2) * DAY);
            double span = rng.nextDouble() < 0.7 ? rng.nextDouble() * 3 * DAY : rng.nextDouble() * days * DAY / 2;
            leave[r] = Math.min(end, arrive[r] + (long) span + 3600);
            readerBias[r] = rng.nextGaussian() * 1.0;
            for (int j = 0; j < K; j++) {
                taste[r][j] = rng.nextGaussian();
            }
            int nFav = 1 + rng.nextInt(5);
            favourites[r] = new int[nFav];
            for (int f = 0; f < nFav; f++) {
                favourites[r][f] = SyntheticVotes.pick(cumChannel, rng.nextDouble());
            }
        }
        double[] cumActivity = SyntheticVotes.cumulative(activity);

        List<VoteLog.Timed> out = new ArrayList<>(votes);
        Set<Long> seen = new HashSet<>(votes * 2);
        long attempts = 0;
        int[] cand = new int[6];
        double[] w = new double[6];
        while (out.size() < votes) {
            if (++attempts > (long) votes * 200 + 10_000) {
                throw new IllegalStateException("cannot place " + votes + " votes in this shape");
            }
            int r = SyntheticVotes.pick(cumActivity, rng.nextDouble());
            long t = arrive[r] + (long) (rng.nextDouble() * (leave[r] - arrive[r]));
            boolean fav = rng.nextDouble() < 0.7;
            int c = fav ? favourites[r][rng.nextInt(favourites[r].length)] : SyntheticVotes.pick(cumChannel, rng.nextDouble());
            long[] times = channelTimes[c];
            int available = SyntheticVotes.upperBound(times, t);
            if (available == 0) {
                continue;
            }
            // a few candidate posts of heavy-tailed age; the more popular one is the one voted on
            double sum = 0;
            for (int i = 0; i < cand.length; i++) {
                double age = 3 * DAY * (Math.pow(1 - rng.nextDouble(), -1 / 1.0) - 1);
                int idx = SyntheticVotes.upperBound(times, t - (long) age) - 1;
                idx = Math.max(0, Math.min(available - 1, idx + rng.nextInt(3) - 1));
                cand[i] = channelPosts[c][idx];
                w[i] = postPop[cand[i]];
                sum += w[i];
            }
            double u = rng.nextDouble() * sum;
            int p = cand[cand.length - 1];
            for (int i = 0; i < cand.length; i++) {
                u -= w[i];
                if (u <= 0) {
                    p = cand[i];
                    break;
                }
            }
            if (!seen.add((long) r * posts + p)) {
                continue;
            }
            double a = 0;
            double tw = 0;
            for (int j = 0; j < K; j++) {
                a += taste[r][j] * topic[c][j];
                tw += taste[r][j] * twist[p][j];
            }
            boolean isFav = false;
            for (int f : favourites[r]) {
                isFav |= f == c;
            }
            double z = -0.1 + readerBias[r] + quality[p] + channelBias[c] + (isFav ? 0.8 : 0)
                    + 0.9 * a / Math.sqrt(K) + 0.6 * tw / Math.sqrt(K);
            boolean like = rng.nextDouble() < 1 / (1 + Math.exp(-z));
            long ts = Math.max(t, published[p]) + rng.nextInt(600);
            out.add(new VoteLog.Timed(new Vote(r, c, p, like), ts));
        }
        return VoteLog.of(out);
    }

}
