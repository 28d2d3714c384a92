package io.tidings.feed;

import io.tidings.model.Network;
import java.util.Arrays;

/**
 * The posts an incremental version scores again for the readers it carries over (their rows moved, or they arrived
 * during the build), in groups of at most {@link PostHidden#GROUP} posts of similar linear appeal {@code hp·w2}, each
 * with an upper-bound row (per hidden unit the largest {@code hp} where {@code w2} is positive, the smallest where it
 * is negative: ReLU is monotone, so no post of the group scores above it) and, per reader shift, its posts' largest
 * standard noise draw ({@link ExplorationNoise#channelMaxima}). Posts are renumbered group by group: the arrays below
 * are in that order.
 */
final class ChangedGroups {
    final long[] posts;
    final long[] channels;
    /** Rows {@code [post][hidden]}. */
    final float[] hp;
    final int[] shifts;
    /** Group {@code q}'s posts are {@code start[q] .. start[q + 1])}. */
    final int[] start;
    /** Per group, its posts' rows {@code [post][hidden]}. */
    final float[][] rows;
    /** Bound rows {@code [group][hidden]}. */
    final float[] bounds;
    /** {@code [group][reader shift]}, as {@link PostHidden#noiseMax}. */
    final byte[] noiseMax;

    ChangedGroups(Network net, long[] posts, long[] channels, float[] hp, long seed) {
        int h = net.hidden;
        int n = posts.length;
        long[] order = new long[n];
        for (int p = 0; p < n; p++) {
            float a = 0;
            for (int j = 0; j < h; j++) a += net.w2[j] * hp[p * h + j];
            // descending appeal: flip the float bits so that ascending longs sort highest first
            int bits = Float.floatToIntBits(-a);
            bits ^= (bits >> 31) & 0x7fffffff;
            order[p] = ((long) bits << 32) | p;
        }
        Arrays.sort(order);
        this.posts = new long[n];
        this.channels = new long[n];
        this.hp = new float[n * h];
        this.shifts = new int[n];
        for (int x = 0; x < n; x++) {
            int p = (int) order[x];
            this.posts[x] = posts[p];
            this.channels[x] = channels[p];
            System.arraycopy(hp, p * h, this.hp, x * h, h);
            this.shifts[x] = ExplorationNoise.postShift(posts[p], seed);
        }
        int groups = (n + PostHidden.GROUP - 1) / PostHidden.GROUP;
        start = new int[groups + 1];
        for (int q = 0; q <= groups; q++) start[q] = (int) ((long) n * q / Math.max(1, groups));
        rows = new float[groups][];
        for (int q = 0; q < groups; q++) rows[q] = Arrays.copyOfRange(this.hp, start[q] * h, start[q + 1] * h);
        bounds = new float[groups * h];
        for (int q = 0; q < groups; q++) {
            for (int j = 0; j < h; j++) {
                boolean up = net.w2[j] >= 0;
                float b = up ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
                for (int p = start[q]; p < start[q + 1]; p++) {
                    float v = this.hp[p * h + j];
                    b = up ? Math.max(b, v) : Math.min(b, v);
                }
                bounds[q * h + j] = b;
            }
        }
        noiseMax = ExplorationNoise.channelMaxima(shifts, start, groups);
    }

    int groups() {
        return start.length - 1;
    }
}
