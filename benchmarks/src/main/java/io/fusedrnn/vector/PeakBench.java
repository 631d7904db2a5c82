package io.fusedrnn.vector;

import io.fusedrnn.benchmarks.ceiling.FmaPeak;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

/**
 * The per-core FMA ceiling and the GEMM tile's rate with its data in L1 (not a test): one thread, thread
 * CPU time, medians of 15 runs. Usage: PeakBench [l1|peak|all]. The FMA loop keeps 12 independent
 * accumulators, more than latency × pipes on AVX2 and AVX-512 machines (4 cycles × 2 pipes).
 * {@code PeakBench gemm MxKxN[/R] ...} times the given GEMM shapes instead (each repeated to about 4 GFLOP a
 * run); with /R the products cycle through R different B matrices, as a worker's recurrent step cycles
 * through its gates' slices of W_hh (so B comes from where R of them fit, not from L1 or L2).
 */
public final class PeakBench {
    private static final VectorSpecies<Float> N = FloatVector.SPECIES_256;
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) {
        String what = args.length > 0 ? args[0] : "all";
        System.out.println("preferred species " + FloatVector.SPECIES_PREFERRED + ", GEMM tile " + FloatGemm.describe());
        if (what.equals("gemm")) {
            for (int i = 1; i < args.length; i++) {
                String[] r = args[i].split("/"), d = r[0].split("x");
                int m = Integer.parseInt(d[0]), k = Integer.parseInt(d[1]), n = Integer.parseInt(d[2]);
                tile(m, k, n, (int) Math.max(1, 4e9 / (2.0 * m * k * n)), r.length > 1 ? Integer.parseInt(r[1]) : 1);
            }
            return;
        }
        if (!what.equals("l1")) {
            peak(FloatVector.SPECIES_PREFERRED, false);
            if (FloatVector.SPECIES_PREFERRED.vectorBitSize() > 256) peak(FloatVector.SPECIES_256, true);
        }
        if (!what.equals("peak")) {
            // A [m, k] and packed B [k, n] small enough for L1 (k = 64): the tile alone, repeated
            tile(FloatGemm.MR * 4, 64, FloatGemm.NR, 2000);
            tile(48, 64, 2 * FloatGemm.NR, 2000);
            tile(64, 512, 2048, 3);
            tile(3200, 512, 2048, 1);
            tile(1, 256, 1024, 4000);
            tile(64, 512, 512, 40);
        }
    }

    private static void peak(VectorSpecies<Float> s, boolean narrow) {
        float[] r = new float[s.length()];
        long n = 20_000_000;
        double[] t = new double[15];
        for (int i = -5; i < t.length; i++) {
            long t0 = MX.getCurrentThreadCpuTime();
            if (narrow) fma256(n, r);
            else r[0] += FmaPeak.chains(n, 1f);
            if (i >= 0) t[i] = (MX.getCurrentThreadCpuTime() - t0) / 1e9;
        }
        Arrays.sort(t);
        double flop = 2.0 * FmaPeak.CHAINS * n * s.length();
        System.out.println(String.format(Locale.ROOT, "FMA peak %s: %.1f GFLOP/s per core (best %.1f)", s,
                flop / t[t.length / 2] / 1e9, flop / t[0] / 1e9));
    }

    /** {@link FmaPeak#chains}' loop on 256-bit vectors (the species must be a constant for C2 to vectorize). */
    private static void fma256(long n, float[] out) {
        FloatVector m = FloatVector.broadcast(N, 0.999999f), a = FloatVector.broadcast(N, 1e-7f);
        FloatVector c0 = FloatVector.broadcast(N, 1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
        FloatVector c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < n; i++) {
            c0 = c0.fma(m, a);
            c1 = c1.fma(m, a);
            c2 = c2.fma(m, a);
            c3 = c3.fma(m, a);
            c4 = c4.fma(m, a);
            c5 = c5.fma(m, a);
            c6 = c6.fma(m, a);
            c7 = c7.fma(m, a);
            c8 = c8.fma(m, a);
            c9 = c9.fma(m, a);
            c10 = c10.fma(m, a);
            c11 = c11.fma(m, a);
        }
        c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11).intoArray(out, 0);
    }

    private static void tile(int m, int k, int n, int reps) {
        tile(m, k, n, reps, 1);
    }

    private static void tile(int m, int k, int n, int reps, int rot) {
        FloatMath f = new FloatMath();
        float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = (i % 7) * 0.1f;
        for (int i = 0; i < b.length; i++) b[i] = (i % 5) * 0.1f;
        float[][] bp = new float[rot][f.packedSize(k, n)];
        for (float[] p : bp) f.pack(b, 0, n, 1, k, n, p, 0, f.panels(n));
        double[] t = new double[15];
        for (int i = -10; i < t.length; i++) {
            long t0 = MX.getCurrentThreadCpuTime();
            for (int r = 0; r < reps; r++) f.gemm(a, 0, k, 1, m, k, bp[r % rot], 0, n, 0, f.panels(n), c, 0, n, false, null);
            if (i >= 0) t[i] = (MX.getCurrentThreadCpuTime() - t0) / 1e9;
        }
        Arrays.sort(t);
        double flop = 2.0 * m * k * n * reps;
        System.out.println(String.format(Locale.ROOT, "GEMM M=%d K=%d N=%d%s: %.1f GFLOP/s per core (best %.1f)", m, k, n,
                rot > 1 ? " over " + rot + " B" : "",
                flop / t[t.length / 2] / 1e9, flop / t[0] / 1e9));
    }
}
