package io.fusedrnn.check;

import io.fusedrnn.Backend;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.Precision;
import io.fusedrnn.reference.ReferenceBackend;

import java.util.ArrayList;
import java.util.List;

/**
 * A backend's outputs and gradients in some precision against the reference backend's float64 ones,
 * as relative L2 errors ‖got − ref‖ / ‖ref‖, one per tensor; the limits are in {@link Tolerances}.
 */
public final class ReferenceComparison {
    /**
     * One compared tensor.
     *
     * @param tensor its name, e.g. {@code y} or {@code dweight_hh}
     * @param gradient whether it is a gradient (backward) rather than an output
     * @param relative relative L2 error against the reference
     */
    public record Error(String tensor, boolean gradient, double relative) {
    }

    private ReferenceComparison() {
    }

    /**
     * Runs {@code c} on {@code backend} in {@code precision} and on the reference in float64, forward and backward.
     *
     * @param backend the backend under test
     * @param c the case
     * @param precision the precision the backend computes in
     * @return one error per compared tensor
     */
    public static List<Error> run(Backend backend, ContractCase c, Precision precision) {
        SweepProblem p = new SweepProblem(c);
        SweepProblem.Outcome got = p.run(backend, precision, true);
        SweepProblem.Outcome ref;
        try (ReferenceBackend reference = new ReferenceBackend()) {
            ref = p.run(reference, Precision.FP64, true);
        }
        List<Error> errors = new ArrayList<>();
        add(errors, "y", false, got.y(), ref.y());
        add(errors, "h_n", false, got.hN(), ref.hN());
        add(errors, "c_n", false, got.cN(), ref.cN());
        add(errors, "dx", true, got.dx(), ref.dx());
        add(errors, "dh0", true, got.dh0(), ref.dh0());
        add(errors, "dc0", true, got.dc0(), ref.dc0());
        for (int k = 0; k < LayerWeights.NAMES.length; k++) {
            add(errors, "d" + LayerWeights.NAMES[k], true, got.dW()[k], ref.dW()[k]);
        }
        return errors;
    }

    private static void add(List<Error> errors, String name, boolean gradient, double[] got, double[] ref) {
        if (ref == null) return;
        errors.add(new Error(name, gradient, relativeL2(got, ref)));
    }

    /**
     * ‖got − ref‖ / ‖ref‖ (the absolute norm when ref is zero); infinite for a length mismatch or a
     * NaN, so that any tolerance check fails on them.
     *
     * @param got the backend's values
     * @param ref the reference's values
     * @return the relative error
     */
    public static double relativeL2(double[] got, double[] ref) {
        if (got.length != ref.length) return Double.POSITIVE_INFINITY;
        double d = 0, r = 0;
        for (int i = 0; i < ref.length; i++) {
            double e = got[i] - ref[i];
            d += e * e;
            r += ref[i] * ref[i];
        }
        double err = r == 0 ? Math.sqrt(d) : Math.sqrt(d / r);
        return Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
    }
}
