package io.tidings.model;

/**
 * Immutable sizes and training settings of the model. Build with {@link #custom()} or take {@link #defaults()}
 * (the seed architecture: reader 100 ++ channel 80 ++ post 20 → 70 → 1, with reader, channel and post bias
 * terms inside that shape, Adam at learning rate 1e-3: the recipe that won on realistic votes, README "Model").
 */
public final class ModelConfig {

    /** How the trainer updates weights. */
    public enum Optimizer { ADAM, SGD }

    private final int readerDim;
    private final int channelDim;
    private final int postDim;
    private final int hidden;
    private final Optimizer optimizer;
    private final float learningRate;
    private final float l2;
    private final int batchSize;
    private final int maxEpochs;
    private final int patience;
    private final int minEpochSteps;
    private final float validationFraction;
    private final float initStd;
    private final long seed;
    private final boolean biasTerms;
    private final float coldDropout;
    private final float rowLearningRateScale;

    private ModelConfig(Builder b) {
        this.readerDim = positive(b.readerDim, "readerDim");
        this.channelDim = positive(b.channelDim, "channelDim");
        this.postDim = positive(b.postDim, "postDim");
        this.hidden = positive(b.hidden, "hidden");
        if (b.optimizer == null) {
            throw new IllegalArgumentException("optimizer must be set");
        }
        this.optimizer = b.optimizer;
        if (!(b.learningRate > 0)) {
            throw new IllegalArgumentException("learningRate must be > 0: " + b.learningRate);
        }
        this.learningRate = b.learningRate;
        if (!(b.l2 >= 0)) {
            throw new IllegalArgumentException("l2 must be >= 0: " + b.l2);
        }
        this.l2 = b.l2;
        this.batchSize = positive(b.batchSize, "batchSize");
        this.maxEpochs = positive(b.maxEpochs, "maxEpochs");
        this.patience = positive(b.patience, "patience");
        this.minEpochSteps = positive(b.minEpochSteps, "minEpochSteps");
        if (!(b.validationFraction >= 0 && b.validationFraction < 1)) {
            throw new IllegalArgumentException("validationFraction must be in [0, 1): " + b.validationFraction);
        }
        this.validationFraction = b.validationFraction;
        if (!(b.initStd > 0)) {
            throw new IllegalArgumentException("initStd must be > 0: " + b.initStd);
        }
        this.initStd = b.initStd;
        this.seed = b.seed;
        this.biasTerms = b.biasTerms;
        if (!(b.coldDropout >= 0 && b.coldDropout < 1)) {
            throw new IllegalArgumentException("coldDropout must be in [0, 1): " + b.coldDropout);
        }
        this.coldDropout = b.coldDropout;
        if (!(b.rowLearningRateScale > 0)) {
            throw new IllegalArgumentException("rowLearningRateScale must be > 0: " + b.rowLearningRateScale);
        }
        this.rowLearningRateScale = b.rowLearningRateScale;
        if (biasTerms && (readerDim < 2 || channelDim < 2 || postDim < 2 || hidden < 2)) {
            throw new IllegalArgumentException("biasTerms need every size >= 2");
        }
    }

