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
import java.util.Locale;
import java.util.Random;

/**
 * A quick timing harness for the vector backend (not a test): median wall and process-CPU ms and GFLOP/s
 * of forward and of a training step (forward with reserve + backward, counted as 3× forward FLOPs) on
 * The shapes of docs/DESIGN.md, Performance model. CPU time shows the kernels' efficiency when other work shares the 2 cores.
 * Usage: java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes
 * io.fusedrnn.vector.VectorBench [cells=lstm,gru] [shapes=latency,batch,large] [modes=fwd,train] [reps=N] [prec=fp32] [gap=ms]
 * (gap: a sleep before each timed run, as bench makes between interleaved contenders)
 */
public final class VectorBench {
    public static void main(String[] args) {
        String cells = "lstm,gru", shapes = "latency,batch,large", modes = "fwd,train", prec = "fp32";
        int reps = 0, gap = 0, threads = Runtime.getRuntime().availableProcessors();
        for (String a : args) {
            String[] kv = a.split("=", 2);
            switch (kv[0]) {
                case "cells" -> cells = kv[1];
                case "shapes" -> shapes = kv[1];
                case "modes" -> modes = kv[1];
                case "reps" -> reps = Integer.parseInt(kv[1]);
                case "gap" -> gap = Integer.parseInt(kv[1]);
                case "prec" -> prec = kv[1];
                case "threads" -> threads = Integer.parseInt(kv[1]);
                default -> throw new IllegalArgumentException(a);
            }
        }
        Precision p = Precision.parse(prec);
        System.out.println("cell  shape    B    T    H   mode   wall_ms  GFLOP/s    cpu_ms  GFLOP/s/cpu-s   best_ms  GFLOP/s  (" + p + ", " + threads
                + " threads; cpu = process CPU time, all threads, 10 ms ticks)");
        try (Backend be = new VectorBackend(threads)) {
            for (String cell : cells.split(",")) {
                for (String shape : shapes.split(",")) {
                    int[] d = switch (shape) {
                        case "latency" -> new int[] {1, 100, 256};
                        case "batch" -> new int[] {64, 50, 512};
                        case "large" -> new int[] {256, 25, 1024};
                        default -> throw new IllegalArgumentException(shape);
                    };
                    run(be, p, cell, shape, d[0], d[1], d[2], modes, reps, gap);
                }
            }
        }
    }

    private static void run(Backend be, Precision p, String cell, String shape, int B, int T, int H, String modes, int reps, int gap) {
        LayerSpec s = cell.equals("lstm") ? LayerSpec.lstm(H, H) : LayerSpec.gru(H, H, true);
        Random rnd = new Random(1);
        double[] xs = new double[T * B * H];
        for (int i = 0; i < xs.length; i++) xs[i] = rnd.nextGaussian();
        boolean doFwd = modes.contains("fwd"), doTrain = modes.contains("train");
        double flops = s.forwardFlops(T, B);
        if (reps == 0) reps = Math.max(5, Math.min(100, (int) (1e10 / flops)));
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        try (PreparedLayer layer = be.prepare(LayerWeights.random(s, 2), p);
             Tensor x = be.upload(p, xs, T, B, H);
             Tensor y = be.allocate(p, T, B, H);
             Tensor dy = be.upload(p, xs, T, B, H);
             Tensor dx = be.allocate(p, T, B, H)) {
            Sweep sw = Sweep.of(x);
            // forward and training steps alternate, so both see the same load on this shared machine;
            // warm-up runs at least 3 rounds and 2 s, so C2 has compiled the kernels before timing
            double[][] wall = new double[2][reps], cpu = new double[2][reps];
            long warmEnd = System.nanoTime() + 2_000_000_000L;
            for (int i = -3; i < reps; i++) {
                if (i == -1 && System.nanoTime() < warmEnd) i = -2;
                for (int m = 0; m < 2; m++) {
                    if (m == 0 ? !doFwd : !doTrain) continue;
                    if (gap > 0) {
                        try {
                            Thread.sleep(gap);
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                    long c0 = os.getProcessCpuTime(), t0 = System.nanoTime();
                    step(be, layer, sw, y, dy, dx, m == 1);
                    if (i >= 0) {
                        wall[m][i] = (System.nanoTime() - t0) / 1e6;
                        cpu[m][i] = (os.getProcessCpuTime() - c0) / 1e6;
                    }
                }
            }
            for (int m = 0; m < 2; m++) {
                if (m == 0 ? !doFwd : !doTrain) continue;
                Arrays.sort(wall[m]);
                Arrays.sort(cpu[m]);
                double med = wall[m][reps / 2], f = flops * (m == 1 ? 3 : 1);
                // medians, and the best run: on this shared machine the best is the closest to a quiet one
                System.out.println(String.format(Locale.ROOT, "%-5s %-8s %4d %4d %4d   %-5s %9.3f %8.1f %9.3f %8.1f %13.3f %8.1f",
                        cell, shape, B, T, H, m == 0 ? "fwd" : "train", med, f / med / 1e6, cpu[m][reps / 2],
                        f / cpu[m][reps / 2] / 1e6, wall[m][0], f / wall[m][0] / 1e6));
            }
        }
    }

    private static void step(Backend be, PreparedLayer layer, Sweep sw, Tensor y, Tensor dy, Tensor dx, boolean train) {
        try (SweepResult r = be.forward(layer, sw, y, 0, train)) {
            if (train) {
                try (Gradients g = be.backward(layer, sw, r.reserve(), dy, 0, null, null, dx)) {
                    // closed at once: the timing includes allocating the gradient tensors
                }
            }
        }
    }
}
