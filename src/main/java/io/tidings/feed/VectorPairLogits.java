package io.tidings.feed;

import io.tidings.model.Network;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link PairLogits} on {@code jdk.incubator.vector}: lanes are hidden units; the lanes are summed by halving in plain
 * Java (not {@code reduceLanes}, whose order the API leaves open and which differs between the interpreter and C2),
 * the units past the last whole vector added one by one after. Loaded by name only when the module is present.
 */
final class VectorPairLogits extends PairLogits {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    VectorPairLogits(Network net) {
        super(net);
    }

    @Override
    boolean usable() {
        return (L == 4 || L == 8 || L == 16) && hidden >= L;
    }

    @Override
    float logit(float[] hu, int a, float[] hp, int b, float[] lanes) {
        FloatVector acc = FloatVector.zero(S);
        int j = 0;
        for (; j + L <= hidden; j += L) {
            acc = FloatVector.fromArray(S, hu, a + j).add(FloatVector.fromArray(S, hp, b + j)).max(0f)
                    .fma(FloatVector.fromArray(S, w2, j), acc);
        }
        acc.intoArray(lanes, 0);
        for (int d = L / 2; d >= 1; d /= 2) for (int i = 0; i < d; i++) lanes[i] += lanes[i + d];
        float s = b2 + lanes[0];
        for (; j < hidden; j++) s = Math.fma(Math.max(hu[a + j] + hp[b + j], 0f), w2[j], s);
        return s;
    }
}
