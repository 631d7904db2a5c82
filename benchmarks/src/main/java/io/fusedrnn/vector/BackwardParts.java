package io.fusedrnn.vector;

import io.fusedrnn.Backend;
import io.fusedrnn.Gradients;
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
 * Where an fp32 training step's CPU time goes, on one thread (issue 11, training ÷ forward): the
 * backward's GEMMs in the layouts the library gives them, each beside the same GEMM reading A from
 * 8-row micro-panels (the layout that made the forward's 8-row tile faster, round 16), the transpose
 * of dA, and the library's own forward, training forward and backward on a 1-worker backend. The
 * backward does twice the forward's GEMM FLOPs (dA·W_hh per step, dx = dA·W_ih, dW_ih = dAᵀ·x,
 * dW_hh = dAᵀ·h), so a training step at 3× its forward needs the backward's GEMMs as fast as the
 * forward's and its cells and transpose paid for by the forward's cells; the last lines say how far
 * the step is from that. Thread CPU time, medians of {@code reps}, the variants alternating.
 * Usage: {@code BackwardParts [lstm|gru] [B T I H] [reps]} (defaults: lstm 64 50 512 512, 9).
 */
public final class BackwardParts {
    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private BackwardParts() {
    }

    /** Runs the probe; see the class comment for the arguments. */
    public static void main(String[] args) {
        ProbeArgs a = ProbeArgs.parse(args, 9);
        String cell = a.cell();
        int b = a.b(), t = a.t(), in = a.in(), h = a.h(), reps = a.reps();
        LayerSpec spec = a.spec();
        int gh = spec.cell().gates() * h, rows = t * b;
        FloatMath k = new FloatMath();
        Random rnd = new Random(1);
        float[] dA = rand(rnd, rows * gh), x = rand(rnd, rows * in), hIn = rand(rnd, rows * h);
        float[] wih = rand(rnd, gh * in), whh = rand(rnd, gh * h);
        // W as the backward reads it: [G·H, I] and [G·H, H] in panels of their columns
        float[] wihP = new float[k.packedSize(gh, in)], whhP = new float[k.packedSize(gh, h)];
        k.pack(wih, 0, in, 1, gh, in, wihP, 0, k.panels(in));
        k.pack(whh, 0, h, 1, gh, h, whhP, 0, k.panels(h));
        float[] dAT = new float[rows * gh], dATiles = new float[rows * gh], sums = new float[gh];
        float[] xPk = new float[k.packedSize(rows, in)], hPk = new float[k.packedSize(rows, h)];
        float[] dWih = new float[gh * in], dWhh = new float[gh * h], dx = new float[rows * in], dh = new float[b * h];
        System.out.printf("%s B%d T%d I%d H%d fp32, one thread, %s, load average %.2f%n", cell, b, t, in, h, FloatGemm.describe(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());

        String[] names = {"transpose dA (+ bias sums)", "dA^T as micro-panels (copy)", "dW_ih, A in place (+ pack x)",
                "dW_ih, A micro-panels (+ pack x)", "dW_hh, A in place (+ pack h)", "dx, A in place", "dx, A micro-panels (+ copy)",
                "steps dA_t·W_hh, in place", "steps, micro-panels (+ copy)"};
        double fW = 2.0 * rows * gh * in, fH = 2.0 * rows * gh * h;
        double[] flops = {0, 0, fW, fW, fH, fW, fW, fH, fH};
        long[][] parts = new long[names.length][reps];
        long[] fwd = new long[reps], trainFwd = new long[reps], bwd = new long[reps];
        try (Backend be = new VectorBackend(1); PreparedLayer l = be.prepare(LayerWeights.random(spec, 3), Precision.FP32);
             Tensor xt = be.upload(Precision.FP32, x, t, b, in); Tensor y = be.allocate(Precision.FP32, t, b, h);
             Tensor dy = be.upload(Precision.FP32, rand(rnd, rows * h), t, b, h); Tensor dxt = be.allocate(Precision.FP32, t, b, in)) {
            for (int r = -3; r < reps; r++) {
                int i = Math.max(r, 0);
                long c = now();
                Arrays.fill(sums, 0);
                k.transposeSums(dA, rows, gh, 0, gh, dAT, sums, 0);
                c = lap(parts[0], i, c);
                // dAᵀ's 8-row tiles are 8 columns of dA: each row's 8 values side by side
                for (int j0 = 0; j0 + 8 <= gh; j0 += 8) {
                    for (int row = 0; row < rows; row++) System.arraycopy(dA, row * gh + j0, dATiles, j0 * rows + row * 8, 8);
                }
                c = lap(parts[1], i, c);
                k.pack(x, 0, in, 1, rows, in, xPk, 0, k.panels(in));
                gradientGemms(k, null, dAT, rows, gh, xPk, in, dWih);
                c = lap(parts[2], i, c);
                k.pack(x, 0, in, 1, rows, in, xPk, 0, k.panels(in));
                gradientGemms(k, gh % 8 == 0 ? dATiles : null, dAT, rows, gh, xPk, in, dWih);
                c = lap(parts[3], i, c);
                k.pack(hIn, 0, h, 1, rows, h, hPk, 0, k.panels(h));
                gradientGemms(k, null, dAT, rows, gh, hPk, h, dWhh);
                c = lap(parts[4], i, c);
                inputGradient(k, null, dA, rows, gh, wihP, in, dx);
                c = lap(parts[5], i, c);
                inputGradient(k, k.rowTiles(1, dA, 0, gh, rows, gh), dA, rows, gh, wihP, in, dx);
                c = lap(parts[6], i, c);
                for (int s = 0; s < t; s++) stepGemms(k, null, dA, s * b * gh, b, gh, whhP, h, dh);
                c = lap(parts[7], i, c);
                for (int s = 0; s < t; s++) stepGemms(k, k.rowTiles(0, dA, s * b * gh, gh, b, gh), dA, s * b * gh, b, gh, whhP, h, dh);
                lap(parts[8], i, c);

                c = now();
                try (SweepResult ignored = be.forward(l, Sweep.of(xt), y, 0, false)) {
                    c = lap(fwd, i, c);
                }
                try (SweepResult f = be.forward(l, Sweep.of(xt), y, 0, true)) {
                    c = lap(trainFwd, i, c);
                    try (Gradients ignored = be.backward(l, Sweep.of(xt), f.reserve(), dy, 0, null, null, dxt)) {
                        lap(bwd, i, c);
                    }
                }
            }
        }
        for (int j = 0; j < names.length; j++) {
            double ms = med(parts[j]) / 1e6;
            System.out.printf("%-34s %8.2f ms%s%n", names[j], ms, flops[j] > 0 ? String.format("  %6.1f GFLOP/s", flops[j] / ms / 1e6) : "");
        }
        double f = med(fwd) / 1e6, tf = med(trainFwd) / 1e6, bw = med(bwd) / 1e6;
        double gemms = (med(parts[2]) + med(parts[4]) + med(parts[5]) + med(parts[7])) / 1e6, tr = med(parts[0]) / 1e6;
        double fwdFlops = spec.forwardFlops(t, b);
        System.out.printf("library, 1 worker: forward %.2f ms (%.1f GFLOP/s), training forward %.2f, backward %.2f: training ÷ forward %.2f%n",
                f, fwdFlops / f / 1e6, tf, bw, (tf + bw) / f);
        System.out.printf("backward = its GEMMs as above %.2f (%.1f GFLOP/s) + transpose %.2f + the rest (cells, carries) %.2f ms%n",
                gemms, 2 * fwdFlops / gemms / 1e6, tr, bw - gemms - tr);
        // the backward's FLOPs are twice the forward's: in twice the forward's time (cells included), the step is at
        // (training forward + 2 forward) ÷ forward, 3 plus what the reserve costs the training forward
        System.out.printf("backward in twice the forward's time (its FLOPs ratio): training ÷ forward %.2f; that needs the backward within %.2f ms%n",
                (tf + 2 * f) / f, 2 * f);
    }

    /** A weight gradient dAᵀ·P ([G·H, n]) in the chunks the library uses on two workers (gradientCols: half the panels, at least 4). */
    private static void gradientGemms(FloatMath k, float[] tiles, float[] dAT, int rows, int gh, float[] packed, int n, float[] dW) {
        int np = k.panels(n), chunk = Math.min(np, Math.max(4, (np + 1) / 2));
        for (int p = 0; p < np; p += chunk) {
            if (tiles != null) k.gemm(tiles, dAT, 0, rows, gh, rows, packed, 0, n, p, Math.min(np, p + chunk), dW, 0, n, false, null);
            else k.gemm(dAT, 0, rows, 1, gh, rows, packed, 0, n, p, Math.min(np, p + chunk), dW, 0, n, false, null);
        }
    }

    /** dx += dA·W_ih over all T·B rows, in the same chunks. */
    private static void inputGradient(FloatMath k, float[] tiles, float[] dA, int rows, int gh, float[] wihP, int in, float[] dx) {
        int np = k.panels(in), chunk = Math.min(np, Math.max(4, (np + 1) / 2));
        for (int p = 0; p < np; p += chunk) {
            k.gemm(tiles, dA, 0, gh, rows, gh, wihP, 0, in, p, Math.min(np, p + chunk), dx, 0, in, true, null);
        }
    }

    /** One step's dh_prev = dA_t·W_hh for B rows, in chunks of up to 4 panels (the step's chunks). */
    private static void stepGemms(FloatMath k, float[] tiles, float[] dA, int off, int b, int gh, float[] whhP, int h, float[] dh) {
        int np = k.panels(h), chunk = Math.max(1, Math.min(4, np / 4));
        for (int p = 0; p < np; p += chunk) {
            k.gemm(tiles, dA, off, gh, b, gh, whhP, 0, h, p, Math.min(np, p + chunk), dh, 0, h, false, null);
        }
    }

    private static long now() {
        return THREADS.getCurrentThreadCpuTime();
    }

    /** Records the CPU time since c at v[i] and returns now. */
    private static long lap(long[] v, int i, long c) {
        long n = now();
        v[i] = n - c;
        return n;
    }

    private static double med(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static float[] rand(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * 0.05);
        return a;
    }
}
