package io.fusedrnn.cli;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A JVM of its own for {@link LauncherTest}: a small Vector API kernel called until it has run for the
 * milliseconds given as the argument, as the backend's kernels are while C2 compiles them. It prints
 * the sum, so that the work cannot be dropped.
 */
final class VectorLoopProbe {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VectorLoopProbe() {
    }

    /** One row of a GEMV with a sigmoid-like epilogue: loads, FMAs, a division and a lanewise EXP. */
    static float kernel(float[] w, float[] x, float[] out) {
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < w.length; i += S.length()) {
            acc = FloatVector.fromArray(S, w, i).fma(FloatVector.fromArray(S, x, i), acc);
        }
        FloatVector one = FloatVector.broadcast(S, 1f);
        one.div(one.add(acc.neg().lanewise(VectorOperators.EXP))).intoArray(out, 0);
        return out[0];
    }

    public static void main(String[] args) {
        long millis = Long.parseLong(args[0]);
        float[] w = new float[64 * S.length()], x = new float[w.length], out = new float[S.length()];
        for (int i = 0; i < w.length; i++) {
            w[i] = (i % 7) * 0.01f;
            x[i] = (i % 5) * 0.02f;
        }
        double sum = 0;
        long end = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < end) {
            for (int i = 0; i < 100; i++) sum += kernel(w, x, out);
        }
        System.out.println("sum " + sum);
    }
}
