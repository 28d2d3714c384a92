package io.tidings.model;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Binary form of a {@link TrainedModel}, little-endian:
 * <pre>
 * int magic 'TDM1', int version 1
 * config: int readerDim, channelDim, postDim, hidden; byte optimizer; float lr, l2; int batch, maxEpochs,
 *         patience; float validationFraction, initStd; long seed
 * network: float w1[hidden*in], b1[hidden], w2[hidden], b2
 * 3 tables (readers, channels, posts): int rows, int dim, long ids[rows], float values[rows*dim], float prior[dim]
 * </pre>
 */
final class ModelCodec {
    private static final int MAGIC = 0x54444D31;
    private static final int VERSION = 1;

    private ModelCodec() {
    }

    static byte[] encode(TrainedModel model) {
        Network net = model.network();
        EmbeddingTable[] tables = {model.readers(), model.channels(), model.posts()};
        long size = 8 + 4 * 4 + 1 + 4 * 2 + 4 * 3 + 4 * 2 + 8
                + 4L * (net.w1.length + net.b1.length + net.w2.length + 1);
        for (EmbeddingTable t : tables) {
            size += 8 + 8L * t.size() + 4L * t.size() * t.dim() + 4L * t.dim();
        }
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("model too large for one byte array: " + size);
        }
        ByteBuffer buf = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(MAGIC).putInt(VERSION);
        ModelConfig c = model.config();
        buf.putInt(c.readerDim()).putInt(c.channelDim()).putInt(c.postDim()).putInt(c.hidden());
        buf.put((byte) c.optimizer().ordinal()).putFloat(c.learningRate()).putFloat(c.l2());
        buf.putInt(c.batchSize()).putInt(c.maxEpochs()).putInt(c.patience());
        buf.putFloat(c.validationFraction()).putFloat(c.initStd()).putLong(c.seed());
        putFloats(buf, net.w1);
        putFloats(buf, net.b1);
        putFloats(buf, net.w2);
        buf.putFloat(net.b2[0]);
        for (EmbeddingTable t : tables) {
            buf.putInt(t.size()).putInt(t.dim());
            for (int row = 0; row < t.size(); row++) {
                buf.putLong(t.idAt(row));
            }
            t.forEachRow((block, off) -> {
                buf.asFloatBuffer().put(block, off, t.dim());
                buf.position(buf.position() + 4 * t.dim());
            });
            putFloats(buf, t.prior());
        }
        if (buf.hasRemaining()) {
            throw new IllegalStateException("size miscounted");
        }
        return buf.array();
    }

    static TrainedModel decode(byte[] bytes) {
        try {
            ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            if (buf.getInt() != MAGIC) {
                throw new IllegalArgumentException("not a tidings model");
            }
            int version = buf.getInt();
            if (version != VERSION) {
                throw new IllegalArgumentException("unsupported model version " + version);
            }
            ModelConfig.Builder b = ModelConfig.custom()
                    .readerDim(buf.getInt()).channelDim(buf.getInt()).postDim(buf.getInt()).hidden(buf.getInt());
            int opt = buf.get();
            if (opt < 0 || opt >= ModelConfig.Optimizer.values().length) {
                throw new IllegalArgumentException("bad optimizer " + opt);
            }
            ModelConfig config = b.optimizer(ModelConfig.Optimizer.values()[opt])
                    .learningRate(buf.getFloat()).l2(buf.getFloat())
                    .batchSize(buf.getInt()).maxEpochs(buf.getInt()).patience(buf.getInt())
                    .validationFraction(buf.getFloat()).initStd(buf.getFloat()).seed(buf.getLong())
                    .build();
            Network net = Network.of(config);
            getFloats(buf, net.w1);
            getFloats(buf, net.b1);
            getFloats(buf, net.w2);
            net.b2[0] = buf.getFloat();
            int[] dims = {config.readerDim(), config.channelDim(), config.postDim()};
            EmbeddingTable[] tables = new EmbeddingTable[3];
            for (int t = 0; t < 3; t++) {
                int rows = buf.getInt();
                int dim = buf.getInt();
                if (dim != dims[t] || rows < 0 || (long) rows * (8 + 4L * dim) > buf.remaining()) {
                    throw new IllegalArgumentException("bad table header: rows=" + rows + " dim=" + dim);
                }
                EmbeddingTable table = new EmbeddingTable(dim, rows);
                int idStart = buf.position();
                int valueStart = idStart + 8 * rows;
                for (int row = 0; row < rows; row++) {
                    long id = buf.getLong(idStart + 8 * row);
                    int from = valueStart + 4 * row * dim;
                    int got = table.addIfAbsent(id, (block, off, d) ->
                            buf.slice(from, 4 * d).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(block, off, d));
                    if (got != row) {
                        throw new IllegalArgumentException("duplicate id " + id);
                    }
                }
                buf.position(valueStart + 4 * rows * dim);
                float[] prior = new float[dim];
                getFloats(buf, prior);
                table.setPrior(prior);
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

    private static void putFloats(ByteBuffer buf, float[] values) {
        buf.asFloatBuffer().put(values);
        buf.position(buf.position() + 4 * values.length);
    }

    private static void getFloats(ByteBuffer buf, float[] dst) {
        buf.asFloatBuffer().get(dst);
        buf.position(buf.position() + 4 * dst.length);
    }
}
