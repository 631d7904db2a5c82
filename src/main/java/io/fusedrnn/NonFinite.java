package io.fusedrnn;

import java.util.Arrays;

/**
 * The opt-in check for NaN and infinities. Backends propagate non-finite values as IEEE arithmetic
 * does (a NaN in a row's input or state makes that row's later outputs NaN; other rows are
 * untouched) and never mask them; this check finds the first one and says where it is.
 */
public final class NonFinite {
    private NonFinite() {
    }

    /** The first non-finite value of a checked tensor, and where it is. */
    public static final class Found extends FusedRnnException {
        /**
         * A finding, as one line.
         *
         * @param message one line: the operand, the value found and its position
         */
        public Found(String message) {
            super(message);
        }

        /**
         * The finding for a row-major tensor or file, with the one message every check writes.
         *
         * @param name what the values are, first in the message (an operand or a file)
         * @param value the first non-finite value
         * @param shape the shape of the values, for the position in the message
         * @param offset the row-major offset of {@code value}
         * @param count how many non-finite values there are in all
         * @return the finding, to throw
         */
        public static Found at(String name, double value, int[] shape, long offset, long count) {
            return new Found(name + ": expected finite values, found " + value + " at "
                    + Arrays.toString(index(shape, offset)) + " (first of " + count + ")");
        }
    }

    /**
     * Throws {@link Found} naming the first non-finite value of {@code t}, if any.
     *
     * @param name what the tensor is, first in the message
     * @param t the tensor, read back to the host
     */
    public static void check(String name, Tensor t) {
        check(name, t.toDoubleArray(), t.shape());
    }

    /**
     * Throws {@link Found} naming the first non-finite value of a row-major array, if any.
     *
     * @param name what the values are, first in the message (an operand or a file)
     * @param v the values
     * @param shape their shape, for the position in the message
     */
    public static void check(String name, double[] v, int[] shape) {
        int count = 0, first = -1;
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                if (first < 0) first = i;
                count++;
            }
        }
        if (first < 0) return;
        throw Found.at(name, v[first], shape, first, count);
    }

    /** The multi-index of flat offset {@code i} in a row-major tensor of {@code shape}. */
    private static long[] index(int[] shape, long i) {
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = i % shape[d];
            i /= shape[d];
        }
        return idx;
    }
}
