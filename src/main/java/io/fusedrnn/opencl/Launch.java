package io.fusedrnn.opencl;

import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

import static org.jocl.CL.clEnqueueNDRangeKernel;
import static org.jocl.CL.clSetKernelArg;

/**
 * Sets a kernel's arguments in order and enqueues it. Global sizes are rounded up to the local size
 * (OpenCL 1.2 requires it); kernels bounds-check their own indices.
 */
final class Launch {
    private final ClContext ctx;
    private final cl_kernel kernel;
    private final String name;
    private int index;

    Launch(ClContext ctx, cl_kernel kernel, String name) {
        this.ctx = ctx;
        this.kernel = kernel;
        this.name = name;
    }

    /** A fresh launcher of the same kernel (arguments start again at index 0). */
    Launch(Launch other) {
        this(other.ctx, other.kernel, other.name);
    }

    Launch mem(cl_mem m) {
        ClStatus.check(clSetKernelArg(kernel, index, Sizeof.cl_mem, Pointer.to(m)), "clSetKernelArg(" + name + " #" + index + ")");
        index++;
        return this;
    }

    Launch i(int v) {
        ClStatus.check(clSetKernelArg(kernel, index, Sizeof.cl_int, Pointer.to(new int[] {v})), "clSetKernelArg(" + name + " #" + index + ")");
        index++;
        return this;
    }

    /** Enqueues over {@code global} work-items (each rounded up to a multiple of {@code local}). */
    void run(long[] global, long[] local) {
        long[] g = new long[global.length];
        for (int d = 0; d < g.length; d++) {
            if (global[d] <= 0) return; // nothing to do (an empty dimension)
            g[d] = (global[d] + local[d] - 1) / local[d] * local[d];
        }
        synchronized (ctx) {
            ClStatus.check(clEnqueueNDRangeKernel(ctx.queue, kernel, g.length, null, g, local, 0, null, null),
                    "clEnqueueNDRangeKernel(" + name + ")");
        }
    }

    void run1(long global, long local) {
        run(new long[] {global}, new long[] {local});
    }

    void run2(long global0, long global1, long local0, long local1) {
        run(new long[] {global0, global1}, new long[] {local0, local1});
    }
}
