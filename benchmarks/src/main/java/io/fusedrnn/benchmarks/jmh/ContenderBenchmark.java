package io.fusedrnn.benchmarks.jmh;

import io.fusedrnn.Backends;
import io.fusedrnn.Precision;
import io.fusedrnn.benchmarks.harness.BackendContender;
import io.fusedrnn.benchmarks.harness.BenchCase;
import io.fusedrnn.benchmarks.harness.BenchCell;
import io.fusedrnn.benchmarks.harness.BenchOptions;
import io.fusedrnn.benchmarks.harness.BenchShape;
import io.fusedrnn.benchmarks.harness.Contender;
import io.fusedrnn.benchmarks.harness.Mode;
import io.fusedrnn.benchmarks.harness.OutputCheck;
import io.fusedrnn.benchmarks.harness.Peers;
import io.fusedrnn.benchmarks.harness.Problem;
import io.fusedrnn.benchmarks.harness.Trial;
import org.openjdk.jmh.annotations.Benchmark;
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

import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * JMH over the same harness as {@code fusedrnn bench}: one contender (a fusedrnn backend or a peer),
 * one cell, one standard shape, one mode, with the bench's data ({@link Problem}) and its correctness
 * check ({@link OutputCheck}) before timing, so a wrong answer fails the benchmark instead of timing it.
 * A timed call is the bench's run: a forward (or a training step) ending with h_n (dh0) on the host.
 * Defaults: the vector and OpenCL backends, inference; {@code -p contender=onnxruntime,onednn} for the
 * peers, {@code -p mode=train} for training steps (peers cannot: their setup fails with the reason),
 * {@code -p contender=reference} for the scalar oracle (seconds per call beyond latency).
 */
@State(Scope.Benchmark)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
// Warm-up: C2 compiles the hot loops within the first second or two; 3 x 2 s covers that even on the
// large shape, where one call takes about a second.
@Warmup(iterations = 3, time = 2)
// Measurement: 5 iterations give JMH's error bar something to work with on a shared 2-core machine
// while keeping the whole grid to minutes.
@Measurement(iterations = 5, time = 2)
// One calling thread: the contenders bring their own worker threads, which need the cores.
@Threads(1)
public class ContenderBenchmark extends JmhDefaults {
    @Param({"lstm", "gru"})
    public String cell;

    @Param({"latency", "batch", "large"})
    public String shape;

    @Param({"vector", "opencl"})
    public String contender;

    @Param({"infer"})
    public String mode;

    private Contender c;
    private Trial trial;

    @Setup(Level.Trial)
    public void setUp() {
        BenchShape s = BenchShape.parseList(shape).getFirst();
        Mode m = Mode.valueOf(mode.toUpperCase(Locale.ROOT));
        BenchCase bc = new BenchCase(BenchCell.parse(cell), s, Precision.FP32, m);
        c = BenchOptions.KNOWN_PEERS.contains(contender) ? Peers.open(contender) : new BackendContender(Backends.open(contender));
        String why = c.cannotRun(bc);
        if (why != null) throw new IllegalStateException(contender + " cannot run " + bc.label() + ": " + why);
        Problem p = Problem.of(bc);
        trial = c.open(p);
        OutputCheck check = new OutputCheck(p);
        double tol = OutputCheck.tolerance(Precision.FP32);
        double err = check.errorVsReference(trial.outputs());
        if (!(err <= tol)) throw new IllegalStateException(contender + " " + bc.label() + ": y/h_n differ from the float64 reference by rel L2 " + err);
        if (m == Mode.TRAIN) {
            err = check.gradientErrorVsReference(trial.gradients());
            if (!(err <= tol)) throw new IllegalStateException(contender + " " + bc.label() + ": dx/dh0 differ from the float64 reference by rel L2 " + err);
        }
    }

    /** One run as the bench times it. */
    @Benchmark
    public void run() {
        trial.run();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (trial != null) trial.close();
        if (c != null) c.close();
    }
}
