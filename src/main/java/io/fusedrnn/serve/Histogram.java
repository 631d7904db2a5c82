package io.fusedrnn.serve;

import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/** A thread-safe histogram with fixed upper bounds, as Prometheus exposes it (cumulative buckets, sum, count). */
public final class Histogram {
    private final double[] bounds;
    private final LongAdder[] counts;
    private final DoubleAdder sum = new DoubleAdder();
    private final LongAdder count = new LongAdder();

    /**
     * An empty histogram with the given buckets.
     *
     * @param bounds bucket upper bounds, increasing; values above the last land in the +Inf bucket
     */
    public Histogram(double... bounds) {
        this.bounds = bounds.clone();
        for (int i = 1; i < bounds.length; i++) {
            if (!(bounds[i] > bounds[i - 1])) throw new IllegalArgumentException("histogram bounds must increase: " + bounds[i - 1] + ", " + bounds[i]);
        }
        counts = new LongAdder[bounds.length + 1];
        for (int i = 0; i < counts.length; i++) counts[i] = new LongAdder();
    }

    /**
     * Counts one value.
     *
     * @param value the observation, e.g. seconds or rows
     */
    public void observe(double value) {
        int i = 0;
        while (i < bounds.length && value > bounds[i]) i++;
        counts[i].increment();
        sum.add(value);
        count.increment();
    }

    /** {@return the upper bounds (without +Inf)} */
    public double[] bounds() {
        return bounds.clone();
    }

    /** {@return values ≤ each bound, cumulative, with the +Inf bucket last (equal to {@link #count()} when quiet)} */
    public long[] cumulative() {
        long[] out = new long[counts.length];
        long run = 0;
        for (int i = 0; i < counts.length; i++) {
            run += counts[i].sum();
            out[i] = run;
        }
        return out;
    }

    /** {@return sum of the values observed} */
    public double sum() {
        return sum.sum();
    }

    /** {@return number of values observed} */
    public long count() {
        return count.sum();
    }
}
