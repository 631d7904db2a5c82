package io.fusedrnn.vector;

import java.util.Arrays;
import java.util.Locale;

/** Single-thread GFLOP/s of the float GEMM on one shape (not a test): GemmBench M K N [reps]. */
public final class GemmBench {
    public static void main(String[] args) {
        int m = Integer.parseInt(args[0]), k = Integer.parseInt(args[1]), n = Integer.parseInt(args[2]);
        int reps = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        boolean at = args.length > 4 && args[4].equals("T"); // A given transposed, as in the weight gradients
        FloatMath f = new FloatMath();
        float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = (i % 7) * 0.1f;
        for (int i = 0; i < b.length; i++) b[i] = (i % 5) * 0.1f;
        float[] bp = new float[f.packedSize(k, n)];
        f.pack(b, 0, n, 1, k, n, bp, 0, f.panels(n));
        double[] t = new double[reps];
        // thread CPU time, not wall time: the shared 2-core machine is often loaded by other builds
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int i = -5; i < reps; i++) {
            long t0 = mx.getCurrentThreadCpuTime();
            if (at) f.gemm(a, 0, 1, m, m, k, bp, 0, n, 0, f.panels(n), c, 0, n, false, null);
            else f.gemm(a, 0, k, 1, m, k, bp, 0, n, 0, f.panels(n), c, 0, n, false, null);
            if (i >= 0) t[i] = (mx.getCurrentThreadCpuTime() - t0) / 1e9;
        }
        Arrays.sort(t);
        System.out.println(String.format(Locale.ROOT, "M=%d K=%d N=%d  median %.3f ms  %.1f GFLOP/s  best %.1f", m, k, n,
                t[reps / 2] * 1e3, 2.0 * m * k * n / t[reps / 2] / 1e9, 2.0 * m * k * n / t[0] / 1e9));
    }
}
