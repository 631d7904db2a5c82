package io.fusedrnn.check;

/**
 * Every tolerance the backend checks use, in one place; each is a row of the tolerance table in
 * docs/DESIGN.md, Tolerances, which gives the measurement behind the number. Errors are relative L2
 * norms, ‖got − want‖ / ‖want‖ over a whole tensor ({@link ReferenceComparison#relativeL2}), unless
 * a constant says otherwise.
 */
public final class Tolerances {
    /**
     * float64 on any backend against the float64 reference, forward and gradients: the same formulas
     * summed in another order (blocked, vectorised, fused multiply-adds), so only rounding differs.
     */
    public static final double FP64_VS_REFERENCE = 1e-13;
    /** float64 on any backend against PyTorch's float64 fixtures (per layer-direction sweep). */
    public static final double FP64_VS_PYTORCH = 1e-13;
    /** float32 forward outputs (y, h_n, c_n) against the float64 reference, T &le; 64. */
    public static final double FP32_FORWARD = 1e-5;
    /** float32 gradients against the float64 reference, T &le; 64. */
    public static final double FP32_BACKWARD = 1e-5;
    /** Central-difference step of the float64 gradient check. */
    public static final double GRADCHECK_EPSILON = 1e-6;
    /** A gradient-check coordinate passes when |a − n| &le; this·(|a| + |n|) ... */
    public static final double GRADCHECK_RELATIVE = 1e-6;
    /** ... or when |a − n| &le; this (gradients near zero, where the relative test is meaningless). */
    public static final double GRADCHECK_ABSOLUTE = 1e-8;
    /**
     * The same backend run twice, or from several threads, or writing into a wider y: bitwise equal
     * (absolute difference 0), since each computes the same operations in the same order.
     */
    public static final double SAME_BACKEND = 0;
    /**
     * Backward adding dL/dx into a dx that already holds values, against the values plus the dL/dx of
     * a run into zeros (absolute, values of order 1).
     */
    public static final double DX_ACCUMULATION = 1e-13;
    /**
     * float32 on the reference backend, a sequence fed in chunks against the whole sequence at once
     * (elementwise, relative to 1 + |want|): a chunk boundary rounds the state to float32, which the
     * reference otherwise carries in float64 between steps. Every other backend is bitwise there.
     */
    public static final double FP32_CHUNKED_STATE = 1e-6;

    private Tolerances() {
    }
}
