package io.fusedrnn.benchmarks.ort;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.Precision;
import io.fusedrnn.PreparedLayer;
import io.fusedrnn.Sweep;
import io.fusedrnn.SweepResult;
import io.fusedrnn.Tensor;
import io.fusedrnn.benchmarks.harness.OutputCheck;
import io.fusedrnn.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

class OnnxRnnModelTest {
    private static final int T = 7, B = 3, I = 5, H = 6;

    @Test
    void lstmModelMatchesTheReference() throws Exception {
        check(LayerSpec.lstm(I, H), 11);
    }

    @Test
    void gruLinearBeforeResetModelMatchesTheReference() throws Exception {
        check(LayerSpec.gru(I, H, true), 12);
    }

    /** With sequence_lens (the bench's ragged shape): y is zero past each row's length and h_n is its last valid step, as ours. */
    @Test
    void modelsWithSequenceLengthsMatchTheReference() throws Exception {
        check(LayerSpec.lstm(I, H), 14, new int[] {T, 2, 5});
        check(LayerSpec.gru(I, H, true), 15, new int[] {3, T, 1});
    }

    @Test
    void gruResetBeforeLinearModelMatchesTheReference() throws Exception {
        check(LayerSpec.gru(I, H, false), 13);
    }

    /**
     * Same weights and input through ONNX Runtime and the reference (float32 data, float64 arithmetic);
     * y and h_n agree to float32 rounding. ONNX Runtime's CPU LSTM/GRU kernels are float32 only.
     */
    private static void check(LayerSpec spec, long seed) throws Exception {
        check(spec, seed, null);
    }

    private static void check(LayerSpec spec, long seed, int[] lengths) throws Exception {
        LayerWeights w = LayerWeights.random(spec, seed);
        double[] x = new double[T * B * I];
        Random rnd = new Random(seed);
        for (int i = 0; i < x.length; i++) x[i] = 2 * rnd.nextDouble() - 1;

        double[] refY, refH;
        try (ReferenceBackend ref = new ReferenceBackend();
             PreparedLayer layer = ref.prepare(w, Precision.FP32);
             Tensor xt = ref.upload(Precision.FP32, x, T, B, I);
             Tensor y = ref.allocate(Precision.FP32, T, B, H);
             SweepResult r = ref.forward(layer, new Sweep(xt, null, null, lengths, false), y, 0, false)) {
            refY = y.toDoubleArray();
            refH = r.hN().toDoubleArray();
        }

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions();
             OrtSession s = env.createSession(OnnxRnnModel.build(w, Precision.FP32, lengths != null), o);
             OnnxTensor xt = OnnxTensor.createTensor(env, FloatBuffer.wrap(floats(x)), new long[] {T, B, I});
             OnnxTensor lt = lengths == null ? null : OnnxTensor.createTensor(env, IntBuffer.wrap(lengths), new long[] {B});
             OrtSession.Result r = s.run(lt == null ? Map.of("X", xt) : Map.of("X", xt, "sequence_lens", lt))) {
            double[] y = doubles(r, "Y"), h = doubles(r, "Y_h");
            double e = Math.max(OutputCheck.relL2(y, refY), OutputCheck.relL2(h, refH));
            assertTrue(e < 1e-5, spec.describe() + " seed " + seed + ": ONNX Runtime differs from the reference by rel L2 " + e);
        }
    }

    private static double[] doubles(OrtSession.Result r, String name) {
        FloatBuffer b = ((OnnxTensor) r.get(name).orElseThrow()).getFloatBuffer();
        double[] out = new double[b.remaining()];
        for (int i = 0; i < out.length; i++) out[i] = b.get(i);
        return out;
    }

    private static float[] floats(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
        return f;
    }
}
