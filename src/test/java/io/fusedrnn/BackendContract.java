package io.fusedrnn;

import io.fusedrnn.check.ContractCase;
import io.fusedrnn.check.GradientCheck;
import io.fusedrnn.check.ReferenceComparison;
import io.fusedrnn.check.SweepProblem;
import io.fusedrnn.check.Tolerances;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backend contract: every backend's test is a subclass that says how to open it (the OpenCL ones
 * live in native-tests). Gradient check in float64, agreement with the float64 reference in float64
 * and float32, PyTorch's own values, and the tensor rules (output columns, dx accumulation, reserves,
 * close). Tolerances are {@link Tolerances}, the table of docs/DESIGN.md, Tolerances.
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

    /**
     * Whether the backend under test is the reference itself: its float64 run would be compared with
     * itself, which cannot fail, so that comparison is skipped; the reference answers to PyTorch's
     * fixtures and to the gradient check instead.
     */
    protected boolean isTheReference() {
        return false;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.fusedrnn.BackendContract#cases")
    void float64AgreesWithTheReference(ContractCase c) {
        Assumptions.assumeFalse(isTheReference(), "the reference against itself cannot fail; it is checked against PyTorch instead");
        assertWithin(c, Precision.FP64, Tolerances.FP64_VS_REFERENCE, Tolerances.FP64_VS_REFERENCE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.fusedrnn.BackendContract#cases")
    void float32AgreesWithTheFloat64Reference(ContractCase c) {
        assertWithin(c, Precision.FP32, Tolerances.FP32_FORWARD, Tolerances.FP32_BACKWARD);
    }

    private void assertWithin(ContractCase c, Precision p, double forward, double backward) {
        assertWithin(backend, c, p, forward, backward);
    }

    private static void assertWithin(Backend backend, ContractCase c, Precision p, double forward, double backward) {
        for (ReferenceComparison.Error e : ReferenceComparison.run(backend, c, p)) {
            double limit = e.gradient() ? backward : forward;
            assertTrue(e.relative() <= limit, () -> backend.name() + " " + p + " " + e.tensor() + ": relative L2 error "
                    + e.relative() + " > " + limit + " against the float64 reference, case " + c);
        }
    }

    /** {@code c} on {@code backend} in float64 and float32, forward and gradients, against the float64 reference within the contract's tolerances. */
    public static void assertAgreesWithTheReference(Backend backend, ContractCase c) {
        assertWithin(backend, c, Precision.FP64, Tolerances.FP64_VS_REFERENCE, Tolerances.FP64_VS_REFERENCE);
        assertWithin(backend, c, Precision.FP32, Tolerances.FP32_FORWARD, Tolerances.FP32_BACKWARD);
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
        double tol = Tolerances.FP64_VS_PYTORCH;
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
                    assertEquals(want, got[row * width + j], Tolerances.SAME_BACKEND, "y[" + row + ", " + j + "] (columns " + column + ".." + (column + out) + ")");
                }
            }
        }
    }

    @Test
    void backwardAddsIntoDx() {
        double[][] wantGot = dxAccumulation(backend);
        assertArrayEquals(wantGot[0], wantGot[1], Tolerances.DX_ACCUMULATION);
    }

    /**
     * Backward of a small GRU into a dx that starts non-zero: {start + dL/dx computed alone, dx after
     * the backward}, which agree when backward adds into dx (ToleranceSurvey measures the gap).
     */
    public static double[][] dxAccumulation(Backend backend) {
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
                return new double[][] {want, got};
            }
        }
    }

    @Test
    void backwardRefusesASweepOtherThanTheForwardThatMadeTheReserve() {
        LayerSpec spec = LayerSpec.lstm(3, 4);
        Precision p = Precision.FP64;
        try (PreparedLayer layer = backend.prepare(LayerWeights.random(spec, 1), p);
             Tensor x = backend.allocate(p, 3, 2, 3);
             Tensor y = backend.allocate(p, 3, 2, 4);
             Tensor dx = backend.allocate(p, 3, 2, 3);
             SweepResult r = backend.forward(layer, new Sweep(x, null, null, new int[] {3, 1}, false), y, 0, true)) {
            FusedRnnException lengths = assertThrows(FusedRnnException.class, () -> backend.backward(layer,
                    new Sweep(x, null, null, new int[] {3, 2}, false), r.reserve(), y, 0, null, null, dx));
            assertEquals("lengths: expected [3, 1] as in the forward that made the reserve, found [3, 2]", lengths.getMessage());
            FusedRnnException full = assertThrows(FusedRnnException.class, () -> backend.backward(layer,
                    new Sweep(x, null, null, null, false), r.reserve(), y, 0, null, null, dx));
            assertEquals("lengths: expected [3, 1] as in the forward that made the reserve, found [3, 3]", full.getMessage());
            FusedRnnException direction = assertThrows(FusedRnnException.class, () -> backend.backward(layer,
                    new Sweep(x, null, null, new int[] {3, 1}, true), r.reserve(), y, 0, null, null, dx));
            assertEquals("sweep: expected reverse=false as in the forward that made the reserve, found true", direction.getMessage());
            // the matching sweep still runs (full lengths given as null or as T are the same sweep)
            try (Gradients g = backend.backward(layer, new Sweep(x, null, null, new int[] {3, 1}, false), r.reserve(), y, 0, null, null, dx)) {
                assertEquals(2, g.dh0().dim(0));
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

    @Test
    void resultsAreBitwiseIdenticalRunAfterRun() {
        for (Precision p : Precision.values()) {
            SweepProblem problem = new SweepProblem(new ContractCase(LayerSpec.lstm(33, 13, 5), 9, 7, true, true, true, 77));
            // from the first run: no backend's bits depend on what the JIT has compiled (README, Determinism;
            // until round 18 the vector backend's first runs could move a last bit, and this test warmed up)
            SweepProblem.Outcome a = problem.run(backend, p, true), b = problem.run(backend, p, true);
            assertArrayEquals(a.outputs(), b.outputs(), Tolerances.SAME_BACKEND, backend.name() + " " + p + " outputs");
            assertArrayEquals(a.dx(), b.dx(), Tolerances.SAME_BACKEND, backend.name() + " " + p + " dx");
            for (int k = 0; k < LayerWeights.NAMES.length; k++) {
                if (a.dW()[k] != null) assertArrayEquals(a.dW()[k], b.dW()[k], Tolerances.SAME_BACKEND, backend.name() + " " + p + " d" + LayerWeights.NAMES[k]);
            }
        }
    }

    @Test
    void threadsSharingOneBackendGetTheSerialResultsBitwise() throws Exception {
        int threads = 4;
        List<SweepProblem> problems = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            problems.add(new SweepProblem(new ContractCase(LayerSpec.gru(17, 19, i % 2 == 0), 7, 3, i % 2 == 1, true, true, 100 + i)));
        }
        List<double[]> serial = problems.stream().map(p -> p.run(backend, Precision.FP32, true).dx()).toList();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < 3; round++) {
                List<Future<double[]>> parallel = new ArrayList<>();
                for (SweepProblem p : problems) parallel.add(pool.submit(() -> p.run(backend, Precision.FP32, true).dx()));
                for (int i = 0; i < threads; i++) {
                    double[] got = parallel.get(i).get();
                    assertArrayEquals(serial.get(i), got, Tolerances.SAME_BACKEND, "thread " + i + " round " + round);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void thousandsOfPrepareForwardCloseCyclesLeaveNothingOpen() {
        ContractCase c = new ContractCase(LayerSpec.lstm(8, 6, 3), 3, 2, false, true, true, 9);
        SweepProblem p = new SweepProblem(c);
        p.run(backend, Precision.FP32, true); // warm-up: caches a backend may keep are made here
        long baseline = backend.liveObjects();
        for (int i = 0; i < cycles(); i++) p.run(backend, i % 2 == 0 ? Precision.FP32 : Precision.FP64, i % 3 == 0);
        assertEquals(baseline, backend.liveObjects(), "live tensors, layers and reserves of " + backend.name());
    }

    /** How many prepare/forward/close cycles the leak test runs (a slow device may run fewer). */
    protected int cycles() {
        return 2000;
    }

    @Test
    void nonFiniteInputPropagatesToItsOwnRowOnly() {
        ContractCase c = new ContractCase(LayerSpec.lstm(4, 5), 4, 3, false, false, false, 10);
        SweepProblem clean = new SweepProblem(c);
        double[] x = clean.x.clone();
        x[(1 * 3 + 2) * 4 + 1] = Double.NaN; // x[t=1, b=2, 1]
        SweepProblem.Outcome o = new SweepProblem(c, clean.weights, x, null, null, clean.gy, clean.gh, clean.gc, null)
                .run(backend, Precision.FP32, false);
        for (int t = 0; t < 4; t++) {
            for (int b = 0; b < 3; b++) {
                double v = o.y()[(t * 3 + b) * 5];
                boolean poisoned = b == 2 && t >= 1;
                assertEquals(poisoned, Double.isNaN(v), "y[t=" + t + ", b=" + b + "] = " + v);
            }
        }
        try (Tensor y = backend.upload(Precision.FP32, o.y(), 4, 3, 5)) {
            FusedRnnException e = assertThrows(FusedRnnException.class, () -> NonFinite.check("y", y));
            assertEquals("y: expected finite values, found NaN at [1, 2, 0] (first of 15)", e.getMessage());
        }
    }
}
