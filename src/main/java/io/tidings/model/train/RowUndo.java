package io.tidings.model.train;

import io.tidings.model.EmbeddingTable;
import java.util.Arrays;

/**
 * The best epoch's embedding rows without a copy of the tables: once armed, the first write to a row saves its
 * value, {@link #commit()} forgets the saved values (the current rows are the best) and {@link #rollback()} writes
 * them back. Holds only the rows written since the best epoch: in an incremental training, the rows of the
 * replayed and new votes rather than a third copy of every table.
 */
final class RowUndo {
    private final EmbeddingTable table;
    private final int dim;
    private int[] slotOf;
    private int[] rows = new int[64];
    private float[] saved;
    private int used;
    private boolean armed;

    RowUndo(EmbeddingTable table) {
        this.table = table;
        this.dim = table.dim();
        this.saved = new float[64 * dim];
    }

    /** Starts saving rows (after the first best epoch: before it there is nothing to go back to). */
    void arm() {
        if (slotOf == null) {
            slotOf = new int[table.size()];
            Arrays.fill(slotOf, -1);
        }
        armed = true;
    }

    /** Saves {@code row} before its first write since the last commit. */
    void beforeWrite(int row) {
        if (!armed || slotOf[row] >= 0) {
            return;
        }
        if (used == rows.length) {
            rows = Arrays.copyOf(rows, used * 2);
            saved = Arrays.copyOf(saved, used * 2 * dim);
        }
        slotOf[row] = used;
        rows[used] = row;
        System.arraycopy(table.block(row), table.offset(row), saved, used * dim, dim);
        used++;
    }

    /** The current rows are the best: forget what was saved (and give its memory back). */
    void commit() {
        for (int s = 0; s < used; s++) {
            slotOf[rows[s]] = -1;
        }
        used = 0;
        if (rows.length > 64) {
            rows = new int[64];
            saved = new float[64 * dim];
        }
    }

    /** Writes the saved rows back: the tables hold the best epoch's values again. */
    void rollback() {
        for (int s = 0; s < used; s++) {
            System.arraycopy(saved, s * dim, table.block(rows[s]), table.offset(rows[s]), dim);
        }
        commit();
    }

    /** Rows saved now (for tests). */
    int saved() {
        return used;
    }
}
