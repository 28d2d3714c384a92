package io.tidings.feed;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ReaderRows#dequantize} on {@code jdk.incubator.vector}: C2 on JDK 17 does not vectorize the byte-to-float
 * loop (measured: 150 ms of CPU for a million rows, fifteen times the scoring of one post), this does. Loaded by
 * name only when the module is present.
 */
final class VectorDequantizer extends ReaderRows.Dequantizer {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.length() * 8));
    private static final int L = F.length();

    @Override
    boolean usable() {
        return L >= 4 && 64 % L == 0;
    }

    @Override
    void tileRow(byte[] q, int a, float[] scale, int r0, float[] v, int d) {
        for (int i = 0; i < 64; i += L) {
            FloatVector f = (FloatVector) ByteVector.fromArray(B, q, a + i).convertShape(VectorOperators.B2F, F, 0);
            f.mul(FloatVector.fromArray(F, scale, r0 + i)).intoArray(v, d + i);
        }
    }
}
