package io.fusedrnn.opencl;

import io.fusedrnn.Precision;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

import static org.jocl.CL.*;

/**
 * One device's context and in-order queue, and the owner of every buffer made on it. It counts the
 * OpenCL objects it holds (for leak tests) and releases whatever is still alive on close, so a tensor
 * outliving its backend never touches a dead context.
 */
final class ClContext implements AutoCloseable {
    final ClDevice device;
    final cl_context context;
    final cl_command_queue queue;
    final ProgramCache programs;
    private final Set<cl_mem> buffers = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Which binder last set each kernel's arguments ({@link Launch}). */
    private final Map<cl_kernel, Launch> owners = new IdentityHashMap<>();
    private boolean closed;

    ClContext(ClDevice device) {
        this.device = device;
        int[] err = new int[1];
        cl_context_properties props = new cl_context_properties();
        props.addProperty(CL_CONTEXT_PLATFORM, device.platform());
        context = JvmSignals.guarded("clCreateContext", () -> clCreateContext(props, 1, new cl_device_id[] {device.id()}, null, null, err));
        ClStatus.check(err[0], "clCreateContext on " + device.name());
        // clCreateCommandQueue is the OpenCL 1.2 call; in-order, so every step sees the previous one.
        @SuppressWarnings("deprecation")
        cl_command_queue q = clCreateCommandQueue(context, device.id(), 0, err);
        if (err[0] != CL_SUCCESS) {
            clReleaseContext(context);
            throw ClStatus.failure(err[0], "clCreateCommandQueue on " + device.name());
        }
        queue = q;
        programs = new ProgramCache(this);
    }

    /** Context + queue + live buffers + built programs + kernels. */
    synchronized int liveObjects() {
        return closed ? 0 : 2 + buffers.size() + programs.liveObjects();
    }

    synchronized int liveBuffers() {
        return buffers.size();
    }

    /** A zero-filled read-write buffer of {@code count} elements (at least one, so size-0 tensors work). */
    synchronized cl_mem allocate(Precision precision, long count) {
        long bytes = Math.max(1, count) * precision.bytes();
        return allocateBytes(bytes);
    }

    /** A read-write buffer of {@code count} elements whose contents are undefined until written (scratch). */
    synchronized cl_mem allocateUninitialised(Precision precision, long count) {
        checkOpen();
        long bytes = Math.max(1, count) * precision.bytes();
        int[] err = new int[1];
        cl_mem m = clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, null, err);
        ClStatus.check(err[0], "clCreateBuffer(" + bytes + " bytes)");
        buffers.add(m);
        return m;
    }

    synchronized cl_mem allocateInts(int[] values) {
        cl_mem m = allocateBytes((long) Math.max(1, values.length) * Sizeof.cl_int);
        if (values.length > 0) {
            ClStatus.check(clEnqueueWriteBuffer(queue, m, CL_TRUE, 0, (long) values.length * Sizeof.cl_int,
                    Pointer.to(values), 0, null, null), "clEnqueueWriteBuffer(lengths)");
        }
        return m;
    }

    private cl_mem allocateBytes(long bytes) {
        checkOpen();
        long rounded = (bytes + 7) & ~7L; // the fill pattern below is 8 bytes
        int[] err = new int[1];
        cl_mem m = clCreateBuffer(context, CL_MEM_READ_WRITE, rounded, null, err);
        ClStatus.check(err[0], "clCreateBuffer(" + rounded + " bytes)");
        buffers.add(m);
        int status = clEnqueueFillBuffer(queue, m, Pointer.to(new long[] {0}), 8, 0, rounded, 0, null, null);
        if (status != CL_SUCCESS) {
            release(m);
            throw ClStatus.failure(status, "clEnqueueFillBuffer(zero " + rounded + " bytes)");
        }
        return m;
    }

    /** Releases a buffer once; a buffer already released (for example by close) is ignored. */
    synchronized void release(cl_mem m) {
        if (m != null && buffers.remove(m) && !closed) clReleaseMemObject(m);
    }

    /** Copies {@code src} to the start of {@code m} (rounded to float in an fp32 buffer), blocking. */
    synchronized void write(cl_mem m, Precision p, double[] src) {
        checkOpen();
        if (src.length == 0) return;
        Pointer ptr = p == Precision.FP64 ? Pointer.to(src) : Pointer.to(toFloats(src));
        ClStatus.check(clEnqueueWriteBuffer(queue, m, CL_TRUE, 0, (long) src.length * p.bytes(), ptr, 0, null, null),
                "clEnqueueWriteBuffer");
    }

    /** Enqueues a device-side copy of {@code count} elements (no host round trip). */
    synchronized void copy(cl_mem src, long srcOffset, cl_mem dst, long dstOffset, long count, Precision p) {
        if (count == 0) return;
        int b = p.bytes();
        ClStatus.check(clEnqueueCopyBuffer(queue, src, dst, srcOffset * b, dstOffset * b, count * b, 0, null, null),
                "clEnqueueCopyBuffer");
    }

    /** Enqueues zeroing of {@code count} elements from {@code offset}. */
    synchronized void zero(cl_mem m, long offset, long count, Precision p) {
        if (count == 0) return;
        int b = p.bytes();
        ClStatus.check(clEnqueueFillBuffer(queue, m, Pointer.to(new long[] {0}), b, offset * b, count * b, 0, null, null),
                "clEnqueueFillBuffer(zero)");
    }

    /**
     * Makes {@code binder} the owner of {@code kernel}'s arguments.
     *
     * @return whether it was the owner already (its values are the kernel's)
     */
    synchronized boolean claim(cl_kernel kernel, Launch binder) {
        return owners.put(kernel, binder) == binder;
    }

    /** A launcher for {@code kernel} of the program built from {@code file} with {@code options}. */
    Launch kernel(String file, String options, String kernel) {
        cl_kernel k = programs.kernel(file, options, kernel);
        return new Launch(this, k, programs.signature(k));
    }

    void finish() {
        ClStatus.check(clFinish(queue), "clFinish");
    }

    void checkOpen() {
        if (closed) throw new IllegalStateException("OpenCL context on " + device.name() + " was used after close");
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        clFinish(queue);
        for (cl_mem m : buffers) clReleaseMemObject(m);
        buffers.clear();
        programs.close();
        clReleaseCommandQueue(queue);
        clReleaseContext(context);
        closed = true;
    }

    private static float[] toFloats(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
        return f;
    }
}
