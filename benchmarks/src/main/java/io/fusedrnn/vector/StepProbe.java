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
 * Where a B = 1 recurrent step's time goes (issue 11, the step): the library's fp32 sweep on 1 and 2
 * workers (wall per step), and a replica of the LSTM forward step loop on two workers, stamped with
 * {@link System#nanoTime} per phase on each worker: the recurrent GEMV of the worker's units, the cell,
 * and the rest (waiting for the other worker, claiming chunks, the hand-over of h). The replica runs
 * the library's own pieces (pool, GEMM, cell) in the step layout the library uses, so its figures
 * and the sweep's must agree; the sweep is the one that counts. Medians over {@code reps}.
 * Usage: {@code StepProbe [lstm|gru|kernels] [H] [T] [reps] [split]} (defaults: lstm 256 100 41; the
 * replica and the kernels alone only with {@code split}, or {@code kernels} for the kernels alone).
 */
public final class StepProbe {
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private StepProbe() {
    }

    /** Runs the probe; see the class comment for the arguments. */
    public static void main(String[] args) {
        String cell = args.length > 0 ? args[0] : "lstm";
        int h = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        int t = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        int reps = args.length > 3 ? Integer.parseInt(args[3]) : 41;
        boolean lstm = cell.equals("lstm");
        if (!lstm && !cell.equals("gru") && !cell.equals("kernels")) throw new IllegalArgumentException("cell: expected lstm, gru or kernels, found " + cell);
        if (cell.equals("kernels")) {
            kernels(h, reps);
            return;
        }
        LayerSpec spec = lstm ? LayerSpec.lstm(h, h) : LayerSpec.gru(h, h, true);
        System.out.printf("%s B1 T%d I=H=%d fp32, %s, load average %.2f%n", cell, t, h, FloatGemm.describe(), OS.getSystemLoadAverage());
        Random rnd = new Random(1);
        float[] x = new float[t * h];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * 0.5);
        long[] one = new long[reps], two = new long[reps];
        try (Backend be1 = new VectorBackend(1); Backend be2 = new VectorBackend(2);
             PreparedLayer l1 = be1.prepare(LayerWeights.random(spec, 3), Precision.FP32);
             PreparedLayer l2 = be2.prepare(LayerWeights.random(spec, 3), Precision.FP32);
             Tensor x1 = be1.upload(Precision.FP32, x, t, 1, h); Tensor y1 = be1.allocate(Precision.FP32, t, 1, h);
             Tensor x2 = be2.upload(Precision.FP32, x, t, 1, h); Tensor y2 = be2.allocate(Precision.FP32, t, 1, h)) {
            // warm-up: a few seconds, so C2 has compiled the GEMM strips and the cells
            long until = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < until) {
                sweep(be1, l1, x1, y1);
                sweep(be2, l2, x2, y2);
            }
            for (int r = 0; r < reps; r++) {
                one[r] = best(be1, l1, x1, y1);
                two[r] = best(be2, l2, x2, y2);
            }
        }
        System.out.printf("library sweep, 1 worker : %7.1f us (%5.2f us per step)%n", med(one) / 1e3, med(one) / 1e3 / t);
        System.out.printf("library sweep, 2 workers: %7.1f us (%5.2f us per step)%n", med(two) / 1e3, med(two) / 1e3 / t);
        if (lstm && args.length > 4 && args[4].equals("split")) {
            kernels(h, reps);
            split(h, t, reps);
        }
    }

    /** The fastest of 50 sweeps, in ns (the host is shared: the minimum of a short burst is the sweep's own cost). */
    private static long best(Backend be, PreparedLayer l, Tensor x, Tensor y) {
        long b = Long.MAX_VALUE;
        for (int i = 0; i < 50; i++) b = Math.min(b, sweep(be, l, x, y));
        return b;
    }

    private static long sweep(Backend be, PreparedLayer l, Tensor x, Tensor y) {
        long t0 = System.nanoTime();
        try (SweepResult ignored = be.forward(l, Sweep.of(x), y, 0, false)) {
            return System.nanoTime() - t0;
        }
    }

    /**
     * The LSTM step loop of {@link LstmRecurrence} on two workers, with stamps: per worker and step,
     * the GEMV ns, the cell ns and the step's whole ns (from leaving the last step to leaving this one).
     * Three ways to share a step: the library's {@link Phase} (chunks claimed, own first) with chunks
     * of 2 and of 4 panels, and static halves with a barrier on two padded counters.
     */
    private static void split(int h, int t, int reps) {
        FloatMath k = new FloatMath();
        Random rnd = new Random(2);
        int gh = 4 * h, stride = k.packedSize(h, h);
        float[] whhT = new float[4 * stride];
        for (int i = 0; i < whhT.length; i++) whhT[i] = (float) (rnd.nextGaussian() * 0.05);
        float[] xp0 = new float[t * gh];
        for (int i = 0; i < xp0.length; i++) xp0[i] = (float) rnd.nextGaussian();
        float[] xp = new float[t * gh], hp = new float[gh], c = new float[h], h0 = new float[h], h1 = new float[h];
        WorkerPool pool = new WorkerPool(2);
        String[] modes = {"phase, chunks of 2 panels", "phase, chunks of 4 panels", "static halves, padded barrier"};
        int np = k.panels(h);
        Recurrence.Cols[] cols = {new Recurrence.Cols(h, np, Math.max(1, Math.min(4, np / 4)), k.panelWidth()),
                new Recurrence.Cols(h, np, Math.max(1, Math.min(4, np / 2)), k.panelWidth()),
                new Recurrence.Cols(h, np, (np + 1) / 2, k.panelWidth())};
        long[][][] gemv = new long[3][2][reps], cellNs = new long[3][2][reps], step = new long[3][2][reps];
        int[][] foreign = new int[3][2];
        try {
            for (int r = -20; r < reps; r++) {
                for (int mode = 0; mode < 3; mode++) {
                    System.arraycopy(xp0, 0, xp, 0, xp.length);
                    Recurrence.Cols units = cols[mode];
                    Phase phase = new Phase(pool, units.count());
                    java.util.concurrent.atomic.AtomicLongArray flags = new java.util.concurrent.atomic.AtomicLongArray(32);
                    java.util.concurrent.atomic.AtomicInteger arrived = new java.util.concurrent.atomic.AtomicInteger();
                    long[][] acc = new long[2][3];
                    int md = mode, rr = r;
                    pool.run(w -> {
                        arrived.incrementAndGet();
                        while (arrived.get() < 2) Thread.onSpinWait();
                        long last = System.nanoTime();
                        long[] a = acc[w];
                        for (int kk = 0; kk < t; kk++) {
                            float[] hc = kk % 2 == 0 ? h0 : h1, hn = kk % 2 == 0 ? h1 : h0;
                            int xo = kk * gh;
                            Phase.Body body = ch -> {
                                long s0 = System.nanoTime();
                                int p0 = units.p0(ch), p1 = units.p1(ch), u0 = units.j0(ch), u1 = units.j1(ch);
                                for (int g = 0; g < 4; g++) k.gemm(hc, 0, h, 1, 1, h, whhT, g * stride, h, p0, p1, hp, g * h, gh, false, null);
                                long s1 = System.nanoTime();
                                k.lstmGates(h, u0, u1, xp, xo, hp, u0, h, u1 - u0, 0);
                                k.lstmCell(h, u0, u1, xp, xo, c, 0, hn, 0);
                                long s2 = System.nanoTime();
                                a[0] += s1 - s0;
                                a[1] += s2 - s1;
                                if (rr >= 0 && (StepTimes.split(units.count(), w, 2) > ch || StepTimes.split(units.count(), w + 1, 2) <= ch)) {
                                    foreign[md][w]++;
                                }
                            };
                            if (md < 2) {
                                phase.run(w, kk, body);
                            } else {
                                body.run(w);
                                flags.set(16 * w, kk + 1);
                                while (flags.get(16 * (1 - w)) < kk + 1) Thread.onSpinWait();
                            }
                            long now = System.nanoTime();
                            a[2] += now - last;
                            last = now;
                        }
                    });
                    if (r < 0) continue;
                    for (int w = 0; w < 2; w++) {
                        gemv[mode][w][r] = acc[w][0];
                        cellNs[mode][w][r] = acc[w][1];
                        step[mode][w][r] = acc[w][2];
                    }
                }
            }
        } finally {
            pool.shutdown();
        }
        for (int mode = 0; mode < 3; mode++) {
            System.out.printf("replica, %s (%d chunks), per step, medians:%n", modes[mode], cols[mode].count());
            for (int w = 0; w < 2; w++) {
                double g = med(gemv[mode][w]) / t, ce = med(cellNs[mode][w]) / t, s = med(step[mode][w]) / t;
                System.out.printf("  worker %d: step %6.2f us = GEMV %5.2f + cell %5.2f + rest %5.2f (wait, hand-out, stamps); other's chunks run: %d%n",
                        w, s / 1e3, g / 1e3, ce / 1e3, (s - g - ce) / 1e3, foreign[mode][w]);
            }
        }
    }

    /**
     * One worker's share of a B = 1 LSTM step alone on this thread, hot in cache: the GEMV of half the
     * units (all four gates) through the library's GEMM in chunks of 2 and of 4 panels, prototypes of
     * the same products on other weight layouts, and the cell on those units. ns per step, medians.
     */
    private static void kernels(int h, int reps) {
        FloatMath k = new FloatMath();
        Random rnd = new Random(4);
        int nr = k.panelWidth(), np = k.panels(h), half = np / 2, stride = k.packedSize(h, h), gh = 4 * h, hu = h / 2;
        float[] whhT = new float[4 * stride];
        for (int i = 0; i < whhT.length; i++) whhT[i] = (float) (rnd.nextGaussian() * 0.05);
        // the same half as one stream per gate: for each k the gate's 4 panels side by side (128 columns)
        float[] wide = new float[4 * h * hu];
        for (int g = 0; g < 4; g++) {
            for (int kk = 0; kk < h; kk++) {
                for (int j = 0; j < hu; j++) wide[(g * h + kk) * hu + j] = whhT[g * stride + (j / nr) * h * nr + kk * nr + j % nr];
            }
        }
        float[] hv = new float[h], hp = new float[gh], hq = new float[gh], xp = new float[gh], c = new float[h], hn = new float[h];
        for (int i = 0; i < h; i++) hv[i] = (float) rnd.nextGaussian();
        for (int i = 0; i < gh; i++) xp[i] = (float) rnd.nextGaussian();
        String[] names = {"library GEMM, 4 gates x 2 calls of 2 panels (strip1)", "library GEMM, 4 gates x 1 call of 4 panels (strip4)",
                "prototype: one stream per gate, 8 accumulators", "cell (gates + state) on the half's units"};
        long[][] ns = new long[names.length][reps];
        int inner = 200;
        for (int r = -30; r < reps; r++) {
            for (int v = 0; v < names.length; v++) {
                long t0 = System.nanoTime();
                for (int n = 0; n < inner; n++) {
                    switch (v) {
                        case 0 -> {
                            for (int g = 0; g < 4; g++) {
                                for (int p = 0; p < half; p += 2) k.gemm(hv, 0, h, 1, 1, h, whhT, g * stride, h, p, p + 2, hp, g * h, gh, false, null);
                            }
                        }
                        case 1 -> {
                            for (int g = 0; g < 4; g++) k.gemm(hv, 0, h, 1, 1, h, whhT, g * stride, h, 0, half, hp, g * h, gh, false, null);
                        }
                        case 2 -> {
                            if (hu == 8 * FloatGemm.L) for (int g = 0; g < 4; g++) wide8(hv, h, wide, g * h * hu, hq, g * h);
                        }
                        default -> {
                            System.arraycopy(xp, 0, hq, 0, gh);
                            k.lstmGates(h, 0, hu, hq, 0, hp, 0, h, hu, 0);
                            k.lstmCell(h, 0, hu, hq, 0, c, 0, hn, 0);
                        }
                    }
                }
                if (r >= 0) ns[v][r] = (System.nanoTime() - t0) / inner;
            }
        }
        for (int g = 0; g < 4; g++) {
            for (int j = 0; j < hu; j++) {
                if (hu == 8 * FloatGemm.L && hp[g * h + j] != hq[g * h + j] && hq[g * h + j] == hq[g * h + j]) {
                    // the cell case overwrote hq; recompute the prototype for the check
                    wide8(hv, h, wide, g * h * hu, hq, g * h);
                    if (hp[g * h + j] != hq[g * h + j]) throw new IllegalStateException("prototype differs at gate " + g + " unit " + j);
                }
            }
        }
        System.out.printf("one worker's share alone (%d units x 4 gates, %d KiB of W_hh), ns per step, medians:%n", hu, 4 * h * hu * 4 / 1024);
        for (int v = 0; v < names.length; v++) {
            double m = med(ns[v]);
            String rate = v < 3 ? String.format("  (%.1f B/ns of weights)", 4.0 * 4 * h * hu / m) : "";
            System.out.printf("  %-55s %8.0f%s%n", names[v], m, rate);
        }
    }

    /** c[co + j] = Σ_k h[k] · w[wo + k·128 + j] for j < 128 (whole vectors of 512 bits), k in order. */
    private static void wide8(float[] h, int k, float[] w, int wo, float[] c, int co) {
        jdk.incubator.vector.VectorSpecies<Float> s = FloatGemm.S;
        int l = s.length(), n = 8 * l;
        jdk.incubator.vector.FloatVector c0 = jdk.incubator.vector.FloatVector.zero(s), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        for (int kk = 0; kk < k; kk++) {
            jdk.incubator.vector.FloatVector x = jdk.incubator.vector.FloatVector.broadcast(s, h[kk]);
            int o = wo + kk * n;
            c0 = x.fma(jdk.incubator.vector.FloatVector.fromArray(s, w, o), c0);
            c1 = x.fma(jdk.incubator.vector.FloatVector.fromArray(s, w, o + l), c1);
            c2 = x.fma(jdk.incubator.vector.FloatVector.fromArray(s, w, o + 2 * l), c2);
            c3 = x.fma(jdk.incubator.vector.FloatVector.fromArray(s, w, o + 3 * l), c3);
            c4 = x.fma(jdk.incubator.vector.FloatVector.fromArray(s, w, o + 4 * l), c4);
            c5 = x.fma(jdk.incubator.vector.FloatVector.fromArray(s, w, o + 5 * l), c5);
            c6 = x.fma(jdk.incubator.vector.FloatVector.fromArray(s, w, o + 6 * l), c6);
            c7 = x.fma(jdk.incubator.vector.FloatVector.fromArray(s, w, o + 7 * l), c7);
        }
        c0.intoArray(c, co);
        c1.intoArray(c, co + l);
        c2.intoArray(c, co + 2 * l);
        c3.intoArray(c, co + 3 * l);
        c4.intoArray(c, co + 4 * l);
        c5.intoArray(c, co + 5 * l);
        c6.intoArray(c, co + 6 * l);
        c7.intoArray(c, co + 7 * l);
    }

    private static double med(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
