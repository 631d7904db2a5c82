package io.fusedrnn.vector;

import io.fusedrnn.Backend;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A heap tensor of the vector backend: a float[] (fp32) or double[] (fp64) the kernels read in place.
 * Heap arrays, not off-heap segments: C2 hoists their bounds checks in the micro-kernels reliably.
 * Host copies are bulk copies of the element type (no widening).
 */
final class VecTensor extends Tensor {
    /** float[] or double[], by precision. */
    final Object data;

    VecTensor(Backend owner, Precision precision, int[] shape) {
        super(owner, precision, shape);
        int n = Math.toIntExact(size());
        data = precision == Precision.FP32 ? new float[n] : new double[n];
    }

    @Override
    protected void writeBlock(MemorySegment src, Block b) {
        ValueLayout layout = elementLayout();
        long bytes = layout.byteSize();
        for (long r = 0; r < b.rows(); r++) {
            int d = Math.toIntExact(b.dstOffset() + r * b.dstPitch());
            MemorySegment.copy(src, layout, (b.srcOffset() + r * b.srcPitch()) * bytes, data, d, (int) b.length());
        }
    }

    @Override
    protected void readBlock(MemorySegment dst, Block b) {
        ValueLayout layout = elementLayout();
        long bytes = layout.byteSize();
        for (long r = 0; r < b.rows(); r++) {
            int s = Math.toIntExact(b.srcOffset() + r * b.srcPitch());
            MemorySegment.copy(data, s, dst, layout, (b.dstOffset() + r * b.dstPitch()) * bytes, (int) b.length());
        }
    }

    @Override
    protected void copyBlock(Tensor src, Block b) {
        Object from = ((VecTensor) src).data;
        for (long r = 0; r < b.rows(); r++) {
            System.arraycopy(from, Math.toIntExact(b.srcOffset() + r * b.srcPitch()), data,
                    Math.toIntExact(b.dstOffset() + r * b.dstPitch()), (int) b.length());
        }
    }

    @Override
    protected void release() {
        // heap memory: the collector frees it once unreachable
    }
}
