package io.tidings.console;

import java.util.Arrays;
import java.util.List;

/** Area under the ROC curve of stored scores against likes: how well a model version ranked what readers liked. */
final class Auc {

    /** A voted delivery: the version that chose it, the score it gave, and whether the reader liked it. */
    record Scored(long version, float score, boolean liked) {}

    private Auc() {}

    /** Mann-Whitney with ties halved; null without both a like and a dislike. */
    static Double of(List<Scored> scored) {
        long pos = scored.stream().filter(Scored::liked).count();
        long neg = scored.size() - pos;
        if (pos == 0 || neg == 0) return null;
        Scored[] s = scored.toArray(new Scored[0]);
        Arrays.sort(s, (a, b) -> Float.compare(a.score(), b.score()));
        double rankSum = 0;
        for (int i = 0; i < s.length; ) {
            int j = i;
            while (j < s.length && s[j].score() == s[i].score()) j++;
            double avgRank = (i + 1 + j) / 2.0;
            for (int k = i; k < j; k++) if (s[k].liked()) rankSum += avgRank;
            i = j;
        }
        return (rankSum - pos * (pos + 1) / 2.0) / ((double) pos * neg);
    }
}
