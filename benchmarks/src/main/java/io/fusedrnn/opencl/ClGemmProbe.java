package io.fusedrnn.opencl;

import io.fusedrnn.Precision;
import org.jocl.cl_mem;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Times the OpenCL backend's tiled GEMM alone, on the products an LSTM sweep runs at the bench's
 * batch (T50 B64 I512 H512) and large (T25 B256 I1024 H1024) shapes, once per GEMM geometry given:
 * the input projection x·W_ihᵀ, the input gradient dA·W_ih, the weight gradient dAᵀ·x and a backward
 * step's dh_prev = dA·W_hh. Prints the median of 5 timed batches (each at least 20 ms, after a
 * finish) as ms and TFLOP/s. It lives in the library's package because ClOps is package-private; it is
 * part of the benchmarks jar, never of the library.
 *
 * <pre>java -cp fusedrnn.jar:benchmarks classes io.fusedrnn.opencl.ClGemmProbe [device] [layout/TS,TK,WPT[/prefetch] ...]</pre>
 * e.g. {@code "" strided/64,16,8 chunked/128,16,8 chunked/128,16,8/prefetch}; the device selector as --backend opencl:...
 */
public final class ClGemmProbe {
    private record Shape(String name, int m, int n, int k, boolean aByColumns) {
        double flops() {
            return 2.0 * m * n * k;
        }
    }

    private static final List<Shape> SHAPES = List.of(
            new Shape("batch  x·W_ihT  ", 3200, 2048, 512, false),
            new Shape("batch  dA·W_ih  ", 3200, 512, 2048, false),
            new Shape("batch  dAT·x    ", 2048, 512, 3200, true),
            new Shape("batch  dh_prev  ", 64, 512, 2048, false),
            new Shape("large  x·W_ihT  ", 6400, 4096, 1024, false),
            new Shape("large  dA·W_ih  ", 6400, 1024, 4096, false),
            new Shape("large  dAT·x    ", 4096, 1024, 6400, true),
            new Shape("large  dh_prev  ", 256, 1024, 4096, false));

    public static void main(String[] args) {
        String device = args.length > 0 ? args[0] : "";
        List<String> configs = args.length > 1 ? Arrays.asList(args).subList(1, args.length)
                : List.of("strided/64,16,8", "chunked/64,16,8", "chunked/128,16,8");
        try (OpenClBackend be = OpenClBackend.open(device, true)) {
            System.out.println("ClGemmProbe on " + be.ctx.device.name() + " (fp32; ms and TFLOP/s, median of 5 batches)");
            System.out.printf("%-18s", "shape");
            for (String c : configs) System.out.printf("  %-24s", c);
            System.out.println();
            List<ClOps> ops = new ArrayList<>();
            for (String c : configs) ops.add(opsFor(be, c));
            for (Shape s : SHAPES) {
                System.out.printf("%-18s", s.name);
                for (ClOps o : ops) {
                    double ms = time(be.ctx, o, s);
                    System.out.printf("  %8.3f ms %6.2f TF/s   ", ms, s.flops() / ms / 1e9);
                }
                System.out.println();
            }
        }
    }

    private static ClOps opsFor(OpenClBackend be, String config) {
        String[] parts = config.split("/");
        String[][] props = {{ClOps.GEMM_LAYOUT_PROPERTY, parts[0]}, {ClOps.GEMM_TILE_PROPERTY, parts[1]},
                {ClOps.GEMM_PREFETCH_PROPERTY, Boolean.toString(parts.length > 2 && parts[2].equals("prefetch"))}};
        String[] before = new String[props.length];
        for (int i = 0; i < props.length; i++) before[i] = System.setProperty(props[i][0], props[i][1]);
        try {
            return new ClOps(be.ctx, Precision.FP32, false);
        } finally {
            for (int i = 0; i < props.length; i++) {
                if (before[i] == null) System.clearProperty(props[i][0]);
                else System.setProperty(props[i][0], before[i]);
            }
        }
    }

    private static double time(ClContext ctx, ClOps o, Shape s) {
        Precision p = Precision.FP32;
        cl_mem a = ctx.allocate(p, (long) s.m * s.k), b = ctx.allocate(p, (long) s.k * s.n), c = ctx.allocate(p, (long) s.m * s.n);
        try {
            Runnable run = () -> o.gemm(s.m, s.n, s.k, a, 0, s.aByColumns ? 1 : s.k, s.aByColumns ? s.m : 1,
                    b, 0, s.n, 1, c, 0, s.n, null, false);
            run.run();
            ctx.finish();
            long t0 = System.nanoTime();
            run.run();
            ctx.finish();
            int reps = (int) Math.max(1, Math.min(1000, 20e6 / Math.max(1, System.nanoTime() - t0)));
            double[] batches = new double[5];
            for (int i = 0; i < batches.length; i++) {
                long start = System.nanoTime();
                for (int r = 0; r < reps; r++) run.run();
                ctx.finish();
                batches[i] = (System.nanoTime() - start) / 1e6 / reps;
            }
            Arrays.sort(batches);
            return batches[batches.length / 2];
        } finally {
            ctx.release(a);
            ctx.release(b);
            ctx.release(c);
        }
    }
}
