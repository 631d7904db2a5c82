package io.fusedrnn.model;

import io.fusedrnn.FusedRnnException;
import io.fusedrnn.io.NdArray;

import java.util.Arrays;

/** Array surgery shared by the ONNX and Keras converters: slicing directions, reordering gate blocks, transposing. */
final class GateBlocks {
    private GateBlocks() {
    }

    /** Checks {@code a} has exactly {@code shape}; the message names the operand. */
    static void expectShape(String what, NdArray a, int... shape) {
        if (a == null) throw new FusedRnnException(what + ": expected " + Arrays.toString(shape) + ", found none");
        if (!a.hasShape(shape)) throw new FusedRnnException(what + ": expected " + Arrays.toString(shape) + ", found " + a.shapeText());
    }

    /** The {@code index}-th of {@code parts} equal consecutive slices of {@code a}'s data. */
    static double[] slice(NdArray a, int index, int parts) {
        int n = a.data().length / parts;
        return Arrays.copyOfRange(a.data(), index * n, (index + 1) * n);
    }

    /**
     * Reorders the gate blocks of a row-major [G·H, cols] matrix (or a G·H vector, cols = 1): output
     * block k is input block {@code from[k]}.
     */
    static double[] reorder(double[] m, int hidden, int cols, int[] from) {
        double[] out = new double[m.length];
        int block = hidden * cols;
        for (int k = 0; k < from.length; k++) System.arraycopy(m, from[k] * block, out, k * block, block);
        return out;
    }

    /** The transpose of a row-major [rows, cols] matrix. */
    static double[] transpose(double[] m, int rows, int cols) {
        double[] out = new double[m.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) out[j * rows + i] = m[i * cols + j];
        }
        return out;
    }
}
