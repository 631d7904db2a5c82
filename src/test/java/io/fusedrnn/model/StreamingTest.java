package io.fusedrnn.model;

import io.fusedrnn.Backend;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Feeding a sequence in chunks through {@link RnnStream} gives the whole-sequence call's y, h_n and
 * c_n bitwise on every backend and precision (each backend's kernels sum in the same order whatever
 * rows a chunk has), except fp32 on the reference backend: within 1e-6 relative there, because a
 * chunk boundary stores the state in a float32 tensor while the reference carries it in float64
 * between the steps of one sweep (measured about 1e-7, one float32 rounding).
 */
class StreamingTest {
    static final int T = 9, B = 3;
    static final int[][] CHUNKINGS = {{1, 1, 1, 1, 1, 1, 1, 1, 1}, {4, 5}, {2, 3, 4}, {9}};

    static List<RnnConfig> configs() {
        return List.of(RnnConfig.lstm(5, 6, 0, 2, false), RnnConfig.lstm(4, 5, 3, 2, false),
                RnnConfig.gru(3, 4, 2, false, true), RnnConfig.gru(3, 4, 1, false, false));
    }

    @TestFactory
    List<DynamicTest> streamingEqualsTheWholeSequenceOnEveryBackend() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String backend : Fixtures.BACKENDS) {
            for (Precision p : Precision.values()) {
                for (RnnConfig c : configs()) {
                    for (boolean withLengths : new boolean[] {false, true}) {
                        tests.add(DynamicTest.dynamicTest(backend + " " + p + " " + c.describe() + (withLengths ? " lengths" : ""),
                                () -> check(backend, p, c, withLengths)));
                    }
                }
            }
        }
        return tests;
    }

    static void check(String backendName, Precision p, RnnConfig cfg, boolean withLengths) {
        Random rnd = new Random(42);
        int[] lengths = withLengths ? new int[] {9, 4, 1} : null;
        double[] x = gaussian(rnd, T * B * cfg.inputSize());
        double[] h0 = gaussian(rnd, cfg.sweeps() * B * cfg.outputSize());
        double[] c0 = gaussian(rnd, cfg.sweeps() * B * cfg.hiddenSize());
        boolean lstm = cfg.cell().gates() == 4;
        try (Backend backend = Fixtures.openOrSkip(backendName);
             PreparedRnn rnn = RnnModel.random(cfg, 7).prepare(backend, p);
             Tensor xt = backend.upload(p, x, T, B, cfg.inputSize());
             Tensor h0t = backend.upload(p, h0, cfg.sweeps(), B, cfg.outputSize());
             Tensor c0t = lstm ? backend.upload(p, c0, cfg.sweeps(), B, cfg.hiddenSize()) : null;
             RnnOutput whole = rnn.forward(xt, h0t, c0t, lengths)) {
            double[] want = whole.y().toDoubleArray();
            for (int[] chunks : CHUNKINGS) {
                double[] got = new double[want.length];
                int offset = 0, width = cfg.outputSize();
                try (RnnStream s = rnn.stream(B, h0t, c0t)) {
                    for (int n : chunks) {
                        double[] part = Arrays.copyOfRange(x, offset * B * cfg.inputSize(), (offset + n) * B * cfg.inputSize());
                        int[] chunkLengths = null;
                        if (lengths != null) {
                            chunkLengths = new int[B];
                            for (int b = 0; b < B; b++) chunkLengths[b] = Math.clamp(lengths[b] - offset, 0, n);
                        }
                        try (Tensor xc = backend.upload(p, part, n, B, cfg.inputSize()); Tensor yc = s.step(xc, chunkLengths)) {
                            System.arraycopy(yc.toDoubleArray(), 0, got, offset * B * width, n * B * width);
                        }
                        offset += n;
                    }
                    String what = cfg.describe() + " in chunks " + Arrays.toString(chunks);
                    assertSame(backend, p, want, got, what + ": y");
                    assertEquals(T, s.steps());
                    try (Tensor hn = s.hN(); Tensor cn = s.cN()) {
                        assertSame(backend, p, whole.hN().toDoubleArray(), hn.toDoubleArray(), what + ": h_n");
                        if (lstm) assertSame(backend, p, whole.cN().toDoubleArray(), cn.toDoubleArray(), what + ": c_n");
                    }
                }
            }
        }
    }

    @Test
    void aBidirectionalModelCannotStream() {
        try (Backend backend = Fixtures.openOrSkip("reference");
             PreparedRnn rnn = RnnModel.random(RnnConfig.lstm(2, 3, 0, 1, true), 1).prepare(backend, Precision.FP64)) {
            FusedRnnException e = assertThrows(FusedRnnException.class, () -> rnn.stream(2, null, null));
            assertTrue(e.getMessage().contains("unidirectional"), e.getMessage());
        }
    }

    @Test
    void aStreamChecksItsBatchAndStartsFromZeroStates() {
        try (Backend backend = Fixtures.openOrSkip("reference");
             PreparedRnn rnn = RnnModel.random(RnnConfig.gru(2, 3, 2, false, true), 1).prepare(backend, Precision.FP64);
             RnnStream s = rnn.stream(2, null, null);
             Tensor wrong = backend.allocate(Precision.FP64, 1, 3, 2);
             Tensor hn = s.hN()) {
            assertArrayEquals(new double[2 * 2 * 3], hn.toDoubleArray());
            FusedRnnException e = assertThrows(FusedRnnException.class, () -> s.step(wrong));
            assertTrue(e.getMessage().startsWith("x: expected [T>=1, 2, 2]"), e.getMessage());
        }
    }

    /** Bitwise, except fp32 on the reference backend (within the tolerance of the class comment). */
    static void assertSame(Backend backend, Precision p, double[] want, double[] got, String what) {
        if (p == Precision.FP64 || !backend.name().equals("reference")) {
            assertArrayEquals(want, got, what);
            return;
        }
        double tol = io.fusedrnn.check.Tolerances.FP32_CHUNKED_STATE;
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol * (1 + Math.abs(want[i])), backend.name() + " " + what + "[" + i + "]");
        }
    }

    static double[] gaussian(Random rnd, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = rnd.nextGaussian();
        return a;
    }
}
