package io.fusedrnn.opencl;

import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.jocl.CL.CL_SUCCESS;
import static org.jocl.CL.clEnqueueNDRangeKernel;
import static org.jocl.CL.clSetKernelArg;

/**
 * Binds a kernel's arguments by name and type, then enqueues it: the one binder every kernel goes
 * through. Each argument is set in signature order and its name and kind are checked against the
 * kernel's own signature ({@link KernelSignature}, read from the driver), so an argument list that
 * drifts from the .cl file fails on its first launch with the name it expected, instead of running
 * with wrong numbers. Global sizes are rounded up to the local size (OpenCL 1.2 requires it);
 * kernels bounds-check their own indices.
 *
 * <p>A step loop binds every argument once and then {@link #set}s only what changes from step to step:
 * OpenCL keeps a kernel's arguments between launches. A kernel object is shared by every binder of it
 * (the program cache keeps one), so each binder records its values and is the kernel's owner once it
 * has set one ({@link ClContext#claim}); a binder that finds another owner at a set or a launch first
 * sets all its values again. Binding cost 14–25 µs a step for lstm_step's 21 arguments on PoCL (about
 * 0.5–1 µs a JOCL call, and a message string built per call); a GPU step runs in less.
 */
final class Launch {
    /** The int value of clSetKernelArg: a direct buffer (an int[] costs JOCL a critical-array round trip); OpenCL copies it at once. */
    private static final ThreadLocal<ByteBuffer> INT = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(Integer.BYTES).order(ByteOrder.nativeOrder()));
    private static final ThreadLocal<Pointer> INT_POINTER = ThreadLocal.withInitial(() -> Pointer.to(INT.get()));

    private final ClContext ctx;
    private final cl_kernel kernel;
    private final KernelSignature signature;
    /** The names bound so far, by argument index (for {@link #set}). */
    private final String[] bound;
    /** The values bound so far: Integer or cl_mem, by argument index (to set again after another binder). */
    private final Object[] values;
    private int index;

    Launch(ClContext ctx, cl_kernel kernel, KernelSignature signature) {
        this.ctx = ctx;
        this.kernel = kernel;
        this.signature = signature;
        this.bound = new String[signature.count()];
        this.values = new Object[signature.count()];
    }

    /** A fresh binder of the same kernel (arguments start again at the first). */
    Launch fresh() {
        return new Launch(ctx, kernel, signature);
    }

    /** Binds the next argument, a {@code __global} buffer named {@code name} in the kernel. */
    Launch mem(String name, cl_mem m) {
        return next(name, m, true);
    }

    /** Binds the next argument, an {@code int} named {@code name} in the kernel. */
    Launch i(String name, int v) {
        return next(name, v, false);
    }

    /**
     * Sets again the {@code int} argument {@code name}, bound earlier on this binder, keeping the
     * others as they are.
     */
    Launch set(String name, int v) {
        return again(name, v, false);
    }

    /** Sets again the buffer argument {@code name}, bound earlier on this binder. */
    Launch setMem(String name, cl_mem m) {
        return again(name, m, true);
    }

    private Launch next(String name, Object v, boolean pointer) {
        signature.check(index, name, pointer);
        own();
        bound[index] = name;
        put(index++, v);
        return this;
    }

    private Launch again(String name, Object v, boolean pointer) {
        int at = boundIndex(name);
        signature.check(at, name, pointer);
        own();
        put(at, v);
        return this;
    }

    private int boundIndex(String name) {
        for (int at = 0; at < index; at++) {
            if (name.equals(bound[at])) return at;
        }
        throw new IllegalStateException(signature.kernel() + ": '" + name + "' was not bound on this launch, so it cannot be set again");
    }

    /** Makes this binder the kernel's owner, setting its values again if another binder set the kernel's since. */
    private void own() {
        if (ctx.claim(kernel, this)) return;
        for (int at = 0; at < index; at++) put(at, values[at]);
    }

    private void put(int at, Object v) {
        values[at] = v;
        int status;
        if (v instanceof cl_mem m) {
            status = clSetKernelArg(kernel, at, Sizeof.cl_mem, Pointer.to(m));
        } else {
            INT.get().putInt(0, (Integer) v);
            status = clSetKernelArg(kernel, at, Sizeof.cl_int, INT_POINTER.get());
        }
        if (status != CL_SUCCESS) throw ClStatus.failure(status, "clSetKernelArg(" + signature.kernel() + " " + bound[at] + ")");
    }

    /** Binds the next argument, an {@code int} flag (1 or 0) named {@code name} in the kernel. */
    Launch flag(String name, boolean v) {
        return i(name, v ? 1 : 0);
    }

    /** Enqueues over {@code global} work-items (each rounded up to a multiple of {@code local}). */
    void run(long[] global, long[] local) {
        signature.checkComplete(index);
        own();
        long[] g = new long[global.length];
        for (int d = 0; d < g.length; d++) {
            if (global[d] <= 0) return; // nothing to do (an empty dimension)
            g[d] = (global[d] + local[d] - 1) / local[d] * local[d];
        }
        int status;
        synchronized (ctx) {
            status = clEnqueueNDRangeKernel(ctx.queue, kernel, g.length, null, g, local, 0, null, null);
        }
        if (status != CL_SUCCESS) throw ClStatus.failure(status, "clEnqueueNDRangeKernel(" + signature.kernel() + ")");
    }

    void run1(long global, long local) {
        run(new long[] {global}, new long[] {local});
    }

    void run2(long global0, long global1, long local0, long local1) {
        run(new long[] {global0, global1}, new long[] {local0, local1});
    }
}
