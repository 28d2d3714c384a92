package io.tidings.model;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A trained model version: network weights plus reader, channel and post embedding tables. Immutable once
 * built, so any number of threads may score with it. Ids without a row are scored with the table's prior
 * (the mean trained row).
 */
public final class TrainedModel {
    private final ModelConfig config;
    private final Network net;
    private final EmbeddingTable readers;
    private final EmbeddingTable channels;
    private final EmbeddingTable posts;
    /** False for a model made by {@link #withoutReaderRows()}: it cannot score a known reader. */
    private final boolean readerRows;

    public TrainedModel(ModelConfig config, Network net, EmbeddingTable readers, EmbeddingTable channels,
                 EmbeddingTable posts) {
        this(config, net, readers, channels, posts, true);
    }

    private TrainedModel(ModelConfig config, Network net, EmbeddingTable readers, EmbeddingTable channels,
                 EmbeddingTable posts, boolean readerRows) {
        this.readerRows = readerRows;
        this.config = Objects.requireNonNull(config);
        this.net = Objects.requireNonNull(net);
        this.readers = Objects.requireNonNull(readers);
        this.channels = Objects.requireNonNull(channels);
        this.posts = Objects.requireNonNull(posts);
        if (readers.dim() != config.readerDim() || channels.dim() != config.channelDim()
                || posts.dim() != config.postDim() || net.hidden != config.hidden()) {
            throw new IllegalArgumentException("tables or network do not match " + config);
        }
    }

    /**
     * A model for the cold start (no votes yet): random weights, empty tables with zero priors and zero
     * biases, so every pair scores 0.5 until a trained version replaces it.
     */
    public static TrainedModel untrained(ModelConfig config, long seed) {
        Network net = Network.random(config, new SplittableRandom(seed));
        return new TrainedModel(config, net, new EmbeddingTable(config.readerDim(), 16),
                new EmbeddingTable(config.channelDim(), 16), new EmbeddingTable(config.postDim(), 16));
    }

    public ModelConfig config() {
        return config;
    }

    /**
     * This version without its reader rows: the same network, channel and post tables (shared, not copied) and a
     * reader table holding only the prior, so a reader reads what a new reader reads. What a serving pod keeps once
     * the candidate index holds every reader's {@code hu} row; it cannot train, and does not score known readers
     * ({@link #score}, {@link #scoreInto}, {@link #scorePostsJava}, {@link #gather} and {@link #readerVector} refuse).
     */
    public TrainedModel withoutReaderRows() {
        return new TrainedModel(config, net, readers.priorOnly(), channels, posts, false);
    }

    /** Whether this model has its reader rows (false: made by {@link #withoutReaderRows()}). */
    public boolean keepsReaderRows() {
        return readerRows;
    }

    private void requireReaderRows() {
        if (!readerRows) {
            throw new IllegalStateException("this model version was kept without its reader rows (ROLE=serve): "
                    + "readers are scored through the candidate index");
        }
    }

    /** P(👍) of {@code reader} for {@code post} of {@code channel}, by the plain Java forward pass. */
    public float score(long reader, long channel, long post) {
        requireReaderRows();
        float[] x = new float[net.in];
        readers.copyInto(reader, x, 0);
        channels.copyInto(channel, x, net.readerDim);
        posts.copyInto(post, x, net.readerDim + net.channelDim);
        return Network.sigmoid(net.logit(x, 0, new float[net.hidden]));
    }

    /** Scores pairs {@code (readers[i], channels[i], posts[i])} into {@code out[i]} (concatenated form). */
    public void scoreInto(long[] readerIds, long[] channelIds, long[] postIds, float[] out) {
        requireReaderRows();
        int n = checkLengths(readerIds.length, channelIds, postIds, out);
        float[] x = new float[net.in];
        float[] act = new float[net.hidden];
        for (int i = 0; i < n; i++) {
            readers.copyInto(readerIds[i], x, 0);
            channels.copyInto(channelIds[i], x, net.readerDim);
            posts.copyInto(postIds[i], x, net.readerDim + net.channelDim);
            out[i] = Network.sigmoid(net.logit(x, 0, act));
        }
    }

