package io.fusedrnn.benchmarks.harness;

import io.fusedrnn.Backend;
import io.fusedrnn.Gradients;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.Precision;
import io.fusedrnn.PreparedLayer;
import io.fusedrnn.Sweep;
import io.fusedrnn.SweepResult;
import io.fusedrnn.Tensor;
import io.fusedrnn.check.ReferenceComparison;
import io.fusedrnn.reference.ReferenceBackend;

/**
 * The correctness check every contender passes before it is timed. Its y and h_n are compared, as
 * relative L2 error ‖got − ref‖ / ‖ref‖, with the float64 reference on a corner of the problem (the
 * first {@link #STEPS} steps of the first {@link #ROWS} rows: rows are independent and step t depends
 * only on steps &le; t, so the corner of the full run must match a run of the corner; h_n is compared
 * when the corner is the whole problem), and then, on the whole output, with a trusted contender.
 * In training mode dx and dh0 are checked alike: on the first {@link #GRADIENT_ROWS} rows over all
 * steps (a row's input gradients depend only on that row), then in whole against the trusted one.
 * A ragged shape's rows keep their lengths in both reference runs (cut to the corner's steps).
 */
public final class OutputCheck {
    /** Steps and rows of the corner run by the float64 reference (cheap even on the large shape). */
    public static final int STEPS = 4, ROWS = 4;
    /** Rows whose input gradients the float64 reference computes over all T steps in training mode. */
    public static final int GRADIENT_ROWS = 2;

    private final Problem problem;
    private final int steps, rows, width;
    private final double[] refY, refH;
    private double[] refDx, refDh0;

    /** Runs the float64 reference on the corner of the problem. */
    public OutputCheck(Problem p) {
        this.problem = p;
        LayerSpec s = p.benchCase().spec();
        steps = Math.min(STEPS, p.steps());
        rows = Math.min(ROWS, p.batch());
        width = s.outputSize();
        int in = s.inputSize();
        double[] x = new double[steps * rows * in];
        for (int t = 0; t < steps; t++) {
            System.arraycopy(p.x(), (t * p.batch()) * in, x, t * rows * in, rows * in);
        }
        try (Backend ref = new ReferenceBackend();
             PreparedLayer layer = ref.prepare(p.weights(), Precision.FP64);
             Tensor xt = ref.upload(Precision.FP64, x, steps, rows, in);
             Tensor y = ref.allocate(Precision.FP64, steps, rows, width);
             SweepResult r = ref.forward(layer, new Sweep(xt, null, null, lengths(rows, steps), false), y, 0, false)) {
            refY = y.toDoubleArray();
            refH = r.hN().toDoubleArray();
        }
    }

    /** The largest relative L2 error allowed: 1e-4 in fp32 (float32 data over T steps), 1e-9 in fp64. */
    public static double tolerance(Precision p) {
        return p == Precision.FP32 ? 1e-4 : 1e-9;
    }

    /** Worst relative L2 error of y (and h_n when the corner is everything) against the float64 reference. */
    public double errorVsReference(Trial.Outputs got) {
        double[] y = new double[refY.length];
        int full = problem.batch() * width;
        for (int t = 0; t < steps; t++) System.arraycopy(got.y(), t * full, y, t * rows * width, rows * width);
        double e = relL2(y, refY);
        if (steps == problem.steps() && rows == problem.batch()) e = Math.max(e, relL2(got.hN(), refH));
        return e;
    }

    /** Worst relative L2 error of dx (first rows, all steps) and dh0 (first rows) against the float64 reference. */
    public double gradientErrorVsReference(Trial.InputGradients got) {
        int r = Math.min(GRADIENT_ROWS, problem.batch()), in = problem.benchCase().spec().inputSize();
        if (refDx == null) referenceGradients(r, in);
        double[] dx = new double[refDx.length];
        for (int t = 0; t < problem.steps(); t++) {
            System.arraycopy(got.dx(), t * problem.batch() * in, dx, t * r * in, r * in);
        }
        double[] dh0 = new double[refDh0.length];
        System.arraycopy(got.dh0(), 0, dh0, 0, dh0.length);
        return Math.max(relL2(dx, refDx), relL2(dh0, refDh0));
    }

    private void referenceGradients(int r, int in) {
        int steps = problem.steps(), batch = problem.batch();
        double[] x = new double[steps * r * in], dy = new double[steps * r * width];
        for (int t = 0; t < steps; t++) {
            System.arraycopy(problem.x(), t * batch * in, x, t * r * in, r * in);
            System.arraycopy(problem.dy(), t * batch * width, dy, t * r * width, r * width);
        }
        try (Backend ref = new ReferenceBackend();
             PreparedLayer layer = ref.prepare(problem.weights(), Precision.FP64);
             Tensor xt = ref.upload(Precision.FP64, x, steps, r, in);
             Tensor y = ref.allocate(Precision.FP64, steps, r, width);
             Tensor dyt = ref.upload(Precision.FP64, dy, steps, r, width);
             Tensor dx = ref.allocate(Precision.FP64, steps, r, in);
             SweepResult fwd = ref.forward(layer, new Sweep(xt, null, null, lengths(r, steps), false), y, 0, true);
             Gradients g = ref.backward(layer, new Sweep(xt, null, null, lengths(r, steps), false), fwd.reserve(), dyt, 0, null, null, dx)) {
            refDx = dx.toDoubleArray();
            refDh0 = g.dh0().toDoubleArray();
        }
    }

    /** The first n rows' lengths cut to the first {@code steps} steps, or null when every row runs them all. */
    private int[] lengths(int n, int steps) {
        int[] all = problem.benchCase().shape().lengths();
        if (all == null) return null;
        int[] len = new int[n];
        for (int b = 0; b < n; b++) len[b] = Math.min(all[b], steps);
        return len;
    }

    /** Worst relative L2 error of the whole dx and dh0 against another contender's. */
    public static double errorVs(Trial.InputGradients got, Trial.InputGradients trusted) {
        return Math.max(relL2(got.dx(), trusted.dx()), relL2(got.dh0(), trusted.dh0()));
    }

    /** Worst relative L2 error of the whole y and h_n against another contender's. */
    public static double errorVs(Trial.Outputs got, Trial.Outputs trusted) {
        return Math.max(relL2(got.y(), trusted.y()), relL2(got.hN(), trusted.hN()));
    }

    /** {@link ReferenceComparison#relativeL2}: infinite for a length mismatch or NaN. */
    public static double relL2(double[] got, double[] ref) {
        return ReferenceComparison.relativeL2(got, ref);
    }
}
