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

import java.util.Arrays;
import java.util.Random;

/**
 * Splitting a step by units against splitting it by rows ({@link Recurrence.Split}), in one JVM: two
 * 2-worker vector backends on the same layer ({@code -Dsplitab.modes=A,B} picks two other splits, a mode
 * ending in {@code -upfront} projects all steps first in an inference; {@code -Dsplitab.workers=N}),
 * alternating every round (the order flips each round), each round the best of 3 sweeps; prints both
 * medians and the per-round ratio's median and range, for the forward (inference) and, with
 * {@code train}, the training step (forward with reserve + backward).
 * Usage: {@code SplitAB cell B T I H [rounds] [train|ragged]}, cell lstm, gru (linear-before-reset) or
 * gru-rb; {@code ragged} gives the rows lengths drawn uniformly from T/4..T (the serving batch's 20..80
 * at T = 80), inference only.
 */
public final class SplitAB {
    private SplitAB() {
    }

    /** Runs the comparison; see the class comment for the arguments. */
    public static void main(String[] a) {
        String cell = a[0];
        int b = Integer.parseInt(a[1]), t = Integer.parseInt(a[2]), in = Integer.parseInt(a[3]), h = Integer.parseInt(a[4]);
        int rounds = a.length > 5 ? Integer.parseInt(a[5]) : 15;
        boolean train = a.length > 6 && a[6].equals("train"), ragged = a.length > 6 && a[6].equals("ragged");
        LayerSpec spec = cell.equals("lstm") ? LayerSpec.lstm(in, h) : LayerSpec.gru(in, h, !cell.equals("gru-rb"));
        Random rnd = new Random(1);
        float[] x = new float[t * b * in], dy = new float[t * b * h];
        for (int i = 0; i < x.length; i++) x[i] = rnd.nextFloat() * 2 - 1;
        for (int i = 0; i < dy.length; i++) dy[i] = rnd.nextFloat() * 0.1f;
        int[] lengths = new int[b];
        for (int i = 0; i < b; i++) lengths[i] = ragged ? t / 4 + rnd.nextInt(t - t / 4 + 1) : t;
        // -Dsplitab.modes=ROWS,GROUPS compares two others; a mode ending in -upfront makes an inference
        // project all steps first instead of each step's rows in the step (Recurrence#projectSteps)
        String[] named = System.getProperty("splitab.modes", "UNITS,ROWS").split(",");
        int workers = Integer.getInteger("splitab.workers", 2);
        double[][] ms = new double[2][rounds];
        Backend[] be = new Backend[2];
        PreparedLayer[] l = new PreparedLayer[2];
        Tensor[] xt = new Tensor[2], y = new Tensor[2], dyt = new Tensor[2], dx = new Tensor[2];
        try {
            for (int m = 0; m < 2; m++) {
                String mode = named[m].trim();
                boolean upFront = mode.endsWith("-upfront");
                be[m] = new VectorBackend(workers, Recurrence.Split.valueOf(upFront ? mode.substring(0, mode.length() - 8) : mode), !upFront);
                l[m] = be[m].prepare(LayerWeights.random(spec, 3), Precision.FP32);
                xt[m] = be[m].upload(Precision.FP32, x, t, b, in);
                y[m] = be[m].allocate(Precision.FP32, t, b, h);
                dyt[m] = be[m].upload(Precision.FP32, dy, t, b, h);
                dx[m] = be[m].allocate(Precision.FP32, t, b, in);
            }
            for (int r = -3; r < rounds; r++) {
                for (int k = 0; k < 2; k++) {
                    int m = (r & 1) == 0 ? k : 1 - k;
                    double best = Double.MAX_VALUE;
                    for (int rep = 0; rep < 3; rep++) {
                        long t0 = System.nanoTime();
                        Sweep sw = new Sweep(xt[m], null, null, lengths, false);
                        try (SweepResult f = be[m].forward(l[m], sw, y[m], 0, train)) {
                            if (train) {
                                try (Gradients g = be[m].backward(l[m], sw, f.reserve(), dyt[m], 0, null, null, dx[m])) {
                                    if (g.dWhh() == null) throw new IllegalStateException("no dW_hh");
                                }
                            }
                        }
                        best = Math.min(best, (System.nanoTime() - t0) / 1e6);
                    }
                    if (r >= 0) ms[m][r] = best;
                }
            }
        } finally {
            for (int m = 0; m < 2; m++) {
                for (Tensor z : new Tensor[] {xt[m], y[m], dyt[m], dx[m]}) if (z != null) z.close();
                if (l[m] != null) l[m].close();
                if (be[m] != null) be[m].close();
            }
        }
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) ratio[r] = ms[1][r] / ms[0][r];
        Arrays.sort(ratio);
        System.out.printf("%s B%d T%d I%d H%d %s, %d workers: %s %.2f ms, %s %.2f ms (medians); second / first per round: median %.3f (%.3f .. %.3f)%n",
                cell, b, t, in, h, train ? "train" : ragged ? "forward, ragged" : "forward", workers, named[0].trim(), med(ms[0]),
                named[1].trim(), med(ms[1]), ratio[rounds / 2], ratio[0], ratio[rounds - 1]);
    }

    private static double med(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
