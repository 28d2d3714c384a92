package io.tidings.model;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Binary forms of a {@link TrainedModel}, little-endian. The whole model in one array ({@link #encode}):
 * <pre>
 * int magic 'TDM1', int version 2
 * config: int readerDim, channelDim, postDim, hidden; byte optimizer; float lr, l2; int batch, maxEpochs,
 *         patience; float validationFraction, initStd; long seed; int minEpochSteps (not in version 1)
 * network: float w1[hidden*in], b1[hidden], w2[hidden], b2
 * 3 tables (readers, channels, posts): int rows, int dim, long ids[rows], float values[rows*dim], float prior[dim]
 * </pre>
 * The chunked form for the database, where no value may grow with the number of readers or posts: a small
 * head ({@link #encodeHead}) and chunks of table rows of at most a given size ({@link #encodeChunk}),
 * read back in order by an {@link Assembler}:
 * <pre>
 * head:  int magic 'TDH1', int version 2, config, network,
 *        3 tables: int rows, int dim, int rowsPerChunk, float prior[dim]
 * chunk: int table, int firstRow, int rows, long ids[rows], float values[rows*dim]
 * </pre>
 * Chunks go table by table, rows in order; chunk i of a model is the same bytes whenever it is encoded.
 */
public final class ModelCodec {
    private static final int MAGIC = 0x54444D31;
    private static final int HEAD_MAGIC = 0x54444831;
    private static final int VERSION = 2;
    private static final int CHUNK_HEADER = 12;

    /** Largest chunk the database gets by default: far below PostgreSQL's 1 GB and the ~100 MB rule. */
    public static final int DEFAULT_CHUNK_BYTES = 8 << 20;

    private ModelCodec() {
    }

    static byte[] encode(TrainedModel model) {
        Network net = model.network();
        EmbeddingTable[] tables = tables(model);
        long size = 8 + configAndNetworkSize(net);
        for (EmbeddingTable t : tables) {
            size += 8 + 8L * t.size() + 4L * t.size() * t.dim() + 4L * t.dim();
        }
        ByteBuffer buf = allocate(size);
        buf.putInt(MAGIC).putInt(VERSION);
        putConfigAndNetwork(buf, model.config(), net);
        for (EmbeddingTable t : tables) {
            buf.putInt(t.size()).putInt(t.dim());
            putRows(buf, t, 0, t.size());
            putFloats(buf, t.prior());
        }
        return done(buf);
    }

    static TrainedModel decode(byte[] bytes) {
        try {
            ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            if (buf.getInt() != MAGIC) {
                throw new IllegalArgumentException("not a tidings model");
            }
            ModelConfig config = getConfig(buf, checkVersion(buf));
            Network net = getNetwork(buf, config);
            int[] dims = dims(config);
            EmbeddingTable[] tables = new EmbeddingTable[3];
            for (int t = 0; t < 3; t++) {
                int rows = buf.getInt();
                int dim = buf.getInt();
                if (dim != dims[t] || rows < 0 || (long) rows * (8 + 4L * dim) > buf.remaining()) {
                    throw new IllegalArgumentException("bad table header: rows=" + rows + " dim=" + dim);
                }
                EmbeddingTable table = new EmbeddingTable(dim, rows);
                getRows(buf, table, rows);
                table.setPrior(getFloats(buf, new float[dim]));
                tables[t] = table;
            }
            if (buf.hasRemaining()) {
                throw new IllegalArgumentException(buf.remaining() + " trailing bytes");
            }
            return new TrainedModel(config, net, tables[0], tables[1], tables[2]);
        } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("truncated model bytes", e);
        }
    }

    /** Whether {@code bytes} start like a head of the chunked form (else they should be a whole model). */
    static boolean isHead(byte[] bytes) {
        return bytes.length >= 4 && ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt() == HEAD_MAGIC;
    }

    /** Rows of a {@code dim}-wide table that fit in one chunk of {@code chunkBytes}. */
    static int rowsPerChunk(int dim, int chunkBytes) {
        int rows = (chunkBytes - CHUNK_HEADER) / (8 + 4 * dim);
        if (rows < 1) {
            throw new IllegalArgumentException("chunks of " + chunkBytes + " bytes cannot hold a row of " + dim);
        }
        return rows;
    }

    /** How many chunks {@code model} takes with chunks of at most {@code chunkBytes}. */
    static int chunkCount(TrainedModel model, int chunkBytes) {
        int n = 0;
        for (EmbeddingTable t : tables(model)) {
            int per = rowsPerChunk(t.dim(), chunkBytes);
            n += (t.size() + per - 1) / per;
        }
        return n;
    }

    static byte[] encodeHead(TrainedModel model, int chunkBytes) {
        Network net = model.network();
        EmbeddingTable[] tables = tables(model);
        long size = 8 + configAndNetworkSize(net);
        for (EmbeddingTable t : tables) {
            size += 12 + 4L * t.dim();
        }
        ByteBuffer buf = allocate(size);
        buf.putInt(HEAD_MAGIC).putInt(VERSION);
        putConfigAndNetwork(buf, model.config(), net);
        for (EmbeddingTable t : tables) {
            buf.putInt(t.size()).putInt(t.dim()).putInt(rowsPerChunk(t.dim(), chunkBytes));
            putFloats(buf, t.prior());
        }
        return done(buf);
    }

    /** Chunk {@code index} (0 .. {@link #chunkCount} - 1) of {@code model}'s rows. */
    static byte[] encodeChunk(TrainedModel model, int chunkBytes, int index) {
        EmbeddingTable[] tables = tables(model);
        int first = index;
        for (int t = 0; t < tables.length; t++) {
            EmbeddingTable table = tables[t];
            int per = rowsPerChunk(table.dim(), chunkBytes);
            int chunks = (table.size() + per - 1) / per;
            if (first < chunks) {
                int from = first * per;
                int rows = Math.min(per, table.size() - from);
                ByteBuffer buf = allocate(CHUNK_HEADER + rows * (8L + 4L * table.dim()));
                buf.putInt(t).putInt(from).putInt(rows);
                putRows(buf, table, from, rows);
                return done(buf);
            }
            first -= chunks;
        }
        throw new IndexOutOfBoundsException("chunk " + index + " of " + chunkCount(model, chunkBytes));
    }

    /** Builds a model from a head and then its chunks in order; rejects missing, extra or foreign chunks. */
    static final class Assembler {
        private final ModelConfig config;
        private final Network net;
        private final EmbeddingTable[] tables = new EmbeddingTable[3];
        private final int[] rows = new int[3];
        private final int[] perChunk = new int[3];
        private int table;

        Assembler(byte[] head) {
            try {
                ByteBuffer buf = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
                if (buf.getInt() != HEAD_MAGIC) {
                    throw new IllegalArgumentException("not a tidings model head");
                }
                config = getConfig(buf, checkVersion(buf));
                net = getNetwork(buf, config);
                int[] dims = dims(config);
                for (int t = 0; t < 3; t++) {
                    rows[t] = buf.getInt();
                    int dim = buf.getInt();
                    perChunk[t] = buf.getInt();
                    if (dim != dims[t] || rows[t] < 0 || perChunk[t] < 1) {
                        throw new IllegalArgumentException("bad table header: rows=" + rows[t] + " dim=" + dim);
                    }
                    tables[t] = new EmbeddingTable(dim, rows[t]);
                    tables[t].setPrior(getFloats(buf, new float[dim]));
                }
                if (buf.hasRemaining()) {
                    throw new IllegalArgumentException(buf.remaining() + " trailing bytes in the head");
                }
            } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
                throw new IllegalArgumentException("truncated model head", e);
            }
        }

        /** Chunks the head announces. */
        int chunks() {
            int n = 0;
            for (int t = 0; t < 3; t++) {
                n += (rows[t] + perChunk[t] - 1) / perChunk[t];
            }
            return n;
        }

        void add(byte[] chunk) {
            try {
                ByteBuffer buf = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
                int t = buf.getInt();
                int from = buf.getInt();
                int n = buf.getInt();
                while (table < 3 && tables[table].size() == rows[table]) {
                    table++;
                }
                EmbeddingTable target = table < 3 ? tables[table] : null;
                if (target == null || t != table || from != target.size() || n < 1 || n > perChunk[t]
                        || from + n > rows[t] || chunk.length != CHUNK_HEADER + n * (8L + 4L * target.dim())) {
                    throw new IllegalArgumentException("unexpected chunk: table " + t + ", rows " + from + "+" + n);
                }
                getRows(buf, target, n);
            } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
                throw new IllegalArgumentException("truncated model chunk", e);
            }
        }

        TrainedModel finish() {
            for (int t = 0; t < 3; t++) {
                if (tables[t].size() != rows[t]) {
                    throw new IllegalArgumentException("table " + t + " has " + tables[t].size() + " of " + rows[t]
                            + " rows: chunks are missing");
                }
            }
            return new TrainedModel(config, net, tables[0], tables[1], tables[2]);
        }
    }

    private static EmbeddingTable[] tables(TrainedModel model) {
        return new EmbeddingTable[] {model.readers(), model.channels(), model.posts()};
    }

    private static int[] dims(ModelConfig config) {
        return new int[] {config.readerDim(), config.channelDim(), config.postDim()};
    }

    private static long configAndNetworkSize(Network net) {
        return 4 * 4 + 1 + 4 * 2 + 4 * 3 + 4 * 2 + 8 + 4 + 4L * (net.w1.length + net.b1.length + net.w2.length + 1);
    }

    private static void putConfigAndNetwork(ByteBuffer buf, ModelConfig c, Network net) {
        buf.putInt(c.readerDim()).putInt(c.channelDim()).putInt(c.postDim()).putInt(c.hidden());
        buf.put((byte) c.optimizer().ordinal()).putFloat(c.learningRate()).putFloat(c.l2());
        buf.putInt(c.batchSize()).putInt(c.maxEpochs()).putInt(c.patience());
        buf.putFloat(c.validationFraction()).putFloat(c.initStd()).putLong(c.seed()).putInt(c.minEpochSteps());
        putFloats(buf, net.w1);
        putFloats(buf, net.b1);
        putFloats(buf, net.w2);
        buf.putFloat(net.b2[0]);
    }

    /** Reads the format version: this one, or 1 (before minEpochSteps). */
    private static int checkVersion(ByteBuffer buf) {
        int version = buf.getInt();
        if (version != VERSION && version != 1) {
            throw new IllegalArgumentException("unsupported model version " + version);
        }
        return version;
    }

    private static ModelConfig getConfig(ByteBuffer buf, int version) {
        ModelConfig.Builder b = ModelConfig.custom()
                .readerDim(buf.getInt()).channelDim(buf.getInt()).postDim(buf.getInt()).hidden(buf.getInt());
        int opt = buf.get();
        if (opt < 0 || opt >= ModelConfig.Optimizer.values().length) {
            throw new IllegalArgumentException("bad optimizer " + opt);
        }
        b.optimizer(ModelConfig.Optimizer.values()[opt])
                .learningRate(buf.getFloat()).l2(buf.getFloat())
                .batchSize(buf.getInt()).maxEpochs(buf.getInt()).patience(buf.getInt())
                .validationFraction(buf.getFloat()).initStd(buf.getFloat()).seed(buf.getLong());
        if (version >= 2) {
            b.minEpochSteps(buf.getInt());
        }
        return b.build();
    }

    private static Network getNetwork(ByteBuffer buf, ModelConfig config) {
        Network net = Network.of(config);
        getFloats(buf, net.w1);
        getFloats(buf, net.b1);
        getFloats(buf, net.w2);
        net.b2[0] = buf.getFloat();
        return net;
    }

    /** ids of rows {@code [from, from + n)}, then their values. */
    private static void putRows(ByteBuffer buf, EmbeddingTable t, int from, int n) {
        for (int row = from; row < from + n; row++) {
            buf.putLong(t.idAt(row));
        }
        for (int row = from; row < from + n; row++) {
            buf.asFloatBuffer().put(t.block(row), t.offset(row), t.dim());
            buf.position(buf.position() + 4 * t.dim());
        }
    }

    /** Appends {@code n} rows written by {@link #putRows} to {@code table}. */
    private static void getRows(ByteBuffer buf, EmbeddingTable table, int n) {
        int dim = table.dim();
        int idStart = buf.position();
        int valueStart = idStart + 8 * n;
        if ((long) n * (8 + 4L * dim) > buf.remaining()) {
            throw new IllegalArgumentException("truncated rows");
        }
        for (int i = 0; i < n; i++) {
            long id = buf.getLong(idStart + 8 * i);
            int from = valueStart + 4 * i * dim;
            int before = table.size();
            int got = table.addIfAbsent(id, (block, off, d) ->
                    buf.slice(from, 4 * d).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(block, off, d));
            if (got != before) {
                throw new IllegalArgumentException("duplicate id " + id);
            }
        }
        buf.position(valueStart + 4 * n * dim);
    }

    private static ByteBuffer allocate(long size) {
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("model too large for one byte array: " + size);
        }
        return ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static byte[] done(ByteBuffer buf) {
        if (buf.hasRemaining()) {
            throw new IllegalStateException("size miscounted");
        }
        return buf.array();
    }

    private static void putFloats(ByteBuffer buf, float[] values) {
        buf.asFloatBuffer().put(values);
        buf.position(buf.position() + 4 * values.length);
    }

    private static float[] getFloats(ByteBuffer buf, float[] dst) {
        buf.asFloatBuffer().get(dst);
        buf.position(buf.position() + 4 * dst.length);
        return dst;
    }
}
