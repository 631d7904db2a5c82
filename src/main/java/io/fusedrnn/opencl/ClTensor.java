package io.fusedrnn.opencl;

import io.fusedrnn.Backend;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;
import org.jocl.Pointer;
import org.jocl.cl_mem;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.jocl.CL.clEnqueueCopyBufferRect;
import static org.jocl.CL.clEnqueueReadBuffer;
import static org.jocl.CL.clEnqueueReadBufferRect;
import static org.jocl.CL.clEnqueueWriteBuffer;
import static org.jocl.CL.clEnqueueWriteBufferRect;

/**
 * A tensor in one OpenCL buffer (float or double, as its precision says). Host copies go straight
 * between the caller's memory (a Java array, off-heap or a mapped file) and the buffer with
 * clEnqueueWrite/ReadBuffer(Rect) and block; copies between tensors are enqueued on the device.
 */
final class ClTensor extends Tensor {
    /** The most host bytes one transfer call spans (a ByteBuffer view of a segment holds at most 2 GiB). */
    static long maxSpanBytes = 1L << 30;

    final ClContext ctx;
    final cl_mem mem;

    ClTensor(Backend owner, ClContext ctx, Precision precision, int[] shape) {
        super(owner, precision, shape);
        this.ctx = ctx;
        this.mem = ctx.allocate(precision, size());
    }

    @Override
    protected void writeBlock(MemorySegment src, Block b) {
        transfer(src, b, true);
    }

    @Override
    protected void readBlock(MemorySegment dst, Block b) {
        transfer(dst, b, false);
    }

    /**
     * Moves a block between host memory and the buffer; the tensor side is the destination when
     * writing and the source when reading. Split into calls whose host span stays within
     * {@link #maxSpanBytes}.
     */
    private void transfer(MemorySegment host, Block b, boolean write) {
        long e = precision().bytes();
        long hostOffset = write ? b.srcOffset() : b.dstOffset(), hostPitch = write ? b.srcPitch() : b.dstPitch();
        long devOffset = write ? b.dstOffset() : b.srcOffset(), devPitch = write ? b.dstPitch() : b.srcPitch();
        synchronized (ctx) {
            ctx.checkOpen();
            if (b.isContiguous()) {
                long total = b.count() * e, step = Math.max(e, maxSpanBytes / e * e);
                for (long done = 0; done < total; done += step) {
                    long n = Math.min(step, total - done);
                    contiguous(host, hostOffset * e + done, devOffset * e + done, n, write);
                }
                return;
            }
            long rowBytes = b.length() * e;
            long perCall = Math.max(1, (maxSpanBytes - rowBytes) / (Math.max(hostPitch, b.length()) * e) + 1);
            if (rowBytes > maxSpanBytes) perCall = 1;
            for (long r = 0; r < b.rows(); r += perCall) {
                long rows = Math.min(perCall, b.rows() - r);
                long h = (hostOffset + r * hostPitch) * e, d = (devOffset + r * devPitch) * e;
                if (rows == 1 || rowBytes > maxSpanBytes) {
                    for (long k = 0; k < rows; k++) {
                        long hk = h + k * hostPitch * e, dk = d + k * devPitch * e;
                        for (long done = 0; done < rowBytes; done += maxSpanBytes) {
                            contiguous(host, hk + done, dk + done, Math.min(maxSpanBytes, rowBytes - done), write);
                        }
                    }
                } else {
                    rect(host, h, hostPitch * e, d, devPitch * e, rowBytes, rows, write);
                }
            }
        }
    }

    private void contiguous(MemorySegment host, long hostByte, long devByte, long bytes, boolean write) {
        try (HostSpan span = HostSpan.of(host, hostByte, bytes, write)) {
            int status = write
                    ? clEnqueueWriteBuffer(ctx.queue, mem, true, devByte, bytes, span.pointer, 0, null, null)
                    : clEnqueueReadBuffer(ctx.queue, mem, true, devByte, bytes, span.pointer, 0, null, null);
            ClStatus.check(status, write ? "clEnqueueWriteBuffer" : "clEnqueueReadBuffer");
        }
    }

