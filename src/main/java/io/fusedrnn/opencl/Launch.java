package io.fusedrnn.opencl;

import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

import static org.jocl.CL.clEnqueueNDRangeKernel;
import static org.jocl.CL.clSetKernelArg;

/**
 * Binds a kernel's arguments by name and type, then enqueues it: the one binder every kernel goes
 * through. Each argument is set in signature order and its name and kind are checked against the
 * kernel's own signature ({@link KernelSignature}, read from the driver), so an argument list that
 * drifts from the .cl file fails on its first launch with the name it expected, instead of running
 * with wrong numbers. Global sizes are rounded up to the local size (OpenCL 1.2 requires it);
 * kernels bounds-check their own indices.
 */
final class Launch {
    private final ClContext ctx;
    private final cl_kernel kernel;
    private final KernelSignature signature;
    private int index;

    Launch(ClContext ctx, cl_kernel kernel, KernelSignature signature) {
        this.ctx = ctx;
        this.kernel = kernel;
        this.signature = signature;
    }

    /** A fresh binder of the same kernel (arguments start again at the first). */
    Launch fresh() {
        return new Launch(ctx, kernel, signature);
    }

    /** Binds the next argument, a {@code __global} buffer named {@code name} in the kernel. */
    Launch mem(String name, cl_mem m) {
        signature.check(index, name, true);
        ClStatus.check(clSetKernelArg(kernel, index, Sizeof.cl_mem, Pointer.to(m)), "clSetKernelArg(" + signature.kernel() + " " + name + ")");
        index++;
        return this;
    }

    /** Binds the next argument, an {@code int} named {@code name} in the kernel. */
    Launch i(String name, int v) {
        signature.check(index, name, false);
        ClStatus.check(clSetKernelArg(kernel, index, Sizeof.cl_int, Pointer.to(new int[] {v})),
                "clSetKernelArg(" + signature.kernel() + " " + name + ")");
        index++;
        return this;
    }

    /** Binds the next argument, an {@code int} flag (1 or 0) named {@code name} in the kernel. */
    Launch flag(String name, boolean v) {
        return i(name, v ? 1 : 0);
    }

    /** Enqueues over {@code global} work-items (each rounded up to a multiple of {@code local}). */
    void run(long[] global, long[] local) {
        signature.checkComplete(index);
        long[] g = new long[global.length];
        for (int d = 0; d < g.length; d++) {
            if (global[d] <= 0) return; // nothing to do (an empty dimension)
            g[d] = (global[d] + local[d] - 1) / local[d] * local[d];
        }
        synchronized (ctx) {
            ClStatus.check(clEnqueueNDRangeKernel(ctx.queue, kernel, g.length, null, g, local, 0, null, null),
                    "clEnqueueNDRangeKernel(" + signature.kernel() + ")");
        }
    }

    void run1(long global, long local) {
        run(new long[] {global}, new long[] {local});
    }

    void run2(long global0, long global1, long local0, long local1) {
        run(new long[] {global0, global1}, new long[] {local0, local1});
    }
}
