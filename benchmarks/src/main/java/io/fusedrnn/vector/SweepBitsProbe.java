package io.fusedrnn.vector;

import io.fusedrnn.Backend;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.Precision;
import io.fusedrnn.PreparedLayer;
import io.fusedrnn.Sweep;
import io.fusedrnn.SweepResult;
import io.fusedrnn.Tensor;

import java.util.Arrays;
import java.util.Random;

/**
 * Whether a sweep's bits depend on the JIT tier: hashes y of LSTM and GRU layers (H 72–256, B 1, 24
 * and 64, fp32 and fp64, 2 workers) on the vector backend, {@code reps} rounds in one JVM, and prints
 * one hash for the first round (a fresh JVM: interpreted and C1 code) and one for the last (C2).
 * Run it plainly, with {@code -XX:TieredStopAtLevel=1}, with {@code -Xint} (reps 1: about a minute)
 * and with {@code -XX:UseAVX=2}, and compare the lines. Usage: {@code SweepBitsProbe [reps]} (default 30).
 */
public final class SweepBitsProbe {
    private SweepBitsProbe() {
    }

    /** Runs the probe; see the class comment. */
    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        LayerSpec[] specs = {LayerSpec.lstm(40, 100), LayerSpec.gru(40, 100, true), LayerSpec.gru(40, 72, false), LayerSpec.lstm(64, 256)};
        String first = null, last = null;
        for (int rep = 0; rep < reps; rep++) {
            StringBuilder sb = new StringBuilder();
            for (LayerSpec s : specs) {
                for (int b : new int[] {1, 24, 64}) {
                    for (Precision p : Precision.values()) sb.append(Integer.toHexString(hash(s, b, p))).append(' ');
                }
            }
            if (first == null) first = sb.toString();
            last = sb.toString();
        }
        System.out.println("first " + Integer.toHexString(first.hashCode()) + " last " + Integer.toHexString(last.hashCode()));
    }

    private static int hash(LayerSpec s, int b, Precision p) {
        Random r = new Random(7);
        int t = 6;
        double[] xs = new double[t * b * s.inputSize()];
        for (int i = 0; i < xs.length; i++) xs[i] = r.nextGaussian() * 2;
        try (Backend be = new VectorBackend(2); PreparedLayer l = be.prepare(LayerWeights.random(s, 3), p);
             Tensor x = be.upload(p, xs, t, b, s.inputSize()); Tensor y = be.allocate(p, t, b, s.hiddenSize());
             SweepResult ignored = be.forward(l, Sweep.of(x), y, 0, false)) {
            return Arrays.hashCode(y.toDoubleArray());
        }
    }
}
