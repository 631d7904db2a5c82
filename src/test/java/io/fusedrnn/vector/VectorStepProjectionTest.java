package io.fusedrnn.vector;

import io.fusedrnn.Backend;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.Precision;
import io.fusedrnn.PreparedLayer;
import io.fusedrnn.Sweep;
import io.fusedrnn.SweepResult;
import io.fusedrnn.Tensor;
import io.fusedrnn.check.ContractCase;
import io.fusedrnn.check.ReferenceComparison;
import io.fusedrnn.check.SweepProblem;
import io.fusedrnn.check.Tolerances;
import io.fusedrnn.reference.ReferenceBackend;
import io.fusedrnn.FusedRnnException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * An inference split by rows, or on one worker, projects each step's rows in the step ({@link Recurrence#projectSteps}):
 * it agrees with the float64 reference, gives bitwise the outputs of the same backend projecting all
 * steps first, and never makes the [T·B, G·H] projection array. Every cell, both precisions, rows of
 * equal length (claimed in groups at 40 rows on 2 workers) and ragged, reversed (each worker gathers
 * its rows of x_t), 1, 2 and 3 workers; H = 64 and P = 32 are whole panels on every ISA.
 */
class VectorStepProjectionTest {

    static Stream<Arguments> cases() {
        List<Arguments> a = new ArrayList<>();
        LayerSpec[] specs = {LayerSpec.lstm(7, 64), LayerSpec.lstm(7, 64, 32), LayerSpec.gru(7, 64, true), LayerSpec.gru(7, 64, false)};
        for (LayerSpec s : specs) {
            for (Precision p : new Precision[] {Precision.FP32, Precision.FP64}) {
                a.add(Arguments.of(new ContractCase(s, 6, 40, false, true, false, 301), p, 2));
                a.add(Arguments.of(new ContractCase(s, 6, 40, true, true, true, 302), p, 2));
                a.add(Arguments.of(new ContractCase(s, 5, 27, false, false, true, 303), p, 3));
                a.add(Arguments.of(new ContractCase(s, 5, 9, true, true, true, 304), p, 1));
            }
        }
        return a.stream();
    }

    @ParameterizedTest(name = "{0} {1} workers={2}")
    @MethodSource("cases")
    void eachStepsOwnProjectionAgreesWithTheReferenceAndGivesTheBitsOfOneUpFront(ContractCase c, Precision p, int workers) {
        SweepProblem problem = new SweepProblem(c);
        SweepProblem.Outcome want;
        try (Backend ref = new ReferenceBackend()) {
            want = problem.run(ref, Precision.FP64, false);
        }
        double tol = p == Precision.FP64 ? Tolerances.FP64_VS_REFERENCE : Tolerances.FP32_FORWARD;
        String mismatch = null;
        try (Backend stepwise = new VectorBackend(workers, Recurrence.Split.AUTO, true);
             Backend upFront = new VectorBackend(workers, Recurrence.Split.AUTO, false)) {
            assertFalse(projectedAllSteps(stepwise, problem, p), "an inference projecting its steps made the projection of all steps");
            assertTrue(projectedAllSteps(upFront, problem, p), "the backend told not to project per step did");
            // one run each: the bits do not depend on the JIT tier (README, Determinism; until round 18 this retried)
            SweepProblem.Outcome got = problem.run(stepwise, p, false), other = problem.run(upFront, p, false);
            double[] g = got.outputs(), w = want.outputs();
            double e = ReferenceComparison.relativeL2(g, w);
            assertTrue(e <= tol, () -> "relative L2 error " + e + " > " + tol + " against the reference");
            mismatch = Arrays.equals(g, other.outputs()) ? null : firstDifference(g, other.outputs());
        }
        if (mismatch != null) fail("per step against up front: " + mismatch);
    }

    @Test
    void theSwitchTakesTrueOrFalseAndNamesItselfOtherwise() {
        String key = "fusedrnn.vector.stepProjection", before = System.getProperty(key);
        try {
            System.setProperty(key, "FALSE");
            assertFalse(Recurrence.stepProjectionFromProperty());
            System.clearProperty(key);
            assertTrue(Recurrence.stepProjectionFromProperty());
            System.setProperty(key, "no");
            FusedRnnException e = assertThrows(FusedRnnException.class, () -> new VectorBackend(2).close());
            assertEquals("-Dfusedrnn.vector.stepProjection: expected true or false, found 'no'", e.getMessage());
        } finally {
            if (before == null) System.clearProperty(key);
            else System.setProperty(key, before);
        }
    }

    /** Runs the problem's inference on a fresh layer and tells whether its workspace holds the projection of all steps. */
    private static boolean projectedAllSteps(Backend be, SweepProblem problem, Precision p) {
        ContractCase c = problem.c;
        LayerSpec s = c.spec();
        try (PreparedLayer layer = be.prepare(problem.weights, p);
             Tensor x = be.upload(p, problem.x, c.steps(), c.batch(), s.inputSize());
             Tensor y = be.allocate(p, c.steps(), c.batch(), s.outputSize());
             SweepResult ignored = be.forward(layer, new Sweep(x, null, null, problem.lengths, c.reverse()), y, 0, false)) {
            return ((VecLayer<?>) layer).lastWorkspace().madeProjectionOfAllSteps();
        }
    }

    private static String firstDifference(double[] a, double[] b) {
        for (int i = 0; i < a.length; i++) {
            if (Double.doubleToLongBits(a[i]) != Double.doubleToLongBits(b[i])) return "output element " + i + ": " + a[i] + " against " + b[i];
        }
        return "lengths " + a.length + " and " + b.length;
    }
}
