package io.tidings.feed;

import io.tidings.model.EmbeddingTable;
import io.tidings.model.Network;
import io.tidings.model.TrainedModel;
import io.tidings.model.serve.FastScorer;
import java.util.Arrays;

/**
 * One model version as the candidate sets use it. What scores new posts for the readers of this version (the
 * network and the channel and post tables, shared with the model, never copied) is kept while any set refers
 * to the version; the reader table only while the version is the newest, to compute the {@code hu} rows of
 * readers it ranks. The noise seed stays the same across an incremental version, so unchanged sets stay valid.
 */
final class Generation {
    final long version;
    final long seed;
    final Network net;
    /** Scores posts: the model's network, channel and post tables, and an empty reader table. */
    final FastScorer scorer;
    /** The model's channel and post tables (shared, never copied). */
    private final EmbeddingTable channels;
    private final EmbeddingTable posts;
    /** The whole model while this version is being built (readers' rows), then null. */
    private volatile TrainedModel model;
    private volatile PostHidden hidden;
    /** For an incremental version: the version it follows and the posts whose rows changed (by post id), else null. */
    Generation parent;
    io.tidings.util.LongIntMap changed;
    long[] changedPosts = new long[0];
    long[] changedChannels = new long[0];
    float[] changedHp = new float[0];
    /** Arrivals from this sequence number on are re-scored for readers moved over without a re-rank. */
    long startSeq;

    Generation(CandidateIndex.ModelVersion mv, long seed) {
        this.version = mv.version();
        this.seed = seed;
        // a model kept without its reader rows (a serving pod, after this version's build) ranks from the index's rows
        this.model = mv.model().keepsReaderRows() ? mv.model() : null;
        this.net = mv.model().network();
        TrainedModel m = mv.model();
        this.channels = m.channels();
        this.posts = m.posts();
        this.scorer = new FastScorer(new TrainedModel(m.config(), net, new EmbeddingTable(m.config().readerDim(), 1),
                m.channels(), m.posts()));
    }

    int hidden() {
        return net.hidden;
    }

    /** {@code hu} of one reader; only while this version holds its reader table. */
    void readerHidden(long reader, float[] u, float[] hu) {
        TrainedModel m = model;
        if (m == null) throw new IllegalStateException("model version " + version + " no longer ranks readers");
        readerHidden(m, reader, u, hu);
    }

    /** {@code hu} of one reader from another copy of the reader table (the same version's, or a later one's). */
    void readerHidden(TrainedModel from, long reader, float[] u, float[] hu) {
        from.readers().copyInto(reader, u, 0);
        net.readerPart(u, 0, hu, 0);
    }

    /** The {@code hp} rows of {@code posts}, one after another. */
    float[] hiddenOf(java.util.List<FreshPool.Entry> posts) {
        if (posts.isEmpty()) return new float[0];
        long[] ids = new long[posts.size()];
        long[] chs = new long[posts.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = posts.get(i).postId();
            chs[i] = posts.get(i).channelId();
        }
        return scorer.postHidden(chs, ids);
    }

    /** Whether this version still holds its reader table. */
    boolean hasReaders() {
        return model != null;
    }

    int readerDim() {
        return net.readerDim;
    }

    /**
     * Lets the reader table go: the version is superseded (its sets only take new posts until they move), or its
     * build is finished (every ranked reader's {@code hu} row is in the index, int8).
     */
    void retire() {
        model = null;
    }

    /** The {@code hp} rows of a snapshot, reusing those of the last one asked for. */
    PostHidden hidden(FreshPool.Snapshot snap) {
        PostHidden h = hidden;
        if (h != null && h.snap == snap) return h;
        PostHidden built = PostHidden.of(snap, scorer, net, h, seed);
        hidden = built;
        return built;
    }

    /** Whether {@code id} reads the very same row (or prior) in both tables. */
    private static boolean sameRow(EmbeddingTable a, EmbeddingTable b, long id) {
        return a == b || Arrays.equals(a.vector(id), b.vector(id));
    }

    /** Whether {@code other} has the very same network: then only rows that changed change scores. */
    boolean sameNetwork(Network other) {
        return other == net || other.hidden == net.hidden && other.readerDim == net.readerDim
                && other.channelDim == net.channelDim && other.postDim == net.postDim
                && Arrays.equals(other.w1, net.w1) && Arrays.equals(other.b1, net.b1)
                && Arrays.equals(other.w2, net.w2) && Arrays.equals(other.b2, net.b2);
    }

    /**
     * Records the posts whose {@code hp} differs between {@code old} and this version (an incremental version: the
     * same network). The rows of posts whose own row and channel row did not move are {@code old}'s, not computed again.
     */
    void diff(Generation old, FreshPool.Snapshot snap) {
        parent = old;
        PostHidden a = old.hidden(snap);
        PostHidden b = PostHidden.of(snap, scorer, net, a, seed,
                (post, channel) -> sameRow(old.posts, posts, post) && sameRow(old.channels, channels, channel));
        hidden = b;
        int h = hidden();
        java.util.List<Integer> at = new java.util.ArrayList<>();
        for (int c = 0; c < b.channelCount(); c++) {
            for (int p = b.start[c]; p < b.start[c + 1]; p++) {
                float[] ra = a.row(b.posts[p]);
                int off = (p - b.start[c]) * h;
                if (ra == null || !Arrays.equals(ra, 0, h, b.hp[c], off, off + h)) at.add(p);
            }
        }
        int n = at.size();
        changedPosts = new long[n];
        changedChannels = new long[n];
        changedHp = new float[n * h];
        changed = new io.tidings.util.LongIntMap(Math.max(16, n));
        for (int i = 0; i < n; i++) {
            int p = at.get(i);
            int c = b.channelAt(p);
            changedPosts[i] = b.posts[p];
            changedChannels[i] = b.channels[c];
            System.arraycopy(b.hp[c], (p - b.start[c]) * h, changedHp, i * h, h);
            changed.put(changedPosts[i], i);
        }
    }
}
