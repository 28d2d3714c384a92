package io.tidings.model.train;

import io.tidings.model.EmbeddingTable;
import io.tidings.model.ModelConfig;
import io.tidings.model.Network;
import io.tidings.model.TrainedModel;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.LongPredicate;

/**
 * Trains the network and the embedding tables on votes (👍 = 1, 👎 = 0) with binary cross-entropy, L2,
 * shuffled mini-batches, Adam or SGD, and early stopping on a held-out validation split, keeping the best
 * epoch's weights. An epoch is at least {@link ModelConfig#minEpochSteps()} steps (several passes over a small
 * vote set). Single-threaded and deterministic for a given {@link ModelConfig#seed()}.
 */
public final class Trainer {

    /** A trained model with what the run did. */
    public record Result(TrainedModel model, TrainingSummary summary) {
    }

    private static final double MIN_IMPROVEMENT = 1e-6;

    private final ModelConfig config;

    public Trainer(ModelConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** Full training from fresh random weights. With no votes at all, returns an untrained model. */
    public Result train(List<Vote> votes) {
        return run(votes, null, config.maxEpochs(), null);
    }

    /**
     * Incremental training: starts from {@code previous}'s weights and rows (which stay untouched), adds rows
     * for new ids initialised to the previous table's prior, and runs at most {@code epochs} epochs on all
     * {@code votes} (early stopping still applies). Optimizer moments start fresh.
     */
    public Result train(List<Vote> votes, TrainedModel previous, int epochs) {
        Objects.requireNonNull(previous, "previous");
        if (epochs <= 0) {
            throw new IllegalArgumentException("epochs must be > 0: " + epochs);
        }
        ModelConfig pc = previous.config();
        if (pc.readerDim() != config.readerDim() || pc.channelDim() != config.channelDim()
                || pc.postDim() != config.postDim() || pc.hidden() != config.hidden()) {
            throw new IllegalArgumentException("previous model has other sizes: " + pc);
        }
        return run(votes, previous, epochs, null);
    }

    /**
     * Incremental training of rows only, the way online recommenders refresh user factors: {@code previous}'s
     * network, channel table and priors are kept as they are (shared, not copied), and only the rows of readers
     * {@code readers} accepts and of posts {@code posts} accepts move (new ones start at the prior). Every other id
     * in {@code votes} reads its row or the prior without changing it, so those votes are context for the rows that
     * learn. A version made this way scores every unchanged (reader, post) pair exactly as {@code previous} does:
     * serving re-ranks only the readers whose row moved and re-scores only the posts whose row moved.
     */
    public Result trainRows(List<Vote> votes, TrainedModel previous, int epochs, LongPredicate readers, LongPredicate posts) {
        Objects.requireNonNull(previous, "previous");
        if (epochs <= 0) {
            throw new IllegalArgumentException("epochs must be > 0: " + epochs);
        }
        return run(votes, previous, epochs, new Rows(readers, posts));
    }

    /** Which rows a rows-only training moves. */
    private record Rows(LongPredicate readers, LongPredicate posts) {}

    private Result run(List<Vote> votes, TrainedModel previous, int maxEpochs, Rows rowsOnly) {
        Objects.requireNonNull(votes, "votes");
        SplittableRandom rng = new SplittableRandom(config.seed());
        int n = votes.size();
        if (n == 0) {
            TrainedModel m = previous != null ? previous : TrainedModel.untrained(config, config.seed());
            return new Result(m, new TrainingSummary(0, 0, Float.NaN, Float.NaN, 0, 0, false, previous != null));
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        shuffle(order, n, rng);
        int nVal = (int) Math.floor(n * (double) config.validationFraction());
        // views over the shuffled order: the votes are not copied (there may be millions)
        return fit(picked(votes, order, nVal, n), picked(votes, order, 0, nVal), previous, maxEpochs, rng, rowsOnly);
    }

    /** {@code votes.get(order[from])} … {@code votes.get(order[to - 1])}, as a read-only view. */
    private static List<Vote> picked(List<Vote> votes, int[] order, int from, int to) {
        return new java.util.AbstractList<>() {
            @Override
            public Vote get(int k) {
                return votes.get(order[from + Objects.checkIndex(k, to - from)]);
            }

            @Override
            public int size() {
                return to - from;
            }
        };
    }

    /**
     * Full training from fresh weights with an explicit validation set for early stopping (for example the
     * newest votes, as in offline evaluation) instead of a random split.
     */
    public Result train(List<Vote> trainVotes, List<Vote> validationVotes) {
        Objects.requireNonNull(trainVotes, "trainVotes");
        Objects.requireNonNull(validationVotes, "validationVotes");
        if (trainVotes.isEmpty()) {
            return new Result(TrainedModel.untrained(config, config.seed()),
                    new TrainingSummary(0, 0, Float.NaN, Float.NaN, 0, 0, false, false));
        }
        return fit(trainVotes, validationVotes, null, config.maxEpochs(), new SplittableRandom(config.seed()), null);
    }

    private Result fit(List<Vote> trainVotes, List<Vote> valVotes, TrainedModel previous, int maxEpochs,
                       SplittableRandom rng, Rows rowsOnly) {
        long started = System.nanoTime();
        int nVal = valVotes.size();
        int nTrain = trainVotes.size();

        Network net;
        EmbeddingTable readers;
        EmbeddingTable channels;
        EmbeddingTable posts;
        EmbeddingTable.RowInit readerInit;
        EmbeddingTable.RowInit channelInit;
        EmbeddingTable.RowInit postInit;
        if (rowsOnly != null) {
            // the network, the channels and every prior stay the previous version's: never written here
            net = previous.network();
            readers = previous.readers().copy();
            channels = previous.channels();
            posts = previous.posts().copy();
            readerInit = fromPrior(readers.prior());
            channelInit = null;
            postInit = fromPrior(posts.prior());
        } else if (previous != null) {
            net = previous.network().copy();
            readers = previous.readers().copy();
            channels = previous.channels().copy();
            posts = previous.posts().copy();
            readerInit = fromPrior(readers.prior());
            channelInit = fromPrior(channels.prior());
            postInit = fromPrior(posts.prior());
        } else {
            net = Network.random(config, rng);
            readers = new EmbeddingTable(config.readerDim(), nTrain);
            channels = new EmbeddingTable(config.channelDim(), 64);
            posts = new EmbeddingTable(config.postDim(), nTrain);
            readerInit = channelInit = postInit = gaussian(rng, config.initStd(), config.biasTerms());
        }

        int[] unknown = {-1, -1, -1};
        if (config.coldDropout() > 0 && rowsOnly == null) {
            // the learned unknown rows start as the prior (the mean row, or the previous unknown row)
            unknown[0] = readers.addIfAbsent(EmbeddingTable.UNKNOWN_ID, fromPrior(readers.prior()));
            unknown[2] = posts.addIfAbsent(EmbeddingTable.UNKNOWN_ID, fromPrior(posts.prior()));
        }
        Examples train = new Examples(nTrain);
        for (int k = 0; k < nTrain; k++) {
            Vote v = trainVotes.get(k);
            if (rowsOnly == null) {
                train.set(k, readers.addIfAbsent(v.reader(), readerInit), channels.addIfAbsent(v.channel(), channelInit),
                        posts.addIfAbsent(v.post(), postInit), v.like());
            } else {
                // only the rows that learn are added; any other id reads its row or the prior
                train.set(k, rowsOnly.readers().test(v.reader()) ? readers.addIfAbsent(v.reader(), readerInit) : readers.rowOf(v.reader()),
                        channels.rowOf(v.channel()),
                        rowsOnly.posts().test(v.post()) ? posts.addIfAbsent(v.post(), postInit) : posts.rowOf(v.post()), v.like());
            }
        }
        Examples val = new Examples(nVal);
        for (int k = 0; k < nVal; k++) {
            Vote v = valVotes.get(k);
            // ids seen only in validation keep row -1 and are scored with the prior, as in production
            val.set(k, readers.rowOf(v.reader()), channels.rowOf(v.channel()), posts.rowOf(v.post()), v.like());
        }

        Step step = rowsOnly == null ? new Step(config, net, readers, channels, posts, unknown, rng.split())
                : new Step(config, net, readers, channels, posts, unknown, rng.split(),
                        new boolean[][] {mask(readers, rowsOnly.readers()), new boolean[0], mask(posts, rowsOnly.posts())});
        // the best epoch: a copy of the (small) network, and of the rows only as they are written after it
        Network bestNet = null;
        RowUndo[] undo = step.undo();
        double bestVal = Double.POSITIVE_INFINITY;
        double bestTrain = Double.NaN;
        int bestEpoch = 0;
        int epochsRun = 0;
        int bad = 0;
        boolean stoppedEarly = false;
        int[] perm = new int[nTrain];
        for (int i = 0; i < nTrain; i++) {
            perm[i] = i;
        }
        int passes = passesPerEpoch(nTrain);
        float[] trainLosses = new float[maxEpochs];
        float[] valLosses = new float[nVal == 0 ? 0 : maxEpochs];
        for (int epoch = 1; epoch <= maxEpochs; epoch++) {
            double lossSum = 0;
            for (int pass = 0; pass < passes; pass++) {
                shuffle(perm, nTrain, rng);
                for (int start = 0; start < nTrain; start += config.batchSize()) {
                    lossSum += step.run(train, perm, start, Math.min(nTrain, start + config.batchSize()));
                }
            }
            epochsRun = epoch;
            double trainLoss = lossSum / ((double) nTrain * passes);
            trainLosses[epoch - 1] = (float) trainLoss;
            if (nVal == 0) {
                bestTrain = trainLoss;
                bestEpoch = epoch;
                continue;
            }
            if (rowsOnly == null) updatePriors(readers, channels, posts, unknown);
            double valLoss = step.loss(val);
            valLosses[epoch - 1] = (float) valLoss;
            if (valLoss < bestVal - MIN_IMPROVEMENT) {
                bestVal = valLoss;
                bestTrain = trainLoss;
                bestEpoch = epoch;
                bad = 0;
                if (rowsOnly != null) {
                    // the network does not move
                } else if (bestNet == null) {
                    bestNet = net.copy();
                } else {
                    bestNet.copyFrom(net);
                }
                for (RowUndo u : undo) {
                    u.commit();
                    u.arm();
                }
            } else if (++bad >= config.patience()) {
                stoppedEarly = epoch < maxEpochs;
                break;
            }
        }
        if (bestNet != null) {
            net.copyFrom(bestNet);
        }
        if (bestNet != null || rowsOnly != null && bestEpoch > 0) {
            for (RowUndo u : undo) {
                u.rollback();
            }
        }
        if (rowsOnly == null) updatePriors(readers, channels, posts, unknown);
        TrainedModel model = new TrainedModel(config, net, readers, channels, posts);
        TrainingSummary summary = new TrainingSummary(epochsRun, bestEpoch, (float) bestTrain,
                nVal == 0 ? Float.NaN : (float) bestVal, nTrain, nVal, stoppedEarly, previous != null,
                java.util.Arrays.copyOf(trainLosses, epochsRun), java.util.Arrays.copyOf(valLosses, nVal == 0 ? 0 : epochsRun),
                (System.nanoTime() - started) / 1_000_000);
        return new Result(model, summary);
    }

    /** Which rows of {@code table} belong to ids {@code learns} accepts. */
    private static boolean[] mask(EmbeddingTable table, LongPredicate learns) {
        long[] ids = table.ids();
        boolean[] out = new boolean[ids.length];
        for (int row = 0; row < ids.length; row++) out[row] = learns.test(ids[row]);
        return out;
    }

    /** Priors: the learned unknown rows where there are, else the mean rows. */
    private static void updatePriors(EmbeddingTable readers, EmbeddingTable channels, EmbeddingTable posts,
                                     int[] unknown) {
        EmbeddingTable[] tables = {readers, channels, posts};
        for (int t = 0; t < 3; t++) {
            if (unknown[t] >= 0) {
                tables[t].priorFromRow(unknown[t]);
            } else {
                tables[t].updatePrior();
            }
        }
    }

    /** Passes over {@code nTrain} votes that make an epoch of at least {@link ModelConfig#minEpochSteps()} steps. */
    int passesPerEpoch(int nTrain) {
        long stepsPerPass = Math.max(1, (nTrain + (long) config.batchSize() - 1) / config.batchSize());
        return (int) Math.max(1, (config.minEpochSteps() + stepsPerPass - 1) / stepsPerPass);
    }

    private static void shuffle(int[] a, int n, SplittableRandom rng) {
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static EmbeddingTable.RowInit fromPrior(float[] prior) {
        return (block, off, dim) -> System.arraycopy(prior, 0, block, off, dim);
    }

    /** Gaussian rows; with bias terms the last column (the bias) starts at 0. */
    private static EmbeddingTable.RowInit gaussian(SplittableRandom rng, float std, boolean biasColumn) {
        return (block, off, dim) -> {
            for (int j = 0; j < dim; j++) {
                block[off + j] = (float) (rng.nextGaussian() * std);
            }
            if (biasColumn) {
                block[off + dim - 1] = 0f;
            }
        };
    }

    /** Votes as row indices (-1 = no row, use the prior) and labels. */
    static final class Examples {
        final int[] reader;
        final int[] channel;
        final int[] post;
        final float[] label;

        Examples(int n) {
            reader = new int[n];
            channel = new int[n];
            post = new int[n];
            label = new float[n];
        }

        void set(int k, int r, int c, int p, boolean like) {
            reader[k] = r;
            channel[k] = c;
            post[k] = p;
            label[k] = like ? 1f : 0f;
        }

        int size() {
            return label.length;
        }
    }
}