    private static int positive(int v, String name) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be > 0: " + v);
        }
        return v;
    }

    /** The seed architecture with the default training settings. */
    public static ModelConfig defaults() {
        return custom().build();
    }

    /** A builder starting from the defaults. */
    public static Builder custom() {
        return new Builder();
    }

    /** A builder starting from this config's values. */
    public Builder toBuilder() {
        return new Builder()
                .readerDim(readerDim).channelDim(channelDim).postDim(postDim).hidden(hidden)
                .optimizer(optimizer).learningRate(learningRate).l2(l2).batchSize(batchSize)
                .maxEpochs(maxEpochs).patience(patience).minEpochSteps(minEpochSteps)
                .validationFraction(validationFraction)
                .initStd(initStd).seed(seed).biasTerms(biasTerms).coldDropout(coldDropout)
                .rowLearningRateScale(rowLearningRateScale);
    }

    public int readerDim() { return readerDim; }
    public int channelDim() { return channelDim; }
    public int postDim() { return postDim; }
    /** Width of the concatenated input: readerDim + channelDim + postDim. */
    public int inputDim() { return readerDim + channelDim + postDim; }
    public int hidden() { return hidden; }
    public Optimizer optimizer() { return optimizer; }
    public float learningRate() { return learningRate; }
    public float l2() { return l2; }
    public int batchSize() { return batchSize; }
    public int maxEpochs() { return maxEpochs; }
    /** Epochs without a validation-loss improvement before training stops. */
    public int patience() { return patience; }
    /**
     * Fewest mini-batch steps in an epoch: on a small vote set an epoch makes as many passes over the
     * training votes as it takes to reach this, so patience, the epoch limit and incremental epochs mean some
     * learning (120 votes are one step per pass: early stopping on their 12 validation votes ended training
     * after about four steps). Sets of more than {@code minEpochSteps × batchSize} votes are unaffected.
     */
    public int minEpochSteps() { return minEpochSteps; }
    public float validationFraction() { return validationFraction; }
    /** Standard deviation of fresh embedding rows (weights use He/Xavier scaling). */
    public float initStd() { return initStd; }
    public long seed() { return seed; }
    /**
     * Reader, channel and post bias terms inside the seed shape: the last column of each table is a bias, and
     * the last hidden unit is held at {@code relu(b_reader + b_channel + b_post + }{@link Network#BIAS_OFFSET}{@code )}
     * with output weight 1 (the offset keeps it in ReLU's linear part and comes off b2), so the logit gains the
     * three biases while the model stays a plain network that the fast path, ONNX and the codec serve as is.
     */
    public boolean biasTerms() { return biasTerms; }
    /**
     * Fraction of training examples whose reader row, and (drawn apart) whose post row, is replaced by the
     * table's learned unknown row ({@link EmbeddingTable#UNKNOWN_ID}), which then becomes the prior that ids
     * without a row read: so new readers and fresh posts are scored by a row trained for them rather than by
     * the mean row. 0 keeps the mean row as the prior.
     */
    public float coldDropout() { return coldDropout; }
    /**
     * Learning rate of the embedding rows relative to {@link #learningRate()}: a row is updated only in the
     * batches that hold its id (lazy Adam), so rare rows move little; a larger rate lets them catch up.
     */
    public float rowLearningRateScale() { return rowLearningRateScale; }

    @Override
    public String toString() {
        return "ModelConfig{dims=" + readerDim + "+" + channelDim + "+" + postDim + "→" + hidden + "→1"
                + ", " + optimizer + " lr=" + learningRate + " l2=" + l2 + " batch=" + batchSize
                + " maxEpochs=" + maxEpochs + " patience=" + patience + " minEpochSteps=" + minEpochSteps
                + " val=" + validationFraction
                + " initStd=" + initStd + " seed=" + seed + (biasTerms ? " biasTerms" : "")
                + (coldDropout > 0 ? " coldDropout=" + coldDropout : "")
                + (rowLearningRateScale != 1 ? " rowLrScale=" + rowLearningRateScale : "") + '}';
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private int readerDim = 100;
        private int channelDim = 80;
        private int postDim = 20;
        private int hidden = 70;
        private Optimizer optimizer = Optimizer.ADAM;
        private float learningRate = 0.003f;
        private float l2 = 1e-5f;
        private int batchSize = 128;
        private int maxEpochs = 30;
        private int patience = 3;
        private int minEpochSteps = 20;
        private float validationFraction = 0.1f;
        private float initStd = 0.1f;
        private long seed = 42;
        private boolean biasTerms = false;
        private float coldDropout;
        private float rowLearningRateScale = 1f;

        private Builder() {
        }

        public Builder readerDim(int v) { readerDim = v; return this; }
        public Builder channelDim(int v) { channelDim = v; return this; }
        public Builder postDim(int v) { postDim = v; return this; }
        public Builder hidden(int v) { hidden = v; return this; }
        public Builder optimizer(Optimizer v) { optimizer = v; return this; }
        public Builder learningRate(float v) { learningRate = v; return this; }
        public Builder l2(float v) { l2 = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder maxEpochs(int v) { maxEpochs = v; return this; }
        public Builder patience(int v) { patience = v; return this; }
        public Builder minEpochSteps(int v) { minEpochSteps = v; return this; }
        public Builder validationFraction(float v) { validationFraction = v; return this; }
        public Builder initStd(float v) { initStd = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder biasTerms(boolean v) { biasTerms = v; return this; }
        public Builder coldDropout(float v) { coldDropout = v; return this; }
        public Builder rowLearningRateScale(float v) { rowLearningRateScale = v; return this; }

        public ModelConfig build() {
            return new ModelConfig(this);
        }
    }
}
