package io.fusedrnn.cli;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Untimed runs before a measurement: until the JIT has compiled nothing for {@value #QUIET_MILLIS} ms
 * and the time per run has stopped improving (the median of the last {@value #WINDOW} runs is within
 * 10% of the {@value #WINDOW} before), at most {@value #MAX_MILLIS} ms. A fixed time is not enough:
 * interpreted Vector API code runs 100 to 1000 times slower than compiled code, so the first case
 * of a run can spend a second or more before C2 has compiled its loops (measured on the vector
 * backend: 300 ms per run at first, 0.1 to 0.2 ms after about 200 runs). It reads two clocks: the
 * time in nanoseconds and the JIT's total compilation time in milliseconds (fakes in its tests).
 */
record Warmup(LongSupplier nanos, LongSupplier compileMillis) {
    static final int WINDOW = 10;
    static final long QUIET_MILLIS = 300;
    static final long MAX_MILLIS = 10_000;

    /** On the real clock, watching this JVM's total JIT compilation time (or nothing where it is not reported). */
    static Warmup jvm() {
        LongSupplier compile = () -> 0;
        try {
            CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
            if (jit != null && jit.isCompilationTimeMonitoringSupported()) compile = jit::getTotalCompilationTime;
        } catch (LinkageError e) {
            // java.management is not in this runtime: judge by the times alone
        }
        return new Warmup(System::nanoTime, compile);
    }

    /**
     * Calls {@code run} until warm.
     *
     * @return the number of untimed runs
     */
    int warm(Runnable run) {
        return warm(run, MAX_MILLIS, QUIET_MILLIS);
    }

    /**
     * Calls {@code run} until its times are flat and the JIT has compiled nothing for {@code quietMillis}
     * (0: the times alone decide), or for at most {@code maxMillis}.
     *
     * @return the number of untimed runs
     */
    int warm(Runnable run, long maxMillis, long quietMillis) {
        long start = nanos.getAsLong();
        long lastCompile = compileMillis.getAsLong(), lastCompileChange = start;
        List<Long> times = new ArrayList<>();
        while (true) {
            long t0 = nanos.getAsLong();
            run.run();
            long t1 = nanos.getAsLong();
            times.add(t1 - t0);
            long c = compileMillis.getAsLong();
            if (c != lastCompile) {
                lastCompile = c;
                lastCompileChange = t1;
            }
            if (t1 - start >= maxMillis * 1_000_000) return times.size();
            boolean quiet = t1 - lastCompileChange >= quietMillis * 1_000_000;
            if (quiet && flat(times)) return times.size();
        }
    }

    /** Whether the last {@value #WINDOW} runs were no more than 10% faster than the {@value #WINDOW} before them. */
    static boolean flat(List<Long> times) {
        int n = times.size();
        if (n < 2 * WINDOW) return false;
        return median(times.subList(n - WINDOW, n)) >= 0.9 * median(times.subList(n - 2 * WINDOW, n - WINDOW));
    }

    private static double median(List<Long> xs) {
        long[] s = xs.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }
}
