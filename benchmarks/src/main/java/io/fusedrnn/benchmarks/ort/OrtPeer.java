package io.fusedrnn.benchmarks.ort;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Precision;
import io.fusedrnn.benchmarks.harness.BenchCase;
import io.fusedrnn.benchmarks.harness.InferencePeer;
import io.fusedrnn.benchmarks.harness.Problem;
import io.fusedrnn.benchmarks.harness.Trial;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Map;

/**
 * ONNX Runtime (CPU execution provider) as a benchmark peer: the same weights as a one-node ONNX
 * LSTM/GRU model, intra-op threads = cores. The only class that touches {@code ai.onnxruntime}; it is
 * loaded reflectively ({@link io.fusedrnn.benchmarks.harness.Peers}) so fusedrnn runs without the ORT jar.
 */
public final class OrtPeer extends InferencePeer {
    private final OrtEnvironment env;
    private final int threads;

    public OrtPeer() {
        super("onnxruntime", "ONNX Runtime's LSTM/GRU operators run inference only", "ONNX Runtime's CPU LSTM/GRU kernels are float32 only",
                null); // per-row lengths are the operators' sequence_lens
        env = OrtEnvironment.getEnvironment();
        threads = Runtime.getRuntime().availableProcessors();
    }

    @Override
    public String description() {
        return "ONNX Runtime " + env.getVersion() + " CPU, " + threads + " intra-op threads";
    }

    @Override
    protected Trial openTrial(Problem p) throws OrtException {
        return new OrtTrial(p);
    }

    @Override
    public void close() {
        // the environment is a process-wide singleton owned by ONNX Runtime
    }

    /** A session over the case's model and the input tensor, made once. */
    private final class OrtTrial implements Trial {
        private final OrtSession session;
        private final OrtSession.SessionOptions options;
        private final OnnxTensor x, lengths;
        private final Map<String, OnnxTensor> inputs;

        OrtTrial(Problem p) throws OrtException {
            BenchCase c = p.benchCase();
            options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            // Spin while Run() works (ORT's default speed), stop when it returns: an idle pool that keeps
            // spinning would take a core from the next contender in this process.
            options.addConfigEntry("session.force_spinning_stop", "1");
            int[] len = c.shape().lengths();
            session = env.createSession(OnnxRnnModel.build(p.weights(), c.precision(), len != null), options);
            long[] shape = {p.steps(), p.batch(), c.shape().inputSize()};
            if (c.precision() == Precision.FP32) {
                x = OnnxTensor.createTensor(env, FloatBuffer.wrap(p.floatX()), shape);
            } else {
                x = OnnxTensor.createTensor(env, DoubleBuffer.wrap(p.x()), shape);
            }
            lengths = len == null ? null : OnnxTensor.createTensor(env, IntBuffer.wrap(len), new long[] {len.length});
            inputs = lengths == null ? Map.of("X", x) : Map.of("X", x, "sequence_lens", lengths);
        }

        @Override
        public Outputs outputs() {
            try (OrtSession.Result r = session.run(inputs)) {
                return new Outputs(doubles(r, "Y"), doubles(r, "Y_h"));
            } catch (OrtException e) {
                throw new FusedRnnException("onnxruntime: " + e.getMessage(), e);
            }
        }

        @Override
        public void run() {
            try (OrtSession.Result r = session.run(inputs)) {
                doubles(r, "Y_h");
            } catch (OrtException e) {
                throw new FusedRnnException("onnxruntime: " + e.getMessage(), e);
            }
        }

        @Override
        public InputGradients gradients() {
            throw new UnsupportedOperationException("onnxruntime runs inference only");
        }

        private double[] doubles(OrtSession.Result r, String name) {
            OnnxValue v = r.get(name).orElseThrow(() -> new FusedRnnException("onnxruntime: output " + name + " missing"));
            OnnxTensor t = (OnnxTensor) v;
            if (t.getInfo().type == ai.onnxruntime.OnnxJavaType.FLOAT) {
                FloatBuffer b = t.getFloatBuffer();
                double[] out = new double[b.remaining()];
                for (int i = 0; i < out.length; i++) out[i] = b.get(i);
                return out;
            }
            DoubleBuffer b = t.getDoubleBuffer();
            double[] out = new double[b.remaining()];
            b.get(out);
            return out;
        }

        @Override
        public void close() {
            x.close();
            if (lengths != null) lengths.close();
            try {
                session.close();
            } catch (OrtException e) {
                // closing is best effort
            }
            options.close();
        }
    }
}
