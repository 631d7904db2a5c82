package io.fusedrnn.benchmarks.ceiling;

import io.fusedrnn.benchmarks.harness.Progress;
import io.fusedrnn.benchmarks.harness.ResultRow;
import io.fusedrnn.vector.GemmProbe;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.function.DoubleSupplier;

/**
 * The machine's fp32 ceilings, measured once per {@code bench} run on all cores: the FMA peak (Java
 * Vector API FMA chains, {@link FmaPeak}) and the best GEMM rate (the vector backend's own GEMM tile on
 * a {@value #GEMM_SIZE}³ product per thread, {@link GemmProbe}). Each row's GFLOP/s is reported as a
 * fraction of both, so a ratio to a peer can be read against what the hardware allows. Rates are
 * FLOPs per second of each thread's own CPU time, summed over the threads: what the cores do while they
 * run, which a machine shared with other work still shows (wall time there measures the other work
 * too, and a row slowed by it shows as a small fraction, which is what it is).
 *
 * @param fmaGflops  FMA peak, GFLOP/s over all threads (NaN when not measured)
 * @param gemmGflops GEMM rate, GFLOP/s over all threads (NaN when not measured)
 * @param threads    threads that ran at once, one per core the JVM sees
 * @param offHost    contenders that run on another device (a GPU): their rows get no fraction
 */
public record Ceilings(double fmaGflops, double gemmGflops, int threads, Set<String> offHost) {
    public Ceilings(double fmaGflops, double gemmGflops, int threads) {
        this(fmaGflops, gemmGflops, threads, Set.of());
    }

    public Ceilings {
        offHost = Set.copyOf(offHost);
    }

    /** Not measured ({@code --no-ceilings}). */
    public static final Ceilings NONE = new Ceilings(Double.NaN, Double.NaN, 0);
    /** M = K = N of each thread's GEMM. */
    public static final int GEMM_SIZE = 512;
    /** Untimed running per thread before the windows (C2 compiles the loops in well under this). */
    private static final long WARM_NANOS = 400_000_000L;
    /** Timed windows; the best one counts (the ceiling is what the cores can do when nothing else runs). */
    private static final int WINDOWS = 5;
    private static final long WINDOW_NANOS = 120_000_000L;
    private static final long FMA_ITERATIONS = 1 << 15;
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    /** Measures both ceilings on every core (about 2 s), showing progress. */
    public static Ceilings measure(Progress progress) {
        int threads = Runtime.getRuntime().availableProcessors();
        progress.phase("measuring the FMA peak (" + threads + " threads, " + FmaPeak.lanes() + " float lanes)");
        double fma = rate(threads, () -> FmaPeak.chains(FMA_ITERATIONS, 1f) > 0 ? FmaPeak.flops(FMA_ITERATIONS) : 0);
        progress.phase("measuring the GEMM rate (" + threads + " threads, " + GEMM_SIZE + "^3 each)");
        ThreadLocal<GemmProbe> probes = ThreadLocal.withInitial(() -> new GemmProbe(GEMM_SIZE, GEMM_SIZE, GEMM_SIZE, false));
        double gemm = rate(threads, () -> {
            GemmProbe g = probes.get();
            g.run();
            return g.probe() == Float.MIN_VALUE ? 0 : g.flops();
        });
        Ceilings c = new Ceilings(fma, gemm, threads);
        progress.note(c.describe());
        return c;
    }

    /** Whether the ceilings were measured. */
    public boolean measured() {
        return !Double.isNaN(fmaGflops);
    }

    /**
     * A row's rate as a fraction of the FMA peak.
     *
     * @return NaN when either is unknown
     */
    public double ofFma(double gflops) {
        return gflops / fmaGflops;
    }

    /**
     * A row's rate as a fraction of the GEMM rate.
     *
     * @return NaN when either is unknown
     */
    public double ofGemm(double gflops) {
        return gflops / gemmGflops;
    }

    /** {@code row}'s rate as a fraction of the FMA peak; NaN for a row on another device. */
    public double ofFma(ResultRow row) {
        return offHost.contains(row.contender()) ? Double.NaN : ofFma(row.gflops());
    }

    /** {@code row}'s rate as a fraction of the GEMM rate; NaN for a row on another device. */
    public double ofGemm(ResultRow row) {
        return offHost.contains(row.contender()) ? Double.NaN : ofGemm(row.gflops());
    }

    /** The same ceilings, with the contenders in {@code names} marked as running on another device. */
    public Ceilings withOffHost(Set<String> names) {
        return new Ceilings(fmaGflops, gemmGflops, threads, names);
    }

    /** One line: {@code ceilings: FMA peak 309 GFLOP/s, GEMM 145 GFLOP/s (fp32, 2 threads)}. */
    public String describe() {
        if (!measured()) return "ceilings: not measured";
        return String.format(Locale.ROOT, "ceilings: FMA peak %.0f GFLOP/s (Vector API FMA chains, %d float lanes), "
                + "GEMM %.0f GFLOP/s (the vector backend's GEMM, %d^3 per thread) (fp32, %d threads, per second of their CPU time)",
                fmaGflops, FmaPeak.lanes(), gemmGflops, GEMM_SIZE, threads)
                + (offHost.isEmpty() ? "" : "; not for " + String.join(", ", new java.util.TreeSet<>(offHost)) + ", which runs on another device");
    }

    /** GFLOP/s of all threads running {@code unit} at once, best of {@link #WINDOWS} windows. */
    private static double rate(int threads, DoubleSupplier unit) {
        CyclicBarrier barrier = new CyclicBarrier(threads);
        double[][] flops = new double[threads][WINDOWS];
        long[][] nanos = new long[threads][WINDOWS];
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int id = t;
            workers[t] = Thread.ofPlatform().name("ceiling-" + t).start(() -> {
                try {
                    for (long end = System.nanoTime() + WARM_NANOS; System.nanoTime() < end; ) unit.getAsDouble();
                    for (int w = 0; w < WINDOWS; w++) {
                        barrier.await();
                        long t0 = System.nanoTime(), c0 = CPU.getCurrentThreadCpuTime();
                        double f = 0;
                        while (System.nanoTime() - t0 < WINDOW_NANOS) f += unit.getAsDouble();
                        flops[id][w] = f;
                        nanos[id][w] = Math.max(1, CPU.getCurrentThreadCpuTime() - c0);
                    }
                } catch (InterruptedException | BrokenBarrierException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        for (Thread w : workers) {
            try {
                w.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Double.NaN;
            }
        }
        double best = 0;
        for (int w = 0; w < WINDOWS; w++) {
            double sum = 0;
            for (int t = 0; t < threads; t++) sum += flops[t][w] / nanos[t][w];
            best = Math.max(best, sum);
        }
        return best; // flops per nanosecond = GFLOP/s
    }
}
