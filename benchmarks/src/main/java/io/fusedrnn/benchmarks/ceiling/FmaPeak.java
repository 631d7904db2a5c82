package io.fusedrnn.benchmarks.ceiling;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The per-core fp32 FMA ceiling in Java: independent chains of {@code FloatVector.fma} on the widest
 * vectors, enough of them to cover the FMA latency on two ports (12 chains: 4 cycles × 2 ports = 8
 * needed; 12 live accumulators plus 2 constants fit in AVX2's 16 registers as well as AVX-512's 32).
 */
public final class FmaPeak {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Independent accumulator chains. */
    public static final int CHAINS = 12;

    private FmaPeak() {
    }

    /** Lanes of the widest float vector (8 on AVX2, 16 on AVX-512). */
    public static int lanes() {
        return S.length();
    }

    /** FLOPs of one {@link #chains} call with {@code iterations}: 2 per lane per FMA. */
    public static double flops(long iterations) {
        return 2.0 * S.length() * CHAINS * iterations;
    }

    /**
     * Runs {@code iterations} rounds of {@link #CHAINS} FMAs each and returns a lane of the sum (so the
     * work cannot be dropped).
     */
    public static float chains(long iterations, float seed) {
        FloatVector m = FloatVector.broadcast(S, 0.999999f), b = FloatVector.broadcast(S, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(S, seed), a1 = a0.add(1), a2 = a0.add(2), a3 = a0.add(3), a4 = a0.add(4),
                a5 = a0.add(5), a6 = a0.add(6), a7 = a0.add(7), a8 = a0.add(8), a9 = a0.add(9), a10 = a0.add(10), a11 = a0.add(11);
        for (long i = 0; i < iterations; i++) {
            a0 = a0.fma(m, b); a1 = a1.fma(m, b); a2 = a2.fma(m, b); a3 = a3.fma(m, b);
            a4 = a4.fma(m, b); a5 = a5.fma(m, b); a6 = a6.fma(m, b); a7 = a7.fma(m, b);
            a8 = a8.fma(m, b); a9 = a9.fma(m, b); a10 = a10.fma(m, b); a11 = a11.fma(m, b);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11).lane(0);
    }
}
