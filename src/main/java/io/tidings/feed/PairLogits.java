package io.tidings.feed;

import io.tidings.model.Network;

/**
 * The logit of one (reader, post) pair on the fast path, {@code b2 + Σ w2[j] · relu(hu[j] + hp[j])}, always summed in
 * the same order, so it is monotone in each {@code hp[j]} the way {@code w2[j]}'s sign says: a channel's upper-bound
 * row ({@link PostHidden#bounds}) through the same method gives a logit no post of the channel exceeds, bit for
 * bit. Plain Java, or the Vector API ({@link VectorPairLogits}) when the module is present; one per model version.
 */
class PairLogits {
    final int hidden;
    final float[] w2;
    final float b2;

    PairLogits(Network net) {
        this.hidden = net.hidden;
        this.w2 = net.w2;
        this.b2 = net.b2[0];
    }

    /** The logit of {@code hu[a .. a + hidden)} with {@code hp[b .. b + hidden)}; {@code lanes}: 16 floats of scratch. */
    float logit(float[] hu, int a, float[] hp, int b, float[] lanes) {
        float s = b2;
        for (int j = 0; j < hidden; j++) s = Math.fma(Math.max(hu[a + j] + hp[b + j], 0f), w2[j], s);
        return s;
    }

    boolean usable() {
        return true;
    }

    static PairLogits best(Network net) {
        if (!Boolean.parseBoolean(System.getProperty("tidings.vector", "true"))
                || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return new PairLogits(net);
        }
        try {
            // by name, so that this class links without the incubator module
            PairLogits p = (PairLogits) Class.forName("io.tidings.feed.VectorPairLogits").getDeclaredConstructor(Network.class)
                    .newInstance(net);
            return p.usable() ? p : new PairLogits(net);
        } catch (ReflectiveOperationException | LinkageError e) {
            return new PairLogits(net);
        }
    }
}
