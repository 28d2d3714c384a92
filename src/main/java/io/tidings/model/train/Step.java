package io.tidings.model.train;

import io.tidings.model.EmbeddingTable;
import io.tidings.model.ModelConfig;
import io.tidings.model.Network;
import java.util.Arrays;

/**
 * One mini-batch of forward, backward and update for {@link Trainer}: dense gradients for the network,
 * sparse per-row gradients for the embedding rows the batch touched (lazy Adam for rows).
 */
final class Step {
    private final Network net;
    private final EmbeddingTable[] tables;
    private final int[] dims;
    private final int[] offsets;
    private final Updater updater;
    private final Updater rowUpdater;
    private final boolean biasTerms;

    private final float[] x;
    private final float[] act;
    private final float[] dz1;
    private final float[] dx;
    private final float[] gw1;
    private final float[] gb1;
    private final float[] gw2;
    private final float[] gb2 = new float[1];
    private final float[][] denseM;
    private final float[][] denseV;
    private final SparseGrad[] sparse;
    private final RowUndo[] undo;

    private final int[] unknown;
    private final float coldDropout;
    private final java.util.SplittableRandom rng;

    /** Rows that learn per table (null: every row), and whether the network does; null masks: everything learns. */
    private final boolean[][] learns;
    private final boolean trainNetwork;

    Step(ModelConfig config, Network net, EmbeddingTable readers, EmbeddingTable channels, EmbeddingTable posts,
         int[] unknown, java.util.SplittableRandom rng) {
        this(config, net, readers, channels, posts, unknown, rng, null);
    }

    /**
     * With {@code learns} (per table, the rows that move; rows past a mask's end never do), the network is held
     * as it is and only those rows learn.
     */
    Step(ModelConfig config, Network net, EmbeddingTable readers, EmbeddingTable channels, EmbeddingTable posts,
         int[] unknown, java.util.SplittableRandom rng, boolean[][] learns) {
        this.learns = learns;
        this.trainNetwork = learns == null;
        this.unknown = unknown;
        this.coldDropout = config.coldDropout();
        this.rng = rng;
        this.net = net;
        this.tables = new EmbeddingTable[] {readers, channels, posts};
        this.dims = new int[] {net.readerDim, net.channelDim, net.postDim};
        this.offsets = new int[] {0, net.readerDim, net.readerDim + net.channelDim};
        this.updater = new Updater(config);
        this.rowUpdater = new Updater(config, config.rowLearningRateScale());
        // a previous version without the bias unit is trained as it is (holding a unit would break it)
        this.biasTerms = config.biasTerms() && net.hasBiasUnit();
        this.x = new float[net.in];
        this.act = new float[net.hidden];
        this.dz1 = new float[net.hidden];
        this.dx = new float[net.in];
        this.gw1 = new float[net.w1.length];
        this.gb1 = new float[net.hidden];
        this.gw2 = new float[net.hidden];
        boolean adam = updater.adam();
        float[][] params = {net.w1, net.b1, net.w2, net.b2};
        this.denseM = new float[4][];
        this.denseV = new float[4][];
        for (int i = 0; i < 4; i++) {
            denseM[i] = adam && trainNetwork ? new float[params[i].length] : null;
            denseV[i] = adam && trainNetwork ? new float[params[i].length] : null;
        }
        this.sparse = new SparseGrad[3];
        this.undo = new RowUndo[3];
        for (int t = 0; t < 3; t++) {
            undo[t] = new RowUndo(tables[t]);
            sparse[t] = new SparseGrad(tables[t].size(), dims[t], config.batchSize(), adam, undo[t]);
        }
    }

