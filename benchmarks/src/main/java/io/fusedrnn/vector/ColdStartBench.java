package io.fusedrnn.vector;

import io.fusedrnn.Backend;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.Precision;
import io.fusedrnn.PreparedLayer;
import io.fusedrnn.Sweep;
import io.fusedrnn.SweepResult;
import io.fusedrnn.Tensor;

import java.util.Locale;
import java.util.Random;

/**
 * Time to first result for an embedder (not a test): a fresh JVM's first forwards on one small LSTM
 * (B4 T50 I=H=128), each timed, until a given time has passed. Usage: ColdStartBench [seconds].
 */
public final class ColdStartBench {
    public static void main(String[] args) {
        long t0 = System.nanoTime();
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        int b = 4, t = 50, h = 128;
        LayerSpec s = LayerSpec.lstm(h, h);
        double[] xs = new double[t * b * h];
        Random rnd = new Random(1);
        for (int i = 0; i < xs.length; i++) xs[i] = rnd.nextGaussian();
        try (Backend be = new VectorBackend(2);
             PreparedLayer layer = be.prepare(LayerWeights.random(s, 2), Precision.FP32);
             Tensor x = be.upload(Precision.FP32, xs, t, b, h);
             Tensor y = be.allocate(Precision.FP32, t, b, h)) {
            System.out.println(String.format(Locale.ROOT, "JVM start to prepared layer: %.1f ms", (System.nanoTime() - t0) / 1e6));
            long end = System.nanoTime() + (long) (seconds * 1e9);
            int n = 0;
            double sum = 0;
            while (System.nanoTime() < end) {
                long a = System.nanoTime();
                try (SweepResult r = be.forward(layer, Sweep.of(x), y, 0, false)) {
                    // closed at once
                }
                double ms = (System.nanoTime() - a) / 1e6;
                sum += ms;
                n++;
                if (n == 1 || n == 2 || n == 5 || n == 10 || n == 20 || n == 50 || n % 100 == 0) {
                    System.out.println(String.format(Locale.ROOT, "forward %5d: %8.3f ms  (%.0f ms since JVM start, %.0f ms in forwards)",
                            n, ms, (System.nanoTime() - t0) / 1e6, sum));
                }
            }
        }
    }
}