    /**
     * Java fast path for one reader against many posts: splits W1 so the reader half is computed once and
     * each pair costs about {@code 3 * hidden} flops. Equals the concatenated form within float rounding.
     */
    public float[] scorePostsJava(long reader, long[] channelIds, long[] postIds) {
        requireReaderRows();
        int n = checkLengths(channelIds.length, channelIds, postIds, null);
        float[] u = readers.vector(reader);
        float[] hu = new float[net.hidden];
        net.readerPart(u, 0, hu, 0);
        float[] c = new float[net.channelDim];
        float[] p = new float[net.postDim];
        float[] hp = new float[net.hidden];
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            channels.copyInto(channelIds[i], c, 0);
            posts.copyInto(postIds[i], p, 0);
            net.itemPart(c, 0, p, 0, hp, 0);
            out[i] = net.pair(hu, 0, hp, 0);
        }
        return out;
    }

    /** Writes the input rows of pairs {@code from .. from+n) of one reader into row-major batches at row 0. */
    public void gather(long reader, long[] channelIds, long[] postIds, int from, int n,
                float[] readerRows, float[] channelRows, float[] postRows) {
        requireReaderRows();
        int rd = net.readerDim;
        readers.copyInto(reader, readerRows, 0);
        for (int i = 1; i < n; i++) {
            System.arraycopy(readerRows, 0, readerRows, i * rd, rd);
        }
        for (int i = 0; i < n; i++) {
            channels.copyInto(channelIds[from + i], channelRows, i * net.channelDim);
            posts.copyInto(postIds[from + i], postRows, i * net.postDim);
        }
    }

    /** Writes the input rows of pairs {@code from .. from+n)} into row-major batches at row 0. */
    public void gather(long[] readerIds, long[] channelIds, long[] postIds, int from, int n,
                float[] readerRows, float[] channelRows, float[] postRows) {
        requireReaderRows();
        for (int i = 0; i < n; i++) {
            readers.copyInto(readerIds[from + i], readerRows, i * net.readerDim);
            channels.copyInto(channelIds[from + i], channelRows, i * net.channelDim);
            posts.copyInto(postIds[from + i], postRows, i * net.postDim);
        }
    }

    /** The reader's embedding (a copy), or the prior when the reader has no row. */
    public float[] readerVector(long reader) {
        requireReaderRows();
        return readers.vector(reader);
    }

    /** The channel's embedding (a copy), or the prior when the channel has no row. */
    public float[] channelVector(long channel) {
        return channels.vector(channel);
    }

    /** The post's embedding (a copy), or the prior when the post has no row. */
    public float[] postVector(long post) {
        return posts.vector(post);
    }

    /** Reader rows (read-only view: its write methods are not public). */
    public EmbeddingTable readers() {
        return readers;
    }

    public EmbeddingTable channels() {
        return channels;
    }

    public EmbeddingTable posts() {
        return posts;
    }

    public Network network() {
        return net;
    }

    /** The pairs graph as an ONNX model; see {@code onnx/README.md} for the contract. */
    public byte[] toOnnx() {
        return OnnxExport.toOnnx(this);
    }

    /** Compact binary form of weights, embeddings, priors and id maps (for a PostgreSQL bytea). */
    public byte[] toBytes() {
        return ModelCodec.encode(this);
    }

    /** Reads {@link #toBytes()} output; throws {@link IllegalArgumentException} on malformed bytes. */
    public static TrainedModel fromBytes(byte[] bytes) {
        return ModelCodec.decode(bytes);
    }

    private static int checkLengths(int n, long[] channelIds, long[] postIds, float[] out) {
        if (channelIds.length != n || postIds.length != n || (out != null && out.length < n)) {
            throw new IllegalArgumentException("array lengths differ");
        }
        return n;
    }

    @Override
    public String toString() {
        return "TrainedModel{" + (readerRows ? readers.size() + " readers, " : "reader rows dropped, ") + channels.size() + " channels, "
                + posts.size() + " posts, " + config + '}';
    }
}
