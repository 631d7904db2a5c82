package io.fusedrnn.reference;

import io.fusedrnn.Backend;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** A heap tensor of the reference backend: float64 storage, rounded to float32 on every store in fp32. */
final class RefTensor extends Tensor {
    final double[] data;

    RefTensor(Backend owner, Precision precision, int[] shape) {
        super(owner, precision, shape);
        data = new double[Math.toIntExact(size())];
    }

    /** Stores v at i, rounded to this tensor's precision. */
    void set(int i, double v) {
        data[i] = precision() == Precision.FP32 ? (float) v : v;
    }

    @Override
    protected void writeBlock(MemorySegment src, Block b) {
        boolean f32 = precision() == Precision.FP32;
        for (long r = 0; r < b.rows(); r++) {
            long s = b.srcOffset() + r * b.srcPitch();
            int d = Math.toIntExact(b.dstOffset() + r * b.dstPitch());
            if (f32) {
                for (long i = 0; i < b.length(); i++) data[d + (int) i] = src.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, s + i);
            } else {
                MemorySegment.copy(src, ValueLayout.JAVA_DOUBLE_UNALIGNED, s * 8, data, d, (int) b.length());
            }
        }
    }

    @Override
    protected void readBlock(MemorySegment dst, Block b) {
        boolean f32 = precision() == Precision.FP32;
        for (long r = 0; r < b.rows(); r++) {
            int s = Math.toIntExact(b.srcOffset() + r * b.srcPitch());
            long d = b.dstOffset() + r * b.dstPitch();
            if (f32) {
                for (int i = 0; i < b.length(); i++) dst.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, d + i, (float) data[s + i]);
            } else {
                MemorySegment.copy(data, s, dst, ValueLayout.JAVA_DOUBLE_UNALIGNED, d * 8, (int) b.length());
            }
        }
    }

    @Override
    protected void copyBlock(Tensor src, Block b) {
        double[] from = ((RefTensor) src).data;
        for (long r = 0; r < b.rows(); r++) {
            System.arraycopy(from, Math.toIntExact(b.srcOffset() + r * b.srcPitch()), data,
                    Math.toIntExact(b.dstOffset() + r * b.dstPitch()), (int) b.length());
        }
    }

    @Override
    protected void release() {
    }
}
