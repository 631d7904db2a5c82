package io.fusedrnn.benchmarks;

import io.fusedrnn.Backend;
import io.fusedrnn.Backends;
import io.fusedrnn.Cell;
import io.fusedrnn.Gradients;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.Precision;
import io.fusedrnn.PreparedLayer;
import io.fusedrnn.Sweep;
import io.fusedrnn.SweepResult;
import io.fusedrnn.Tensor;
import io.fusedrnn.bench.BenchCase;
import io.fusedrnn.bench.BenchShape;
import io.fusedrnn.bench.Mode;
import io.fusedrnn.bench.OutputCheck;
import io.fusedrnn.bench.Problem;
import io.fusedrnn.bench.Trial;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One LSTM/GRU layer (fp32, unidirectional) on a fusedrnn backend over the standard shapes: an
 * inference forward and a training step (forward keeping a reserve + backward with a random dy).
 * Same data as {@code fusedrnn bench} ({@link Problem}); the output is checked against the float64
 * reference before timing, so a wrong answer fails the benchmark instead of timing it.
 * The scalar reference is left out of the default backends (seconds to minutes per call on the batch
 * and large shapes); add it with {@code -p backend=reference}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
// Warm-up: C2 compiles the hot loops within the first second or two; 3 x 2 s covers that even on the
// large shape, where one call takes about a second.
@Warmup(iterations = 3, time = 2)
// Measurement: 5 iterations give JMH's error bar something to work with on a shared 2-core machine
// while keeping the whole grid to minutes.
@Measurement(iterations = 5, time = 2)
// One fork: a fresh JVM per backend/shape keeps one backend's JIT profile from shaping another's;
// more forks would multiply a run that already takes minutes on 2 cores.
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
// One benchmark thread: the backends bring their own worker threads, which need the cores.
@Threads(1)
public class RnnBenchmark {
    @Param({"lstm", "gru"})
    public String cell;

    @Param({"latency", "batch", "large"})
    public String shape;

    @Param({"vector", "opencl"})
    public String backend;

    private Backend b;
    private PreparedLayer layer;
    private Tensor x, y, dy, dx;
    private Sweep sweep;

    @Setup(Level.Trial)
    public void setUp() {
        BenchShape s = BenchShape.parseList(shape).getFirst();
        BenchCase c = new BenchCase(Cell.parse(cell), s, Precision.FP32, Mode.TRAIN); // TRAIN: the data includes dy
        Problem p = Problem.of(c);
        LayerSpec spec = c.spec();
        b = Backends.open(backend);
        layer = b.prepare(p.weights(), Precision.FP32);
        x = b.upload(Precision.FP32, p.x(), s.steps(), s.batch(), spec.inputSize());
        y = b.allocate(Precision.FP32, s.steps(), s.batch(), spec.outputSize());
        dy = b.upload(Precision.FP32, p.dy(), s.steps(), s.batch(), spec.outputSize());
        dx = b.allocate(Precision.FP32, s.steps(), s.batch(), spec.inputSize());
        sweep = Sweep.of(x);
        check(p);
    }

    /** A wrong fast answer is not a result: compare y, h_n, dx and dh0 with the float64 reference before timing. */
    private void check(Problem p) {
        Trial.Outputs got;
        try (SweepResult r = b.forward(layer, sweep, y, 0, false)) {
            got = new Trial.Outputs(y.toDoubleArray(), r.hN().toDoubleArray());
        }
        OutputCheck check = new OutputCheck(p);
        double err = check.errorVsReference(got);
        if (!(err <= OutputCheck.tolerance(Precision.FP32))) {
            throw new IllegalStateException(backend + " " + cell + " " + shape + ": y differs from the float64 reference by rel L2 " + err);
        }
        Trial.InputGradients grads;
        try (Tensor fresh = b.allocate(Precision.FP32, x.dim(0), x.dim(1), x.dim(2));
             SweepResult r = b.forward(layer, sweep, y, 0, true);
             Gradients g = b.backward(layer, sweep, r.reserve(), dy, 0, null, null, fresh)) {
            grads = new Trial.InputGradients(fresh.toDoubleArray(), g.dh0().toDoubleArray());
        }
        err = check.gradientErrorVsReference(grads);
        if (!(err <= OutputCheck.tolerance(Precision.FP32))) {
            throw new IllegalStateException(backend + " " + cell + " " + shape + ": dx/dh0 differ from the float64 reference by rel L2 " + err);
        }
    }

    /** Inference forward over all T steps; returns h_n read back to the host (so async devices finish). */
    @Benchmark
    public float[] forward() {
        try (SweepResult r = b.forward(layer, sweep, y, 0, false)) {
            return r.hN().toFloatArray();
        }
    }

    /** Training step: forward keeping the reserve, then backward through time; returns dh0 on the host. */
    @Benchmark
    public float[] trainStep() {
        try (SweepResult r = b.forward(layer, sweep, y, 0, true);
             Gradients g = b.backward(layer, sweep, r.reserve(), dy, 0, null, null, dx)) {
            return g.dh0().toFloatArray();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (AutoCloseable a : List.<AutoCloseable>of(x, y, dy, dx, layer, b)) {
            try {
                a.close();
            } catch (Exception e) {
                // best effort at the end of a trial
            }
        }
    }
}
