package io.fusedrnn;

import io.fusedrnn.check.ContractCase;
import io.fusedrnn.check.GradientCheck;
import io.fusedrnn.check.ReferenceComparison;
import io.fusedrnn.check.SweepProblem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backend contract: every backend's test is a subclass that says how to open it. Gradient check
 * in float64, agreement with the float64 reference in float64 and float32, PyTorch's own values, and
 * the tensor rules (output columns, dx accumulation, close). Tolerances are DESIGN's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendContract {
    private Backend backend;

    /** Opens the backend under test (called once per class). */
    protected abstract Backend open();

    @BeforeAll
    final void openBackend() {
        backend = open();
    }

    @AfterAll
    final void closeBackend() {
        if (backend != null) backend.close();
    }

    protected final Backend backend() {
        return backend;
    }

    static Stream<ContractCase> cases() {
        return ContractCase.all().stream();
    }

    static Stream<String> fixtures() {
        return PyTorchFixture.NAMES.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.fusedrnn.BackendContract#cases")
    void float64GradientsMatchCentralDifferences(ContractCase c) {
        GradientCheck.Report r = GradientCheck.run(backend, c);
        assertTrue(r.checked() > 0, "no coordinate checked");
        assertTrue(r.passed(), r::message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.fusedrnn.BackendContract#cases")
    void float64AgreesWithTheReference(ContractCase c) {
        assertWithin(c, Precision.FP64, ReferenceComparison.FP64, ReferenceComparison.FP64);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.fusedrnn.BackendContract#cases")
    void float32AgreesWithTheFloat64Reference(ContractCase c) {
        assertWithin(c, Precision.FP32, ReferenceComparison.FP32_FORWARD, ReferenceComparison.FP32_BACKWARD);
    }

    private void assertWithin(ContractCase c, Precision p, double forward, double backward) {
        for (ReferenceComparison.Error e : ReferenceComparison.run(backend, c, p)) {
            double limit = e.gradient() ? backward : forward;
            assertTrue(e.relative() <= limit, () -> backend.name() + " " + p + " " + e.tensor() + ": relative L2 error "
                    + e.relative() + " > " + limit + " against the float64 reference, case " + c);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.fusedrnn.BackendContract#fixtures")
    void float64MatchesPyTorch(String name) {
        PyTorchFixture f = PyTorchFixture.load(name);
        LayerSpec s = f.spec();
        int T = f.integer("T"), B = f.integer("B");
        ContractCase c = new ContractCase(s, T, B, f.json().get("reverse").asBoolean(), f.array("h0") != null,
                f.lengths() != null, 0);
        double[] h0 = f.array("h0"), c0 = f.array("c0");
        SweepProblem.Outcome got = new SweepProblem(c, f.weights(), f.array("x"), h0, c0, f.array("G_y"), f.array("G_h"),
                f.array("G_c"), f.lengths()).run(backend, Precision.FP64, true);
        double tol = 1e-12; // PyTorch and we evaluate the same formulas in float64: measured agreement ~1e-16
        check(name, "y", got.y(), f.array("y"), tol);
        check(name, "h_n", got.hN(), f.array("h_n"), tol);
        if (s.hasCellState()) check(name, "c_n", got.cN(), f.array("c_n"), tol);
        check(name, "dx", got.dx(), f.array("grad_x"), tol);
        if (h0 != null) check(name, "dh0", got.dh0(), f.array("grad_h0"), tol);
        if (c0 != null) check(name, "dc0", got.dc0(), f.array("grad_c0"), tol);
        for (int k = 0; k < LayerWeights.NAMES.length; k++) {
            double[] want = f.array("grad_" + LayerWeights.NAMES[k]);
            if (want != null) check(name, "d" + LayerWeights.NAMES[k], got.dW()[k], want, tol);
        }
    }

    private void check(String fixture, String tensor, double[] got, double[] want, double tol) {
        double e = ReferenceComparison.relativeL2(got, want);
        assertTrue(e <= tol, () -> backend.name() + " fixture " + fixture + " " + tensor + ": relative L2 error " + e
                + " > " + tol + " against PyTorch");
    }

    @Test
    void forwardWritesOnlyItsColumnsOfAWiderOutput() {
        ContractCase c = new ContractCase(LayerSpec.lstm(5, 3, 2), 4, 3, true, true, true, 5);
        SweepProblem p = new SweepProblem(c);
        double[] alone = p.run(backend, Precision.FP64, false).y();
        int T = 4, B = 3, out = 2, width = 7, column = 3;
        double[] wide = new double[T * B * width];
        Arrays.fill(wide, 42.0);
        try (PreparedLayer layer = backend.prepare(p.weights, Precision.FP64);
             Tensor x = backend.upload(Precision.FP64, p.x, T, B, 5);
             Tensor h0 = backend.upload(Precision.FP64, p.h0, B, out);
             Tensor c0 = backend.upload(Precision.FP64, p.c0, B, 3);
             Tensor y = backend.upload(Precision.FP64, wide, T, B, width);
             SweepResult r = backend.forward(layer, new Sweep(x, h0, c0, p.lengths, true), y, column, false)) {
            double[] got = y.toDoubleArray();
            for (int row = 0; row < T * B; row++) {
                for (int j = 0; j < width; j++) {
                    double want = j >= column && j < column + out ? alone[row * out + j - column] : 42.0;
                    assertEquals(want, got[row * width + j], 1e-15, "y[" + row + ", " + j + "] (columns " + column + ".." + (column + out) + ")");
                }
            }
        }
    }

    @Test
    void backwardAddsIntoDx() {
        ContractCase c = new ContractCase(LayerSpec.gru(4, 5, true), 3, 2, false, true, false, 6);
        SweepProblem p = new SweepProblem(c);
        double[] start = new double[3 * 2 * 4];
        for (int i = 0; i < start.length; i++) start[i] = i * 0.25;
        try (PreparedLayer layer = backend.prepare(p.weights, Precision.FP64);
             Tensor x = backend.upload(Precision.FP64, p.x, 3, 2, 4);
             Tensor h0 = backend.upload(Precision.FP64, p.h0, 2, 5);
             Tensor y = backend.allocate(Precision.FP64, 3, 2, 5);
             Tensor dy = backend.upload(Precision.FP64, p.gy, 3, 2, 5);
             Tensor dx = backend.upload(Precision.FP64, start, 3, 2, 4)) {
            Sweep sweep = new Sweep(x, h0, null, null, false);
            try (SweepResult r = backend.forward(layer, sweep, y, 0, true);
                 Gradients g = backend.backward(layer, sweep, r.reserve(), dy, 0, null, null, dx)) {
                double[] got = dx.toDoubleArray();
                double[] want = new double[start.length];
                double[] alone = new SweepProblem(c, p.weights, p.x, p.h0, null, p.gy, new double[10], null, null)
                        .run(backend, Precision.FP64, true).dx();
                for (int i = 0; i < want.length; i++) want[i] = start[i] + alone[i];
                assertArrayEquals(want, got, 1e-12);
            }
        }
    }

    @Test
    void closingTwiceIsHarmlessAndUseAfterCloseThrows() {
        Tensor t = backend.allocate(Precision.FP32, 2, 3);
        PreparedLayer layer = backend.prepare(LayerWeights.random(LayerSpec.lstm(3, 2), 1), Precision.FP32);
        t.close();
        t.close();
        layer.close();
        layer.close();
        assertThrows(IllegalStateException.class, t::toDoubleArray);
        try (Tensor x = backend.allocate(Precision.FP32, 1, 1, 3); Tensor y = backend.allocate(Precision.FP32, 1, 1, 2)) {
            assertThrows(IllegalStateException.class, () -> backend.forward(layer, Sweep.of(x), y, 0, false));
        }
    }
}
