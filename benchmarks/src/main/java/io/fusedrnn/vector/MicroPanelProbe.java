package io.fusedrnn.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * Round 16's question (benchmarks/RESULTS.md, "Round 16"): does the 8-row tile run faster with A in
 * micro-panels (each k's 8 values side by side, one stream for the broadcasts) than with A's rows read
 * in place (8 streams a row apart), and what does the copy cost? Times the library's float GEMM beside
 * a micro-panel variant of its tile on the same problem, one thread, alternating which goes first, and
 * prints both rates and the quartiles of the per-pair ratios. The variant covers whole 8-row tiles, whole
 * panels, K in one block and no bias: it is a measurement, not a GEMM (AVX-512 only).
 * Usage: {@code MicroPanelProbe M K N reps [panelsPerCall] [once]}: the library GEMM and the variant are
 * called once per run of panelsPerCall panels (default all); with {@code once} the variant copies A
 * into micro-panels once per product, else once per call (inside the timing either way).
 */
public final class MicroPanelProbe {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length(), NR = 2 * L, MR = 8;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private MicroPanelProbe() {
    }

    /** Runs the probe; see the class comment for the arguments. */
    public static void main(String[] args) {
        int m = Integer.parseInt(args[0]), k = Integer.parseInt(args[1]), n = Integer.parseInt(args[2]), reps = Integer.parseInt(args[3]);
        FloatMath lib = new FloatMath();
        int panels = lib.panels(n), per = args.length > 4 ? Integer.parseInt(args[4]) : panels;
        boolean once = args.length > 5 && args[5].equals("once");
        if (S.vectorBitSize() < 512 || m % MR != 0 || n % NR != 0 || k > FloatGemm.KC) {
            throw new IllegalArgumentException("needs 512-bit vectors, M a multiple of 8, N of " + NR + ", K <= " + FloatGemm.KC);
        }
        java.util.Random rnd = new java.util.Random(1);
        float[] a = new float[m * k], b = new float[k * n], c1 = new float[m * n], c2 = new float[m * n], mp = new float[m * k];
        for (int i = 0; i < a.length; i++) a[i] = rnd.nextFloat() - 0.5f;
        for (int i = 0; i < b.length; i++) b[i] = rnd.nextFloat() - 0.5f;
        float[] pb = new float[lib.packedSize(k, n)];
        lib.pack(b, 0, n, 1, k, n, pb, 0, panels);
        double flops = 2.0 * m * k * n;
        int mc = Math.max(MR, Math.min(m, FloatGemm.A_BLOCK_BYTES / (Float.BYTES * k)) / MR * MR);
        double[] inPlace = new double[reps], micro = new double[reps], ratio = new double[reps];
        for (int r = -5; r < reps; r++) {
            long[] ns = new long[2];
            for (int j = 0; j < 2; j++) {
                boolean variant = (j == 0) == (r % 2 == 0);
                long t0 = THREADS.getCurrentThreadCpuTime();
                if (variant) micro(a, m, k, n, pb, c2, mp, panels, per, mc, once);
                else inPlace(lib, a, m, k, n, pb, c1, panels, per);
                ns[variant ? 1 : 0] = THREADS.getCurrentThreadCpuTime() - t0;
            }
            if (r >= 0) {
                inPlace[r] = flops / ns[0];
                micro[r] = flops / ns[1];
                ratio[r] = (double) ns[0] / ns[1];
            }
        }
        for (int i = 0; i < c1.length; i++) {
            if (Float.floatToIntBits(c1[i]) != Float.floatToIntBits(c2[i])) throw new AssertionError("C[" + i + "]: " + c1[i] + " against " + c2[i]);
        }
        Arrays.sort(inPlace);
        Arrays.sort(micro);
        Arrays.sort(ratio);
        System.out.printf("M%d K%d N%d, %d panels per call, copy %s: A in place %.1f, micro-panels %.1f GFLOP/s (medians); "
                        + "in place / micro-panels time per pair %.3f (quartiles %.3f-%.3f); bitwise equal%n",
                m, k, n, per, once ? "once" : "per call", inPlace[reps / 2], micro[reps / 2], ratio[reps / 2], ratio[reps / 4], ratio[3 * reps / 4]);
    }

    // Each contender's product in a method of its own: with these loops inside main, C2's on-stack
    // compilation of main ran the variant at under 1 GFLOP/s at K1024 N512 (not understood; kept out).

    /** The library's GEMM, called once per run of {@code per} panels. */
    private static void inPlace(FloatMath lib, float[] a, int m, int k, int n, float[] pb, float[] c, int panels, int per) {
        for (int p = 0; p < panels; p += per) lib.gemm(a, 0, k, 1, m, k, pb, 0, n, p, Math.min(panels, p + per), c, 0, n, false, null);
    }

    /** The variant: A copied into micro-panels once, or per call and M block; then the tiles. */
    private static void micro(float[] a, int m, int k, int n, float[] pb, float[] c, float[] mp, int panels, int per, int mc, boolean once) {
        if (once) pack(a, k, 0, m, k, mp);
        for (int p = 0; p < panels; p += per) {
            int p1 = Math.min(panels, p + per);
            // M blocks of A as the library takes them (256 KiB), each copied when it is reached
            for (int m0 = 0; m0 < m; m0 += mc) {
                int m1 = Math.min(m, m0 + mc);
                if (!once) pack(a, k, m0, m1, k, mp);
                for (int q = p; q < p1; q++) {
                    for (int i = m0; i < m1; i += MR) tile(mp, i * k, k, pb, q * k * NR, c, i * n + q * NR, n);
                }
            }
        }
    }

    /** Rows m0..m1 of A [m, k] (row-major) into 8-row micro-panels: tile t's values at mp[t·k + kk·8 + r]. */
    private static void pack(float[] a, int lda, int m0, int m1, int k, float[] mp) {
        for (int t = m0; t < m1; t += MR) {
            for (int r = 0; r < MR; r++) {
                int s = (t + r) * lda, d = t * k + r;
                for (int kk = 0; kk < k; kk++) mp[d + kk * MR] = a[s + kk];
            }
        }
    }

    /** The library's 8 × 2-vector tile (no bias, no accumulation), its broadcasts from one micro-panel. */
    private static void tile(float[] a, int ao, int k, float[] b, int bo, float[] c, int co, int ldc) {
        FloatVector z = FloatVector.zero(S), c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
        for (int kk = 0; kk < k; kk++) {
            int bi = bo + kk * NR, ai = ao + kk * MR;
            FloatVector b0 = FloatVector.fromArray(S, b, bi), b1 = FloatVector.fromArray(S, b, bi + L), x;
            x = FloatVector.broadcast(S, a[ai]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ai + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ai + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ai + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[ai + 4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[ai + 5]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[ai + 6]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[ai + 7]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        // bias zero, as the library adds it
        c00.add(z).intoArray(c, co); c01.add(z).intoArray(c, co + L);
        c10.add(z).intoArray(c, co + ldc); c11.add(z).intoArray(c, co + ldc + L);
        c20.add(z).intoArray(c, co + 2 * ldc); c21.add(z).intoArray(c, co + 2 * ldc + L);
        c30.add(z).intoArray(c, co + 3 * ldc); c31.add(z).intoArray(c, co + 3 * ldc + L);
        c40.add(z).intoArray(c, co + 4 * ldc); c41.add(z).intoArray(c, co + 4 * ldc + L);
        c50.add(z).intoArray(c, co + 5 * ldc); c51.add(z).intoArray(c, co + 5 * ldc + L);
        c60.add(z).intoArray(c, co + 6 * ldc); c61.add(z).intoArray(c, co + 6 * ldc + L);
        c70.add(z).intoArray(c, co + 7 * ldc); c71.add(z).intoArray(c, co + 7 * ldc + L);
    }
}
