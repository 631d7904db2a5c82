package io.fusedrnn.model;

import io.fusedrnn.Backend;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;
import io.fusedrnn.io.NdArray;
import io.fusedrnn.io.SafetensorsFile;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ONNX and Keras weights, converted, reproduce outputs computed independently: ONNX's own numpy
 * LSTM/GRU helpers (onnx.backend.test.case.node, both linear_before_reset values) and a numpy
 * re-implementation of Keras' cells (fixtures from src/test/python/make_fixtures.py).
 */
class ConverterFixtureTest {

    @TestFactory
    List<DynamicTest> onnxAndKerasFixturesMatchOnEveryBackend() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String backend : Fixtures.BACKENDS) {
            for (Precision p : Precision.values()) {
                for (String c : List.of("lstm_bi", "gru_lbr1", "gru_lbr0_bi")) {
                    tests.add(DynamicTest.dynamicTest(backend + " " + p + " onnx " + c, () -> onnx(backend, p, c)));
                }
                for (String c : List.of("lstm", "gru_reset_after", "gru_reset_before")) {
                    tests.add(DynamicTest.dynamicTest(backend + " " + p + " keras " + c, () -> keras(backend, p, c)));
                }
            }
        }
        return tests;
    }

    static void onnx(String backendName, Precision p, String name) {
        try (Backend backend = Fixtures.openOrSkip(backendName);
             SafetensorsFile f = SafetensorsFile.open(Fixtures.path("onnx/" + name + ".safetensors"))) {
            NdArray w = f.read("W");
            String direction = w.dim(0) == 2 ? "bidirectional" : "forward";
            RnnModel model = name.startsWith("lstm")
                    ? OnnxConverter.lstm(w, f.read("R"), f.read("B"), null, null, false, direction)
                    : OnnxConverter.gru(w, f.read("R"), f.read("B"), name.contains("lbr1"), null, direction);
            try (PreparedRnn rnn = model.prepare(backend, p);
                 Tensor x = Fixtures.upload(backend, p, f, "X");
                 Tensor h0 = Fixtures.upload(backend, p, f, "initial_h");
                 Tensor c0 = Fixtures.upload(backend, p, f, "initial_c");
                 RnnOutput out = rnn.forward(x, h0, c0, null)) {
                double tol = Fixtures.tolerance(p);
                Fixtures.assertClose("onnx " + name + " Y", onnxY(f.read("Y")), out.y(), tol);
                Fixtures.assertClose("onnx " + name + " Y_h", f.read("Y_h"), out.hN(), tol);
            }
        }
    }

    /** ONNX Y [T, D, B, H] as PyTorch's y [T, B, D·H]. */
    static NdArray onnxY(NdArray y) {
        int t = y.dim(0), d = y.dim(1), b = y.dim(2), h = y.dim(3);
        double[] out = new double[y.data().length];
        for (int i = 0; i < t; i++) {
            for (int k = 0; k < d; k++) {
                for (int r = 0; r < b; r++) {
                    System.arraycopy(y.data(), ((i * d + k) * b + r) * h, out, (i * b + r) * d * h + k * h, h);
                }
            }
        }
        return new NdArray(new int[] {t, b, d * h}, out);
    }

    static void keras(String backendName, Precision p, String name) {
        try (Backend backend = Fixtures.openOrSkip(backendName);
             SafetensorsFile f = SafetensorsFile.open(Fixtures.path("keras/" + name + ".safetensors"))) {
            RnnModel model = name.equals("lstm")
                    ? KerasConverter.lstm(f.read("kernel"), f.read("recurrent_kernel"), f.read("bias"))
                    : KerasConverter.gru(f.read("kernel"), f.read("recurrent_kernel"), f.read("bias"), name.endsWith("after"));
            try (PreparedRnn rnn = model.prepare(backend, p);
                 Tensor x = Fixtures.upload(backend, p, f, "x");
                 Tensor h0 = state(backend, p, f, "h0");
                 Tensor c0 = state(backend, p, f, "c0");
                 RnnOutput out = rnn.forward(x, h0, c0, null)) {
                double tol = Fixtures.tolerance(p);
                Fixtures.assertClose("keras " + name + " y", f.read("y"), out.y(), tol);
                NdArray hn = f.read("h_n");
                Fixtures.assertClose("keras " + name + " h_n", new NdArray(new int[] {1, hn.dim(0), hn.dim(1)}, hn.data()), out.hN(), tol);
                if (f.contains("c_n")) {
                    NdArray cn = f.read("c_n");
                    Fixtures.assertClose("keras " + name + " c_n", new NdArray(new int[] {1, cn.dim(0), cn.dim(1)}, cn.data()), out.cN(), tol);
                }
            }
        }
    }

    /** A Keras [B, H] state as [1, B, H]. */
    private static Tensor state(Backend backend, Precision p, SafetensorsFile f, String name) {
        if (!f.contains(name)) return null;
        NdArray a = f.read(name);
        return backend.upload(p, a.data(), 1, a.dim(0), a.dim(1));
    }

    @Test
    void onnxFeaturesWithoutAPyTorchEquivalentAreRefusedClearly() {
        NdArray w = new NdArray(new int[] {1, 8, 3}, new double[24]), r = new NdArray(new int[] {1, 8, 2}, new double[16]);
        NdArray peep = new NdArray(new int[] {1, 6}, new double[] {0, 0, 0.5, 0, 0, 0});
        assertMessage("peephole", () -> OnnxConverter.lstm(w, r, null, peep, null, false, "forward"));
        assertMessage("clip", () -> OnnxConverter.lstm(w, r, null, null, 3.0, false, "forward"));
        assertMessage("input_forget", () -> OnnxConverter.lstm(w, r, null, null, null, true, "forward"));
        assertMessage("found 'sideways'", () -> OnnxConverter.lstm(w, r, null, null, null, false, "sideways"));
        assertTrue(OnnxConverter.lstm(w, r, null, null, null, false, "reverse").config().reverse(), "reverse is a one-direction model run backwards");
        assertMessage("ONNX LSTM W: expected [2, 8, 3], found [1, 8, 3]", () -> OnnxConverter.lstm(w, r, null, null, null, false, "bidirectional"));
        assertMessage("ONNX LSTM B: expected [1, 16], found [1, 6]", () -> OnnxConverter.lstm(w, r, peep, null, null, false, "forward"));
        OnnxConverter.lstm(w, r, null, new NdArray(new int[] {1, 6}, new double[6]), null, false, "forward"); // all-zero P is fine
    }

    @Test
    void kerasShapeErrorsNameTheOperand() {
        NdArray k = new NdArray(new int[] {3, 12}, new double[36]), rk = new NdArray(new int[] {4, 12}, new double[48]);
        assertMessage("Keras GRU bias (reset_after=True): expected [2, 12], found [12]",
                () -> KerasConverter.gru(k, rk, new NdArray(new int[] {12}, new double[12]), true));
        assertMessage("Keras LSTM recurrent_kernel: expected (H, 4·H), found [4, 12]", () -> KerasConverter.lstm(k, rk, null));
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        FusedRnnException ex = assertThrows(FusedRnnException.class, e);
        assertTrue(ex.getMessage().contains(part), ex.getMessage());
    }
}
