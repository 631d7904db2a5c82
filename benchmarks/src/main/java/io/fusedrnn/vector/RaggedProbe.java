package io.fusedrnn.vector;

import io.fusedrnn.Backend;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.Precision;
import io.fusedrnn.PreparedLayer;
import io.fusedrnn.Sweep;
import io.fusedrnn.SweepResult;
import io.fusedrnn.Tensor;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;

/**
 * What a ragged batch costs on the vector backend (the batches serving and Spark make): one fp32
 * forward sweep of B rows with lengths drawn uniformly from lo..hi, against the same sweep with every
 * row running all T = max steps, interleaved, medians of {@code reps}. Prints both times, their ratio,
 * and the ratio's floor: the share of steps that are real (Σ lengths ÷ B·T). Public API only, so the
 * same source runs against an older library jar:
 * {@code java --add-modules jdk.incubator.vector -cp LIB.jar benchmarks/src/main/java/io/fusedrnn/vector/RaggedProbe.java}.
 * Usage: {@code RaggedProbe [lstm|gru] [B] [I] [H] [lo] [hi] [reps]} (defaults: lstm 32 64 256 20 80 41).
 */
public final class RaggedProbe {
    private RaggedProbe() {
    }

    /** Runs the probe; see the class comment for the arguments. */
    public static void main(String[] args) {
        String cell = args.length > 0 ? args[0] : "lstm";
        int b = arg(args, 1, 32), in = arg(args, 2, 64), h = arg(args, 3, 256), lo = arg(args, 4, 20), hi = arg(args, 5, 80);
        int reps = arg(args, 6, 41);
        LayerSpec spec = cell.equals("gru") ? LayerSpec.gru(in, h, true) : LayerSpec.lstm(in, h);
        Random rnd = new Random(7);
        int[] len = new int[b];
        for (int i = 0; i < b; i++) len[i] = lo + rnd.nextInt(hi - lo + 1);
        int t = Arrays.stream(len).max().orElseThrow();
        long real = Arrays.stream(len).sum();
        float[] x = new float[t * b * in];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        System.out.printf("%s B%d I%d H%d, lengths %d..%d (T %d, %.0f%% of B·T real), load average %.2f%n", cell, b, in, h, lo, hi, t,
                100.0 * real / ((long) b * t), ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        long[] ragged = new long[reps], full = new long[reps];
        try (Backend be = new VectorBackend(2); PreparedLayer layer = be.prepare(LayerWeights.random(spec, 3), Precision.FP32);
             Tensor xt = be.upload(Precision.FP32, x, t, b, in); Tensor y = be.allocate(Precision.FP32, t, b, spec.outputSize())) {
            long until = System.nanoTime() + 3_000_000_000L; // warm-up: C2 compiles the GEMM and the cells
            while (System.nanoTime() < until) {
                sweep(be, layer, xt, y, len);
                sweep(be, layer, xt, y, null);
            }
            for (int r = 0; r < reps; r++) {
                ragged[r] = sweep(be, layer, xt, y, len);
                full[r] = sweep(be, layer, xt, y, null);
            }
        }
        double mr = median(ragged) / 1e6, mf = median(full) / 1e6;
        System.out.printf("ragged %.3f ms, full %.3f ms, ragged ÷ full %.3f (floor %.3f)%n", mr, mf, mr / mf, (double) real / ((long) b * t));
    }

    private static long sweep(Backend be, PreparedLayer layer, Tensor x, Tensor y, int[] len) {
        long t0 = System.nanoTime();
        try (SweepResult r = be.forward(layer, new Sweep(x, null, null, len, false), y, 0, false)) {
            return System.nanoTime() - t0;
        }
    }

    private static double median(long[] a) {
        long[] s = a.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static int arg(String[] args, int i, int dflt) {
        return args.length > i ? Integer.parseInt(args[i]) : dflt;
    }
}
