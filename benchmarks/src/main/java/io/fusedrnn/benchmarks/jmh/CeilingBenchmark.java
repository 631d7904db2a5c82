package io.fusedrnn.benchmarks.jmh;

import io.fusedrnn.benchmarks.ceiling.FmaPeak;
import io.fusedrnn.vector.GemmProbe;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The ceilings {@code fusedrnn bench} prints, one thread per JMH thread ({@code -t 2} for two cores):
 * the Vector API FMA chains and the vector backend's GEMM on an M×K×N product (A row-major, or given
 * transposed as the weight gradients read it). GFLOP/s = FLOPs per call ({@code 2·M·K·N}, or
 * {@link FmaPeak#flops}) / the average time. Replaces the old {@code GemmBench} main.
 */
@State(Scope.Thread)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class CeilingBenchmark extends JmhDefaults {
    /** FMA rounds per call: 12 chains × lanes × 2 FLOPs each. */
    public static final long FMA_ITERATIONS = 1 << 15;

    @Param({"512"})
    public int m;

    @Param({"512"})
    public int k;

    @Param({"512"})
    public int n;

    @Param({"false"})
    public boolean transposedA;

    private GemmProbe gemm;

    @Setup
    public void setUp() {
        gemm = new GemmProbe(m, k, n, transposedA);
    }

    /** One product C = A·B on this thread. */
    @Benchmark
    public float gemm() {
        gemm.run();
        return gemm.probe();
    }

    /** {@link #FMA_ITERATIONS} rounds of FMA chains on this thread. */
    @Benchmark
    public float fma() {
        return FmaPeak.chains(FMA_ITERATIONS, 1f);
    }
}
