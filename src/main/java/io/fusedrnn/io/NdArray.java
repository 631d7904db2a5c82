package io.fusedrnn.io;

import io.fusedrnn.FusedRnnException;

import java.util.Arrays;

/**
 * A host array read from or written to a file: a shape and row-major (C order) values widened to
 * double. The files' element types (float16 … float64, integers) are converted at the boundary.
 *
 * @param shape sizes, outermost first (empty for a scalar)
 * @param data  product(shape) values
 */
public record NdArray(int[] shape, double[] data) {

    /** Checks that neither part is null and that {@code data} holds exactly product(shape) values. */
    public NdArray {
        if (shape == null || data == null) throw new FusedRnnException("array: shape and data must not be null");
        long n = elementCount(shape);
        if (n != data.length) {
            throw new FusedRnnException("array " + Arrays.toString(shape) + ": expected " + n + " values, found " + data.length);
        }
    }

    /**
     * product(shape), checked for negative sizes and overflow.
     *
     * @param shape sizes, outermost first
     * @return the number of elements
     */
    public static long elementCount(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new FusedRnnException("array shape: expected non-negative sizes, found " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** {@return number of dimensions} */
    public int rank() {
        return shape.length;
    }

    /**
     * {@return size of dimension {@code d}}
     *
     * @param d dimension index, 0 for the outermost
     */
    public int dim(int d) {
        return shape[d];
    }

    /** {@return the shape as text, e.g. {@code [3, 4]}} */
    public String shapeText() {
        return Arrays.toString(shape);
    }

    /**
     * {@return whether the shape is exactly {@code expected}}
     *
     * @param expected sizes, outermost first
     */
    public boolean hasShape(int... expected) {
        return Arrays.equals(shape, expected);
    }
}
