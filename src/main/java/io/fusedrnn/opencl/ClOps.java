package io.fusedrnn.opencl;

import io.fusedrnn.Precision;
import org.jocl.cl_mem;

/**
 * The host side of the kernel files for one precision: which file, which -D options, which
 * work-group shape. Sweeps call these; they only enqueue (nothing waits for the device here).
 */
final class ClOps {
    /** Hidden units per work-group in the step kernels (neighbouring units read neighbouring weights). */
    static final int STEP_UNITS = 32;
    /** Width of the h slices the step kernels stage in local memory. */
    static final int STEP_KTILE = 64;
    /** GEMM tile: TSM×TSN per work-group, WPT×WPT accumulators per work-item. */
    static final int GEMM_TS = 32, GEMM_WPT = 4, GEMM_TK = 16;

    final ClContext ctx;
    final Precision precision;
    private final String real;

    ClOps(ClContext ctx, Precision precision) {
        this.ctx = ctx;
        this.precision = precision;
        this.real = "-cl-std=CL1.2 " + (precision == Precision.FP64 ? "-D REAL=double -D USE_FP64" : "-D REAL=float");
    }

    /** The REAL option of this precision (tests build with it). */
    String realOptions() {
        return real;
    }

    /**
     * Batch rows per step work-group: each work-item keeps rows×gates accumulators, so a block larger
     * than the batch only wastes work; 4 rows × 4 gates = 16 registers is where spilling starts on CPUs.
     */
    static int stepRows(int batch) {
        return batch >= 4 ? 4 : batch >= 2 ? 2 : 1;
    }

    Launch step(String file, String kernel, int batch) {
        String opts = real + " -D UNITS=" + STEP_UNITS + " -D ROWS=" + stepRows(batch) + " -D KTILE=" + STEP_KTILE;
        return ctx.kernel(file, opts, kernel);
    }

    /** Global/local sizes of a step kernel: hidden units × row blocks. */
    static void runStep(Launch l, int hidden, int batch) {
        int rows = stepRows(batch);
        l.run2(hidden, (batch + rows - 1) / rows, STEP_UNITS, 1);
    }

    Launch elementwise(String file, String kernel) {
        return ctx.kernel(file, real, kernel);
    }

    /**
     * C[M,N] (+)= A·B (+ bias), with A(m,k) = a[aOff + m·sam + k·sak] and B(k,n) = b[bOff + k·sbk + n·sbn].
     * {@code bias} may be null.
     */
    void gemm(int m, int n, int k, cl_mem a, int aOff, int sam, int sak, cl_mem b, int bOff, int sbk, int sbn,
              cl_mem c, int cOff, int ldc, cl_mem bias, boolean accumulate) {
        if (m == 0 || n == 0) return;
        if (k == 0 && accumulate && bias == null) return;
        String opts = real + " -D TSM=" + GEMM_TS + " -D TSN=" + GEMM_TS + " -D TK=" + GEMM_TK
                + " -D WPTM=" + GEMM_WPT + " -D WPTN=" + GEMM_WPT;
        int local = GEMM_TS / GEMM_WPT;
        ctx.kernel("gemm.cl", opts, "gemm")
                .i(m).i(n).i(k)
                .mem(a).i(aOff).i(sam).i(sak)
                .mem(b).i(bOff).i(sbk).i(sbn)
                .mem(c).i(cOff).i(ldc)
                .mem(bias == null ? c : bias).i(bias == null ? 0 : 1).i(accumulate ? 1 : 0)
                .run2((long) (n + GEMM_TS - 1) / GEMM_TS * local, (long) (m + GEMM_TS - 1) / GEMM_TS * local, local, local);
    }

    /** dst[k, b, :] = src[t(k, b), b, :] for k &lt; steps (0 for inactive rows). */
    void gather(int steps, int batch, int width, boolean reverse, cl_mem lengths, cl_mem src, cl_mem dst) {
        elementwise("seq.cl", "gather_steps").i(steps).i(batch).i(width).i(reverse ? 1 : 0).mem(lengths).mem(src).mem(dst)
                .run2(width, (long) steps * batch, 16, 1);
    }

    /** dst[t(k, b), b, :] += src[k, b, :] for active rows, k &lt; steps. */
    void scatterAdd(int steps, int batch, int width, boolean reverse, cl_mem lengths, cl_mem src, cl_mem dst) {
        elementwise("seq.cl", "scatter_add_steps").i(steps).i(batch).i(width).i(reverse ? 1 : 0).mem(lengths).mem(src).mem(dst)
                .run2(width, (long) steps * batch, 16, 1);
    }

    /** Zeroes y's columns [col, col+out) wherever t ≥ len[b]. */
    void zeroPadding(int steps, int batch, int out, cl_mem lengths, cl_mem y, int yCol, int yWidth) {
        elementwise("seq.cl", "zero_padding").i(steps).i(batch).i(out).mem(lengths).mem(y).i(yCol).i(yWidth)
                .run2(out, (long) steps * batch, 16, 1);
    }

    /** out[n] = Σ over m &lt; rows of a[aOff + m·width + n]. */
    void columnSums(int rows, int width, cl_mem a, int aOff, cl_mem out) {
        elementwise("seq.cl", "column_sums").i(rows).i(width).mem(a).i(aOff).mem(out).run1(width, 16);
    }
}