    /** Trains on examples {@code perm[from .. to)}; returns the summed loss before the update. */
    double run(Trainer.Examples ex, int[] perm, int from, int to) {
        Arrays.fill(gw1, 0f);
        Arrays.fill(gb1, 0f);
        Arrays.fill(gw2, 0f);
        gb2[0] = 0f;
        int in = net.in;
        int hidden = net.hidden;
        float[] w1 = net.w1;
        double loss = 0;
        for (int b = from; b < to; b++) {
            int k = perm[b];
            int[] rows = {ex.reader[k], ex.channel[k], ex.post[k]};
            if (coldDropout > 0) {
                // as if this reader (post) were new: trains the unknown row that new ids read
                for (int t = 0; t < 3; t += 2) {
                    if (unknown[t] >= 0 && rng.nextDouble() < coldDropout) {
                        rows[t] = unknown[t];
                    }
                }
            }
            for (int t = 0; t < 3; t++) {
                tables[t].copyRowInto(rows[t], x, offsets[t]);
            }
            float z2 = net.logit(x, 0, act);
            float y = ex.label[k];
            loss += Network.bce(z2, y);
            float d2 = Network.sigmoid(z2) - y;
            gb2[0] += d2;
            Arrays.fill(dx, 0f);
            for (int h = 0; h < hidden; h++) {
                float a = act[h];
                gw2[h] += d2 * a;
                float d = a > 0 ? d2 * net.w2[h] : 0f;
                dz1[h] = d;
                if (d == 0f) {
                    continue;
                }
                gb1[h] += d;
                int row = h * in;
                if (trainNetwork) {
                    for (int j = 0; j < in; j++) {
                        gw1[row + j] += d * x[j];
                        dx[j] += d * w1[row + j];
                    }
                } else {
                    for (int j = 0; j < in; j++) {
                        dx[j] += d * w1[row + j];
                    }
                }
            }
            for (int t = 0; t < 3; t++) {
                if (learns(t, rows[t])) sparse[t].add(rows[t], dx, offsets[t]);
            }
        }
        float scale = 1f / (to - from);
        updater.nextStep();
        rowUpdater.nextStep();
        if (trainNetwork) {
            updater.apply(net.w1, 0, gw1, 0, scale, denseM[0], denseV[0], 0, net.w1.length);
            updater.apply(net.b1, 0, gb1, 0, scale, denseM[1], denseV[1], 0, net.b1.length);
            updater.apply(net.w2, 0, gw2, 0, scale, denseM[2], denseV[2], 0, net.w2.length);
            updater.apply(net.b2, 0, gb2, 0, scale, denseM[3], denseV[3], 0, 1);
        }
        for (int t = 0; t < 3; t++) {
            sparse[t].apply(rowUpdater, tables[t], scale);
        }
        if (biasTerms && trainNetwork) {
            net.holdBiasUnit();
        }
        return loss;
    }

    /** Whether row {@code row} of table {@code t} learns (a prior, row -1, never does). */
    private boolean learns(int t, int row) {
        if (row < 0) return false;
        if (learns == null) return true;
        boolean[] m = learns[t];
        return m != null && row < m.length && m[row];
    }

    /** The undo logs of the three tables (readers, channels, posts). */
    RowUndo[] undo() {
        return undo;
    }

    /** Mean loss over {@code ex} with the current weights (rows -1 read the prior). */
    double loss(Trainer.Examples ex) {
        double loss = 0;
        for (int k = 0; k < ex.size(); k++) {
            tables[0].copyRowInto(ex.reader[k], x, offsets[0]);
            tables[1].copyRowInto(ex.channel[k], x, offsets[1]);
            tables[2].copyRowInto(ex.post[k], x, offsets[2]);
            loss += Network.bce(net.logit(x, 0, act), ex.label[k]);
        }
        return ex.size() == 0 ? Double.NaN : loss / ex.size();
    }

    /** Gradient sums of the rows one batch touched, each row once however often it appeared. */
    private static final class SparseGrad {
        private final int dim;
        private final int[] slotOf;
        private final int[] rowOfSlot;
        private final float[] grad;
        private final float[] m;
        private final float[] v;
        private int used;

        private final RowUndo undo;

        SparseGrad(int rows, int dim, int batch, boolean adam, RowUndo undo) {
            this.undo = undo;
            this.dim = dim;
            this.slotOf = new int[rows];
            Arrays.fill(slotOf, -1);
            this.rowOfSlot = new int[batch];
            this.grad = new float[batch * dim];
            this.m = adam ? new float[rows * dim] : null;
            this.v = adam ? new float[rows * dim] : null;
        }

        void add(int row, float[] g, int off) {
            int slot = slotOf[row];
            if (slot < 0) {
                slot = used++;
                slotOf[row] = slot;
                rowOfSlot[slot] = row;
                Arrays.fill(grad, slot * dim, slot * dim + dim, 0f);
            }
            int base = slot * dim;
            for (int j = 0; j < dim; j++) {
                grad[base + j] += g[off + j];
            }
        }

        void apply(Updater updater, EmbeddingTable table, float scale) {
            for (int s = 0; s < used; s++) {
                int row = rowOfSlot[s];
                undo.beforeWrite(row);
                updater.apply(table.block(row), table.offset(row), grad, s * dim, scale, m, v, row * dim, dim);
                slotOf[row] = -1;
            }
            used = 0;
        }
    }
}
