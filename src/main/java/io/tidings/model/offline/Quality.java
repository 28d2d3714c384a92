package io.tidings.model.offline;

import java.util.Arrays;

/** Offline quality metrics over predicted probabilities and 0/1 labels. */
public final class Quality {
    /** Probabilities are clipped to [EPS, 1 - EPS] in the log loss so one confident miss is finite. */
    public static final double EPS = 1e-7;

    private Quality() {
    }

    /**
     * Area under the ROC curve: the probability that a random 👍 scores above a random 👎, ties counting
     * half (rank-sum form, O(n log n)). NaN when one class is missing.
     */
    public static double auc(float[] scores, boolean[] labels) {
        int n = check(scores, labels);
        long[] keyed = new long[n];
        for (int i = 0; i < n; i++) {
            // sortable bits of the float in the high half, the index in the low half
            int bits = Float.floatToIntBits(scores[i] == 0f ? 0f : scores[i]);
            bits ^= (bits >> 31) & 0x7fffffff;
            keyed[i] = ((long) bits << 32) | i;
        }
        Arrays.sort(keyed);
        double rankSumPos = 0;
        long pos = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && (keyed[j + 1] >> 32) == (keyed[i] >> 32)) {
                j++;
            }
            double rank = (i + j) / 2.0 + 1;
            for (int t = i; t <= j; t++) {
                if (labels[(int) keyed[t]]) {
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

    /** Mean binary cross-entropy (natural log) of probabilities against labels; NaN for no votes. */
    public static double logLoss(float[] probabilities, boolean[] labels) {
        int n = check(probabilities, labels);
        if (n == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double p = Math.min(1 - EPS, Math.max(EPS, probabilities[i]));
            sum -= labels[i] ? Math.log(p) : Math.log1p(-p);
        }
        return sum / n;
    }

    private static int check(float[] scores, boolean[] labels) {
        if (scores.length != labels.length) {
            throw new IllegalArgumentException("scores and labels differ in length");
        }
        return scores.length;
    }
}
