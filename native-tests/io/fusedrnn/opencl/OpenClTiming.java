package io.fusedrnn.opencl;

import io.fusedrnn.Cell;
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
 * Times one-layer fp32 forward sweeps on the default OpenCL device at the standard shapes of
 * docs/DESIGN.md, Performance model, and
 * prints median ms and GFLOP/s (LayerSpec.forwardFlops). A main, not a test: timings on a shared
 * machine are for reading, not asserting. Args: shape names (latency, batch, large); default the first two.
 * Add "train" to time forward(training) + backward instead.
 */
public final class OpenClTiming {
    private OpenClTiming() {
    }

    public static void main(String[] args) {
        boolean train = Arrays.asList(args).contains("train");
        String[] shapes = Arrays.stream(args).filter(a -> !a.equals("train")).toArray(String[]::new);
        if (shapes.length == 0) shapes = new String[] {"latency", "batch"};
        try (OpenClBackend cl = OpenClBackend.open(System.getenv().getOrDefault("FUSEDRNN_OPENCL_DEVICE", ""))) {
            System.out.println(cl.description());
            for (String shape : shapes) {
                int[] s = switch (shape) {
                    case "latency" -> new int[] {1, 100, 256};
                    case "batch" -> new int[] {64, 50, 512};
                    case "large" -> new int[] {256, 25, 1024};
                    case "overhead" -> new int[] {1, 100, 8}; // nearly no arithmetic: what 100 steps cost in launches
                    case "latency-h64" -> new int[] {1, 100, 64};
                    default -> throw new IllegalArgumentException(shape);
                };
                for (Cell cell : Cell.values()) time(cl, cell, shape, s[0], s[1], s[2], train);
            }
        }
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static void time(OpenClBackend cl, Cell cell, String shape, int batch, int steps, int size, boolean train) {
        LayerSpec spec = cell == Cell.LSTM ? LayerSpec.lstm(size, size) : LayerSpec.gru(size, size, true);
        Precision p = Precision.FP32;
        double[] x = new double[steps * batch * size];
        Random rnd = new Random(1);
        for (int i = 0; i < x.length; i++) x[i] = rnd.nextGaussian();
        try (PreparedLayer layer = cl.prepare(LayerWeights.random(spec, 1), p);
             Tensor tx = cl.upload(p, x, steps, batch, size);
             Tensor y = cl.allocate(p, steps, batch, size);
             Tensor dx = cl.allocate(p, steps, batch, size)) {
            int runs = shape.startsWith("latency") || shape.equals("overhead") ? 15 : 7;
            double[] ms = new double[runs];
            long cpu0 = 0;
            for (int r = -2; r < runs; r++) { // two warm-up runs build programs and fault pages in
                if (r == 0) cpu0 = cpuNanos();
                long t0 = System.nanoTime();
                try (SweepResult res = cl.forward(layer, Sweep.of(tx), y, 0, train)) {
                    if (train) {
                        cl.backward(layer, Sweep.of(tx), res.reserve(), y, 0, null, null, dx).close();
                    }
                    res.hN().toFloatArray(); // blocks until the queue has run
                }
                if (r >= 0) ms[r] = (System.nanoTime() - t0) / 1e6;
            }
            double cpuMs = (cpuNanos() - cpu0) / 1e6 / runs;
            Arrays.sort(ms);
            double median = ms[runs / 2];
            double flops = spec.forwardFlops(steps, batch) * (train ? 3 : 1);
            // on a shared machine the CPU time the process used is the steadier figure of kernel quality
            System.out.printf(Locale.ROOT, "%-4s %-8s B=%-3d T=%-3d I=H=%-4d %s  median %9.2f ms  %7.2f GFLOP/s  %7.2f GFLOP per CPU-s%n",
                    cell, shape, batch, steps, size, train ? "train" : "infer", median, flops / median / 1e6, flops / cpuMs / 1e6);
        }
    }
}
