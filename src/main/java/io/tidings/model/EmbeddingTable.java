package io.tidings.model;

import io.tidings.util.LongIntMap;
import java.util.ArrayList;
import java.util.List;

/**
 * Embedding rows keyed by long id, stored in fixed-size blocks so adding rows never copies the table.
 * An id without a row reads the prior (the mean of the rows at the time of {@link #updatePrior()}).
 * Only the trainer writes; a table inside a {@link TrainedModel} is never written again, so reads from
 * many scoring threads are safe.
 */
public final class EmbeddingTable {
    static final int BLOCK_ROWS = 1024;
    /** Id of the learned unknown row (see {@link ModelConfig#coldDropout()}); no Telegram id is this small. */
    public static final long UNKNOWN_ID = Long.MIN_VALUE;

    private final int dim;
    private final LongIntMap index;
    private final List<float[]> blocks = new ArrayList<>();
    private final List<long[]> idBlocks = new ArrayList<>();
    private final float[] prior;
    private int size;

    public EmbeddingTable(int dim, int expectedRows) {
        if (dim <= 0) {
            throw new IllegalArgumentException("dim must be > 0");
        }
        this.dim = dim;
        this.index = new LongIntMap(Math.max(16, expectedRows));
        this.prior = new float[dim];
    }

    /** Width of a row. */
    public int dim() {
        return dim;
    }

    /** Number of ids with their own row. */
    public int size() {
        return size;
    }

    /** Whether {@code id} has its own (trained) row. */
    public boolean contains(long id) {
        return index.get(id) >= 0;
    }

    /** The row index of {@code id}, or -1 when it has none. */
    public int rowOf(long id) {
        return index.get(id);
    }

    /** The id stored at {@code row}. */
    long idAt(int row) {
        return idBlocks.get(row / BLOCK_ROWS)[row % BLOCK_ROWS];
    }

    /** The ids with rows, in row order (a copy). */
    public long[] ids() {
        long[] out = new long[size];
        for (int row = 0; row < size; row++) {
            out[row] = idAt(row);
        }
        return out;
    }

    /** Copies the row of {@code id}, or the prior when it has no row, into {@code dst} at {@code off}. */
    public void copyInto(long id, float[] dst, int off) {
        copyRowInto(index.get(id), dst, off);
    }

    /** Copies row {@code row}, or the prior when {@code row < 0}, into {@code dst} at {@code off}. */
    public void copyRowInto(int row, float[] dst, int off) {
        if (row < 0) {
            System.arraycopy(prior, 0, dst, off, dim);
        } else {
            System.arraycopy(blocks.get(row / BLOCK_ROWS), (row % BLOCK_ROWS) * dim, dst, off, dim);
        }
    }

    /** A copy of the row of {@code id}, or of the prior when it has none. */
    public float[] vector(long id) {
        float[] v = new float[dim];
        copyInto(id, v, 0);
        return v;
    }

    /** A copy of the prior row used for unknown ids. */
    public float[] prior() {
        return prior.clone();
    }

    /** The block holding {@code row}; the row starts at {@link #offset(int)}. */
    public float[] block(int row) {
        return blocks.get(row / BLOCK_ROWS);
    }

    public int offset(int row) {
        return (row % BLOCK_ROWS) * dim;
    }

    /**
     * Returns the row of {@code id}, adding one when missing; {@code init} fills a new row
     * (given the block and the row's offset). Appends a block when the last is full; never copies rows.
     */
    public int addIfAbsent(long id, RowInit init) {
        int row = index.get(id);
        if (row >= 0) {
            return row;
        }
        row = size;
        if (row % BLOCK_ROWS == 0) {
            blocks.add(new float[BLOCK_ROWS * dim]);
            idBlocks.add(new long[BLOCK_ROWS]);
        }
        idBlocks.get(row / BLOCK_ROWS)[row % BLOCK_ROWS] = id;
        init.fill(blocks.get(row / BLOCK_ROWS), (row % BLOCK_ROWS) * dim, dim);
        index.put(id, row);
        size++;
        return row;
    }

    /** Sets the prior to the mean of all rows (zeros for an empty table). */
    public void updatePrior() {
        double[] sum = new double[dim];
        forEachRow((block, off) -> {
            for (int j = 0; j < dim; j++) {
                sum[j] += block[off + j];
            }
        });
        for (int j = 0; j < dim; j++) {
            prior[j] = size == 0 ? 0f : (float) (sum[j] / size);
        }
    }

    /** Sets the prior to the values of {@code row} (the learned unknown row). */
    public void priorFromRow(int row) {
        copyRowInto(row, prior, 0);
    }

    void setPrior(float[] values) {
        System.arraycopy(values, 0, prior, 0, dim);
    }

    /** Visits rows in row order as (block, offset). */
    void forEachRow(RowVisitor visitor) {
        for (int row = 0; row < size; row++) {
            visitor.visit(blocks.get(row / BLOCK_ROWS), (row % BLOCK_ROWS) * dim);
        }
    }

    /** A deep copy: same ids in the same rows, same values and prior. */
    public EmbeddingTable copy() {
        EmbeddingTable c = new EmbeddingTable(dim, size);
        for (int row = 0; row < size; row++) {
            float[] src = block(row);
            int srcOff = offset(row);
            c.addIfAbsent(idAt(row), (dst, off, d) -> System.arraycopy(src, srcOff, dst, off, d));
        }
        c.setPrior(prior);
        return c;
    }

    /** A table without rows whose prior is this table's: every id reads what an id without a row reads here. */
    public EmbeddingTable priorOnly() {
        EmbeddingTable c = new EmbeddingTable(dim, 1);
        c.setPrior(prior);
        return c;
    }

    /** Bytes held by the rows (values and ids, whole blocks), without the id map: what a table of this size costs. */
    public long rowBytes() {
        return (long) blocks.size() * BLOCK_ROWS * ((long) dim * Float.BYTES + Long.BYTES);
    }

    /** Copies all values (and the prior) from {@code other}, which must have the same rows. */
    public void copyValuesFrom(EmbeddingTable other) {
        if (other.size != size || other.dim != dim) {
            throw new IllegalArgumentException("tables differ in shape");
        }
        for (int b = 0; b < blocks.size(); b++) {
            System.arraycopy(other.blocks.get(b), 0, blocks.get(b), 0, blocks.get(b).length);
        }
        setPrior(other.prior);
    }

    /** Fills a new row. */
    @FunctionalInterface
    public interface RowInit {
        void fill(float[] block, int off, int dim);
    }

    /** Visits one row. */
    @FunctionalInterface
    interface RowVisitor {
        void visit(float[] block, int off);
    }
}
