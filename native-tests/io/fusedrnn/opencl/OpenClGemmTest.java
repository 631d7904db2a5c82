package io.fusedrnn.opencl;

import io.fusedrnn.Precision;
import org.jocl.Pointer;
import org.jocl.cl_mem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;
import java.util.SplittableRandom;

import static org.jocl.CL.CL_TRUE;
import static org.jocl.CL.clEnqueueReadBuffer;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tiled GEMM (gemm.cl) in each layout and tile a GPU may run, against a float64 product on the
 * host: ragged M, N and K (no dimension a multiple of any tile), every stride order the sweeps use
 * (A by rows or columns, B by rows or columns), bias, accumulation, K split in slices, and the next K
 * tile prefetched to registers (24/8/4: 36 work-items, so a tile's 192 elements are not a multiple of them).
 */
class OpenClGemmTest extends OpenClDeviceTest {
    @ParameterizedTest(name = "{0} {1} {2} split {3} prefetch {4}")
    @CsvSource({
            "strided, '32,16,4', FP64, 1, false",
            "strided, '64,16,8', FP64, 16, false",
            "chunked, '64,16,8', FP64, 1, false",
            "chunked, '64,16,8', FP32, 16, false",
            "chunked, '128,16,8', FP32, 1, false",
            "chunked, '128,8,8', FP64, 4, false",
            "chunked, '32,16,4', FP32, 1, false",
            "chunked, '128,16,8', FP32, 4, true",
            "chunked, '64,16,8', FP64, 1, true",
            "strided, '32,16,4', FP64, 16, true",
            "strided, '24,8,4', FP32, 1, true",
    })
    void everyLayoutComputesTheProductOfRaggedOperandsInEveryStrideOrder(String layout, String tile, Precision p, int split, boolean prefetch) {
        ClOps ops = withProperties(layout, tile, split, prefetch, p);
        int m = 133, n = 70, k = 37;
        SplittableRandom r = new SplittableRandom(7);
        double[] a = values(r, m * k), b = values(r, k * n), bias = values(r, n), c0 = values(r, m * n);
        ClContext ctx = cl.ctx;
        cl_mem am = ctx.allocate(p, a.length), bm = ctx.allocate(p, b.length), biasm = ctx.allocate(p, n), cm = ctx.allocate(p, m * n);
        try {
            ctx.write(biasm, p, bias);
            for (boolean aByRows : new boolean[] {true, false}) {
                for (boolean bByRows : new boolean[] {true, false}) {
                    for (boolean acc : new boolean[] {false, true}) {
                        // A(i, l) = a[i·k + l] by rows, a[l·m + i] by columns; B(l, j) alike
                        double[] aStored = aByRows ? a : transpose(a, m, k), bStored = bByRows ? b : transpose(b, k, n);
                        ctx.write(am, p, aStored);
                        ctx.write(bm, p, bStored);
                        ctx.write(cm, p, c0);
                        ops.gemm(m, n, k, am, 0, aByRows ? k : 1, aByRows ? 1 : m, bm, 0, bByRows ? n : 1, bByRows ? 1 : k,
                                cm, 0, n, acc ? null : biasm, acc);
                        double[] got = read(cm, p, m * n);
                        double worst = 0;
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < n; j++) {
                                double s = acc ? c0[i * n + j] : bias[j];
                                for (int l = 0; l < k; l++) s += a[i * k + l] * b[l * n + j];
                                worst = Math.max(worst, Math.abs(got[i * n + j] - s));
                            }
                        }
                        // float32: operands rounded to float and 37 products of |x| < 1 (measured on PoCL: 1.5e-6);
                        // float64: 3.6e-15 measured there
                        double tol = p == Precision.FP32 ? 1e-5 : 1e-13;
                        assertTrue(worst <= tol, layout + " " + tile + " A by " + (aByRows ? "rows" : "columns") + ", B by "
                                + (bByRows ? "rows" : "columns") + (acc ? ", accumulating" : ", with bias") + ": max |err| " + worst);
                    }
                }
            }
        } finally {
            for (cl_mem x : new cl_mem[] {am, bm, biasm, cm}) ctx.release(x);
        }
    }

    /** A ClOps on the shared device, shaped by the tuning properties as a GPU would be. */
    private static ClOps withProperties(String layout, String tile, int split, boolean prefetch, Precision p) {
        return OpenClPlatform.withProperties(Map.of(ClOps.GEMM_LAYOUT_PROPERTY, layout, ClOps.GEMM_TILE_PROPERTY, tile,
                ClOps.GEMM_SPLIT_PROPERTY, Integer.toString(split), ClOps.GEMM_PREFETCH_PROPERTY, Boolean.toString(prefetch)),
                () -> new ClOps(cl.ctx, p, false));
    }

    private static double[] values(SplittableRandom r, int count) {
        double[] v = new double[count];
        for (int i = 0; i < count; i++) v[i] = r.nextDouble(-1, 1);
        return v;
    }

    private static double[] transpose(double[] x, int rows, int cols) {
        double[] t = new double[x.length];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) t[j * rows + i] = x[i * cols + j];
        return t;
    }

    private static double[] read(cl_mem mem, Precision p, int count) {
        double[] out = new double[count];
        if (p == Precision.FP64) {
            clEnqueueReadBuffer(cl.ctx.queue, mem, CL_TRUE, 0, (long) count * 8, Pointer.to(out), 0, null, null);
        } else {
            float[] f = new float[count];
            clEnqueueReadBuffer(cl.ctx.queue, mem, CL_TRUE, 0, (long) count * 4, Pointer.to(f), 0, null, null);
            for (int i = 0; i < count; i++) out[i] = f[i];
        }
        return out;
    }
}
