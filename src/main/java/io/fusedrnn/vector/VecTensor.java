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
        eachRow(b, (s, d, n) -> MemorySegment.copy(src, layout, s * layout.byteSize(), data, Math.toIntExact(d), n));
    }

    @Override
    protected void readBlock(MemorySegment dst, Block b) {
        ValueLayout layout = elementLayout();
        eachRow(b, (s, d, n) -> MemorySegment.copy(data, Math.toIntExact(s), dst, layout, d * layout.byteSize(), n));
    }

    @Override
    protected void copyBlock(Tensor src, Block b) {
        Object from = ((VecTensor) src).data;
        eachRow(b, (s, d, n) -> System.arraycopy(from, Math.toIntExact(s), data, Math.toIntExact(d), n));
    }

    /** One row of a block: n elements from source element s to destination element d. */
    private interface RowCopy {
        void copy(long s, long d, int n);
    }

    private static void eachRow(Block b, RowCopy row) {
        for (long r = 0; r < b.rows(); r++) row.copy(b.srcOffset() + r * b.srcPitch(), b.dstOffset() + r * b.dstPitch(), (int) b.length());
    }

    @Override
    protected void release() {
        // heap memory: the collector frees it once unreachable
    }
}
