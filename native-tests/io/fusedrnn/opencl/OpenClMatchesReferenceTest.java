package io.fusedrnn.opencl;

import io.fusedrnn.check.ReferenceComparison;

import io.fusedrnn.LayerSpec;
import io.fusedrnn.Precision;
import io.fusedrnn.reference.ReferenceBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OpenCL against the scalar reference, forward and backward, on awkward shapes (partial tiles, tails)
 * for every cell variant, both directions, with and without initial states and per-row lengths, and
 * shapes that take each rung of the kernel ladder on a CPU device:
 * fp64 to 1e-10 relative, fp32 against the fp64 reference to DESIGN's 1e-5 forward / 1e-4 backward.
 */
class OpenClMatchesReferenceTest {
    private static OpenClBackend cl;
    private static ReferenceBackend ref;

    @BeforeAll
    static void open() {
        cl = OpenClPlatform.open();
        ref = new ReferenceBackend();
    }

    @AfterAll
    static void close() {
        if (cl != null) cl.close();
        if (ref != null) ref.close();
    }

    static List<SweepCase> cases() {
        List<SweepCase> cases = new ArrayList<>();
        LayerSpec[] specs = {
                LayerSpec.lstm(5, 13), LayerSpec.lstm(33, 67, 9), LayerSpec.gru(5, 13, true), LayerSpec.gru(33, 67, false),
                LayerSpec.lstm(1, 1), LayerSpec.gru(1, 3, false), LayerSpec.gru(33, 67, true), LayerSpec.lstm(5, 8, 3),
                // H a multiple of the vector width: the CPU rung's vector kernels, and at B ≤ 2 its one-work-group sweep
                LayerSpec.lstm(5, 16), LayerSpec.gru(7, 16, true)};
        long seed = 11;
        for (LayerSpec s : specs) {
            cases.add(new SweepCase(s, 9, 7, false, false, false, seed++));
            cases.add(new SweepCase(s, 9, 7, true, true, true, seed++));
            cases.add(new SweepCase(s, 2, 1, true, true, false, seed++));
            cases.add(new SweepCase(s, 9, 2, false, true, true, seed++));
        }
        return cases;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void float64MatchesTheReferenceForwardAndBackward(SweepCase c) {
        compare(c, Precision.FP64, 1e-10, 1e-10);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void float32MatchesTheFloat64Reference(SweepCase c) {
        compare(c, Precision.FP32, 1e-5, 1e-4);
    }

    private static void compare(SweepCase c, Precision pr, double forwardTol, double backwardTol) {
        Map<String, double[]> want = c.run(ref, Precision.FP64);
        Map<String, double[]> got = c.run(cl, pr);
        assertEquals(want.keySet(), got.keySet(), c.toString());
        for (String name : want.keySet()) {
            double err = ReferenceComparison.relativeL2(got.get(name), want.get(name));
            boolean forward = name.equals("y") || name.equals("h_n") || name.equals("c_n");
            double tol = forward ? forwardTol : backwardTol;
            assertTrue(err <= tol, () -> name + ": relative error " + err + " > " + tol + " (" + pr + ", " + c + ")");
        }
    }
}
