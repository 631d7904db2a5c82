package io.fusedrnn;

import java.util.Arrays;

/**
 * A dense row-major tensor that lives where its backend computes (a heap array, off-heap memory or
 * an OpenCL buffer). Created only by {@link Backend#allocate}; copies in and out are explicit.
 * Closing releases the memory; closing twice is harmless; any other use after close throws
 * {@link IllegalStateException}.
 */
public abstract class Tensor extends BackendResource {
    private final Precision precision;
    private final int[] shape;
    private final long size;

    protected Tensor(Backend owner, Precision precision, int[] shape) {
        long n = 1;
        for (int d : shape) { // checked before super(): a rejected shape is never counted as live
            if (d < 0) throw new FusedRnnException("tensor shape: expected non-negative sizes, found " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        super(owner);
        this.precision = precision;
        this.shape = shape.clone();
        this.size = n;
    }

    public final Precision precision() {
        return precision;
    }

    /** A copy of the shape. */
    public final int[] shape() {
        return shape.clone();
    }

    /** Size of dimension {@code d}. */
    public final int dim(int d) {
        return shape[d];
    }

    public final int rank() {
        return shape.length;
    }

    /** Number of elements. */
    public final long size() {
        return size;
    }

    /** Copies {@code size()} values in (rounded to float32 in an fp32 tensor). */
    public final void write(double[] src) {
        checkOpen();
        checkLength(src.length);
        writeDoubles(src);
    }

    /** Copies {@code size()} values in (widened in an fp64 tensor). */
    public final void write(float[] src) {
        checkOpen();
        checkLength(src.length);
        writeFloats(src);
    }

    /** All values, widened to double. */
    public final double[] toDoubleArray() {
        checkOpen();
        return readDoubles();
    }

    /** All values, rounded to float. */
    public final float[] toFloatArray() {
        checkOpen();
        return readFloats();
    }

    private void checkLength(int n) {
        if (n != size) {
            throw new FusedRnnException("tensor " + Arrays.toString(shape) + ": expected " + size + " values, found " + n);
        }
    }

    protected abstract void writeDoubles(double[] src);

    protected abstract void writeFloats(float[] src);

    protected abstract double[] readDoubles();

    protected abstract float[] readFloats();

    @Override
    protected String describe() {
        return "tensor " + Arrays.toString(shape);
    }

    @Override
    public String toString() {
        return precision + Arrays.toString(shape) + (isClosed() ? " (closed)" : "");
    }
}
