package io.fusedrnn.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.fusedrnn.Cell;
import io.fusedrnn.Precision;
import io.fusedrnn.bench.BenchCase;
import io.fusedrnn.bench.BenchShape;
import io.fusedrnn.bench.Mode;
import io.fusedrnn.bench.OutputCheck;
import io.fusedrnn.bench.Problem;
import io.fusedrnn.bench.Trial;
import io.fusedrnn.bench.ort.OnnxRnnModel;
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

import java.nio.FloatBuffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The ONNX Runtime peer on the same shapes and data as {@link RnnBenchmark}: a one-node ONNX LSTM/GRU
 * model built from the same weights ({@link OnnxRnnModel}), CPU execution provider, intra-op threads
 * = cores. Inference only: ONNX Runtime has no training step for these operators.
 */
@State(Scope.Benchmark)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
// Same warm-up and measurement as RnnBenchmark, so the two are read side by side. ONNX Runtime is
// native code and needs little warm-up, but its thread pool and allocator settle in the first calls.
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
// One fork, for the same reasons as RnnBenchmark; ONNX Runtime's natives load once per fork.
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
// One calling thread; ONNX Runtime's intra-op pool does the parallel work.
@Threads(1)
public class OrtBenchmark {
    @Param({"lstm", "gru"})
    public String cell;

    @Param({"latency", "batch", "large"})
    public String shape;

    private OrtSession.SessionOptions options;
    private OrtSession session;
    private OnnxTensor x;
    private Map<String, OnnxTensor> inputs;

    @Setup(Level.Trial)
    public void setUp() throws OrtException {
        BenchShape s = BenchShape.parseList(shape).getFirst();
        BenchCase c = new BenchCase(Cell.parse(cell), s, Precision.FP32, Mode.INFER);
        Problem p = Problem.of(c);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
        options.setInterOpNumThreads(1);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        session = env.createSession(OnnxRnnModel.build(p.weights(), Precision.FP32), options);
        float[] xf = new float[p.x().length];
        for (int i = 0; i < xf.length; i++) xf[i] = (float) p.x()[i];
        x = OnnxTensor.createTensor(env, FloatBuffer.wrap(xf), new long[] {s.steps(), s.batch(), s.inputSize()});
        inputs = Map.of("X", x);
        check(p);
    }

    /** The model must reproduce the float64 reference before it is timed. */
    private void check(Problem p) throws OrtException {
        try (OrtSession.Result r = session.run(inputs)) {
            Trial.Outputs got = new Trial.Outputs(doubles(r, "Y"), doubles(r, "Y_h"));
            double err = new OutputCheck(p).errorVsReference(got);
            if (!(err <= OutputCheck.tolerance(Precision.FP32))) {
                throw new IllegalStateException("onnxruntime " + cell + " " + shape + ": differs from the float64 reference by rel L2 " + err);
            }
        }
    }

    /** One inference run; returns h_n copied to the Java heap. */
    @Benchmark
    public float[] forward() throws OrtException {
        try (OrtSession.Result r = session.run(inputs)) {
            FloatBuffer h = ((OnnxTensor) r.get("Y_h").orElseThrow()).getFloatBuffer();
            float[] out = new float[h.remaining()];
            h.get(out);
            return out;
        }
    }

    private static double[] doubles(OrtSession.Result r, String name) {
        FloatBuffer b = ((OnnxTensor) r.get(name).orElseThrow()).getFloatBuffer();
        double[] out = new double[b.remaining()];
        for (int i = 0; i < out.length; i++) out[i] = b.get(i);
        return out;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        x.close();
        session.close();
        options.close();
    }
}
