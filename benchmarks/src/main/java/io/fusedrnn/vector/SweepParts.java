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
 * Where an fp32 forward sweep's CPU time goes: the whole sweep on 1 and on 2 workers (thread CPU
 * time of every worker, spin-waits included) beside its parts run alone on one thread (thread CPU time): the input
 * projection GEMM, the recurrent GEMMs of all steps, the cells of all steps; and a training step
 * (forward with reserve + backward) on 1 and 2 workers against the forward. Medians of {@code reps}.
 * Usage: {@code SweepParts [cell=lstm|gru] [B T I H] [reps]} (defaults: lstm 64 50 512 512, 15).
 */
public final class SweepParts {
    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private SweepParts() {
    }

    /** Runs the probe; see the class comment for the arguments. */
    public static void main(String[] args) {
        ProbeArgs a = ProbeArgs.parse(args, 15);
        String cell = a.cell();
        int b = a.b(), t = a.t(), in = a.in(), h = a.h(), reps = a.reps();
        boolean lstm = a.lstm();
        LayerSpec spec = a.spec();
        int g = spec.cell().gates(), gh = g * h;
        FloatMath k = new FloatMath();
        Random rnd = new Random(1);
        float[] x = rand(rnd, t * b * in), wih = rand(rnd, in * gh), whh = rand(rnd, h * gh), hState = rand(rnd, b * h);
        float[] wihT = new float[k.packedSize(in, gh)], whhT = new float[k.packedSize(h, gh)];
        k.pack(wih, 0, gh, 1, in, gh, wihT, 0, k.panels(gh));
        k.pack(whh, 0, gh, 1, h, gh, whhT, 0, k.panels(gh));
        float[] xp = new float[t * b * gh], hp = new float[b * gh], bias = new float[gh];
        // the cells run over whole vectors of units, as the library pads them (VecLayer): hu units, their own rows
        int hu = (h + FloatGemm.L - 1) / FloatGemm.L * FloatGemm.L, ghu = g * hu;
        boolean whole = hu == h; // then the cells read what the two GEMMs wrote, as before
        float[] xpFresh = whole ? null : rand(rnd, t * b * ghu), xpu = whole ? xp : new float[t * b * ghu], hpu = whole ? hp : rand(rnd, b * ghu);
        float[] c = new float[b * hu], hn = new float[b * hu], hStateU = whole ? hState : rand(rnd, b * hu), biasu = whole ? bias : new float[ghu];
        double flops = spec.forwardFlops(t, b);
        System.out.printf("%s B%d T%d I%d H%d, %.2f GFLOP per sweep, %s%n", cell, b, t, in, h, flops / 1e9, FloatGemm.describe());

        long[] proj = new long[reps], rec = new long[reps], cells = new long[reps], one = new long[reps], two = new long[reps], wall2 = new long[reps];
        long[] train1 = new long[reps], train2 = new long[reps];
        try (Backend be1 = new VectorBackend(1); Backend be2 = new VectorBackend(2);
             PreparedLayer l1 = be1.prepare(LayerWeights.random(spec, 3), Precision.FP32);
             PreparedLayer l2 = be2.prepare(LayerWeights.random(spec, 3), Precision.FP32);
             Tensor x1 = be1.upload(Precision.FP32, x, t, b, in); Tensor y1 = be1.allocate(Precision.FP32, t, b, h);
             Tensor x2 = be2.upload(Precision.FP32, x, t, b, in); Tensor y2 = be2.allocate(Precision.FP32, t, b, h);
             Tensor dy1 = be1.upload(Precision.FP32, rand(rnd, t * b * h), t, b, h); Tensor dx1 = be1.allocate(Precision.FP32, t, b, in);
             Tensor dy2 = be2.upload(Precision.FP32, rand(rnd, t * b * h), t, b, h); Tensor dx2 = be2.allocate(Precision.FP32, t, b, in)) {
            for (int r = -3; r < reps; r++) {
                int i = Math.max(r, 0);
                if (!whole) System.arraycopy(xpFresh, 0, xpu, 0, xpu.length); // the cells' inputs, not yet activated
                long c0 = THREADS.getCurrentThreadCpuTime();
                k.gemm(x, 0, in, 1, t * b, in, wihT, 0, gh, 0, k.panels(gh), xp, 0, gh, false, bias);
                long c1 = THREADS.getCurrentThreadCpuTime();
                for (int s = 0; s < t; s++) k.gemm(hState, 0, h, 1, b, h, whhT, 0, gh, 0, k.panels(gh), hp, 0, gh, false, null);
                long c2 = THREADS.getCurrentThreadCpuTime();
                for (int s = 0; s < t; s++) {
                    for (int row = 0; row < b; row++) {
                        int xo = (s * b + row) * ghu;
                        if (lstm) {
                            k.lstmGates(hu, 0, hu, xpu, xo, hpu, row * ghu, hu, hu, 0);
                            k.lstmCell(hu, 0, hu, xpu, xo, c, row * hu, hn, row * hu);
                        } else {
                            k.gruForward(hu, 0, hu, xpu, xo, hpu, row * ghu, biasu, hStateU, row * hu, hn, row * hu);
                        }
                    }
                }
                long c3 = THREADS.getCurrentThreadCpuTime();
                long p0 = THREADS.getCurrentThreadCpuTime();
                try (SweepResult ignored = be1.forward(l1, Sweep.of(x1), y1, 0, false)) {
                    p0 = THREADS.getCurrentThreadCpuTime() - p0;
                }
                long p1 = workersCpu(), w1 = System.nanoTime();
                try (SweepResult ignored = be2.forward(l2, Sweep.of(x2), y2, 0, false)) {
                    w1 = System.nanoTime() - w1;
                    p1 = workersCpu() - p1;
                }
                long q0 = THREADS.getCurrentThreadCpuTime();
                train(be1, l1, x1, y1, dy1, dx1);
                q0 = THREADS.getCurrentThreadCpuTime() - q0;
                long q1 = workersCpu();
                train(be2, l2, x2, y2, dy2, dx2);
                q1 = workersCpu() - q1;
                train1[i] = q0;
                train2[i] = q1;
                proj[i] = c1 - c0;
                rec[i] = c2 - c1;
                cells[i] = c3 - c2;
                one[i] = p0;
                two[i] = p1;
                wall2[i] = w1;
            }
        }
        double pm = med(proj), rm = med(rec), cm = med(cells), om = med(one), tm = med(two);
        double projFlops = 2.0 * t * b * in * gh, recFlops = 2.0 * t * b * h * gh; // the two GEMMs' shares (equal only when I = H)
        System.out.printf("input projection GEMM  %8.2f ms CPU  %6.1f GFLOP/s per core%n", pm / 1e6, projFlops / pm);
        System.out.printf("recurrent GEMMs (all T)%8.2f ms CPU  %6.1f GFLOP/s per core%n", rm / 1e6, recFlops / rm);
        System.out.printf("cells (all T)          %8.2f ms CPU%n", cm / 1e6);
        System.out.printf("sum of parts           %8.2f ms CPU%n", (pm + rm + cm) / 1e6);
        System.out.printf("sweep, 1 worker        %8.2f ms CPU  (rest %+.2f ms)%n", om / 1e6, (om - pm - rm - cm) / 1e6);
        System.out.printf("sweep, 2 workers       %8.2f ms CPU  (over 1 worker %+.2f ms), wall median %.2f ms, %.1f GFLOP/s%n",
                tm / 1e6, (tm - om) / 1e6, med(wall2) / 1e6, flops / med(wall2));
        System.out.printf("training step, 1 worker %7.2f ms CPU  (%.2f x forward)%n", med(train1) / 1e6, med(train1) / om);
        System.out.printf("training step, 2 workers%7.2f ms CPU  (%.2f x forward)%n", med(train2) / 1e6, med(train2) / tm);
        System.out.printf("load average %.2f%n", OS.getSystemLoadAverage());
    }

    /** A training forward and its backward. */
    private static void train(Backend be, PreparedLayer l, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        Sweep sw = Sweep.of(x);
        try (SweepResult f = be.forward(l, sw, y, 0, true);
             io.fusedrnn.Gradients g = be.backward(l, sw, f.reserve(), dy, 0, null, null, dx)) {
            if (g.dWhh() == null) throw new IllegalStateException("no dW_hh");
        }
    }

    /** CPU time of this thread plus the 2-worker backend's other worker (the only pool thread alive). */
    private static long workersCpu() {
        long sum = THREADS.getCurrentThreadCpuTime();
        for (Thread th : Thread.getAllStackTraces().keySet()) {
            if (th.getName().startsWith("fusedrnn-vector-")) sum += THREADS.getThreadCpuTime(th.threadId());
        }
        return sum;
    }

    private static float[] rand(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * 0.05);
        return a;
    }

    private static double med(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