    private void rect(MemorySegment host, long hostByte, long hostPitch, long devByte, long devPitch, long rowBytes, long rows,
                      boolean write) {
        long span = (rows - 1) * hostPitch + rowBytes;
        try (HostSpan s = HostSpan.of(host, hostByte, span, write)) {
            long[] devOrigin = {devByte % devPitch, devByte / devPitch, 0};
            long[] hostOrigin = {0, 0, 0};
            long[] region = {rowBytes, rows, 1};
            int status = write
                    ? clEnqueueWriteBufferRect(ctx.queue, mem, true, devOrigin, hostOrigin, region, devPitch, 0, hostPitch, 0, s.pointer, 0, null, null)
                    : clEnqueueReadBufferRect(ctx.queue, mem, true, devOrigin, hostOrigin, region, devPitch, 0, hostPitch, 0, s.pointer, 0, null, null);
            ClStatus.check(status, write ? "clEnqueueWriteBufferRect" : "clEnqueueReadBufferRect");
        }
    }

    @Override
    protected void copyBlock(Tensor src, Block b) {
        ClTensor from = (ClTensor) src;
        long e = precision().bytes();
        synchronized (ctx) {
            ctx.checkOpen();
            if (b.isContiguous()) {
                ctx.copy(from.mem, b.srcOffset(), mem, b.dstOffset(), b.count(), precision());
                return;
            }
            long sp = b.srcPitch() * e, dp = b.dstPitch() * e, so = b.srcOffset() * e, d = b.dstOffset() * e;
            if (sp < b.length() * e) { // a source pitch below the run length (runs re-read): one copy per run
                for (long r = 0; r < b.rows(); r++) ctx.copy(from.mem, b.srcOffset() + r * b.srcPitch(), mem, b.dstOffset() + r * b.dstPitch(), b.length(), precision());
                return;
            }
            ClStatus.check(clEnqueueCopyBufferRect(ctx.queue, from.mem, mem, new long[] {so % sp, so / sp, 0},
                    new long[] {d % dp, d / dp, 0}, new long[] {b.length() * e, b.rows(), 1}, sp, 0, dp, 0, 0, null, null),
                    "clEnqueueCopyBufferRect");
        }
    }

    @Override
    protected void release() {
        ctx.release(mem);
    }

    /**
     * A JOCL pointer to a byte range of a host segment: the segment's own memory when it is native, or
     * a heap array the device only reads; otherwise a native staging copy (copied back after a read).
     * A read lands in native memory: JOCL writes into a Java array only where the JVM hands out the
     * array itself, and under -Xcheck:jni it hands out a copy (every result read back as zeros).
     */
    private static final class HostSpan implements AutoCloseable {
        final Pointer pointer;
        private final Arena arena;
        private final MemorySegment staging, target;

        private HostSpan(Pointer pointer, Arena arena, MemorySegment staging, MemorySegment target) {
            this.pointer = pointer;
            this.arena = arena;
            this.staging = staging;
            this.target = target;
        }

        static HostSpan of(MemorySegment host, long offset, long bytes, boolean hostIsSource) {
            MemorySegment slice = host.asSlice(offset, bytes);
            if (slice.isNative()) return new HostSpan(Pointer.to(slice.asByteBuffer()), null, null, null);
            Object base = hostIsSource ? slice.heapBase().orElse(null) : null;
            long at = slice.address();
            Pointer p = switch (base) {
                case float[] f -> Pointer.to(f).withByteOffset(at);
                case double[] d -> Pointer.to(d).withByteOffset(at);
                case byte[] y -> Pointer.to(y).withByteOffset(at);
                case int[] i -> Pointer.to(i).withByteOffset(at);
                case long[] l -> Pointer.to(l).withByteOffset(at);
                case short[] s -> Pointer.to(s).withByteOffset(at);
                case char[] c -> Pointer.to(c).withByteOffset(at);
                case null, default -> null;
            };
            if (p != null) return new HostSpan(p, null, null, null);
            Arena arena = Arena.ofConfined();
            MemorySegment staging = arena.allocate(bytes, 8);
            if (hostIsSource) staging.copyFrom(slice);
            return new HostSpan(Pointer.to(staging.asByteBuffer()), arena, staging, hostIsSource ? null : slice);
        }

        @Override
        public void close() {
            if (arena == null) return;
            try {
                if (target != null) target.copyFrom(staging);
            } finally {
                arena.close();
            }
        }
    }
}
