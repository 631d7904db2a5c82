package io.fusedrnn.opencl;

import io.fusedrnn.Precision;
import org.jocl.cl_mem;

/** Scratch: times the GEMM alone. */
public final class KernelProbe {
    static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    public static void main(String[] a) {
        int m = Integer.parseInt(a[0]), n = Integer.parseInt(a[1]), k = Integer.parseInt(a[2]);
        boolean contiguousB = a.length > 3 && a[3].equals("nn");
        try (OpenClBackend cl = OpenClBackend.open("")) {
            ClOps ops = cl.ops(Precision.FP32);
            cl_mem A = cl.ctx.allocate(Precision.FP32, (long) m * k), B = cl.ctx.allocate(Precision.FP32, (long) k * n),
                    C = cl.ctx.allocate(Precision.FP32, (long) m * n);
            for (int r = 0; r < 5; r++) {
                long t0 = System.nanoTime();
                long c0 = cpu();
                if (contiguousB) ops.gemm(m, n, k, A, 0, k, 1, B, 0, n, 1, C, 0, n, null, false);
                else ops.gemm(m, n, k, A, 0, k, 1, B, 0, 1, k, C, 0, n, null, false);
                cl.ctx.finish();
                double ms = (System.nanoTime() - t0) / 1e6, cms = (cpu() - c0) / 1e6;
                System.out.printf("gemm %dx%dx%d %s: %.2f ms, %.2f GFLOP/s; %.2f GFLOP per CPU-second%n", m, n, k, contiguousB ? "nn" : "nt", ms, 2.0 * m * n * k / ms / 1e6, 2.0 * m * n * k / cms / 1e6);
            }
        }
    }
}
