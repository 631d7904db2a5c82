package io.fusedrnn.benchmarks.harness;

import java.util.Arrays;

/** Order statistics of a contender's timed runs, in milliseconds. */
public record Stats(int runs, double median, double q1, double q3, double min, double max) {

    /** Statistics of the samples (nanoseconds); quartiles interpolate linearly between order statistics. */
    public static Stats ofNanos(long[] nanos, int count) {
        if (count < 1) throw new IllegalArgumentException("no samples");
        double[] ms = new double[count];
        for (int i = 0; i < count; i++) ms[i] = nanos[i] / 1e6;
        Arrays.sort(ms);
        return new Stats(count, quantile(ms, 0.5), quantile(ms, 0.25), quantile(ms, 0.75), ms[0], ms[count - 1]);
    }

    private static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
