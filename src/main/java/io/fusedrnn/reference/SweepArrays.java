package io.fusedrnn.reference;

import io.fusedrnn.Sweep;

/** The sweep's tensors as arrays, with the index arithmetic for x[t, b, :] and the y (or dy) columns. */
final class SweepArrays {
    final Sweep sweep;
    final double[] x, h0, c0;
    final RefTensor y;
    final int yColumn, yWidth, out, inputSize;

    SweepArrays(Sweep sweep, RefTensor y, int yColumn, int out) {
        this.sweep = sweep;
        this.x = ((RefTensor) sweep.x()).data;
        this.h0 = sweep.h0() == null ? null : ((RefTensor) sweep.h0()).data;
        this.c0 = sweep.c0() == null ? null : ((RefTensor) sweep.c0()).data;
        this.y = y;
        this.yColumn = yColumn;
        this.yWidth = y.dim(2);
        this.out = out;
        this.inputSize = sweep.x().dim(2);
    }

    int steps() {
        return sweep.steps();
    }

    int batch() {
        return sweep.batch();
    }

    /** Offset of x[t, b, 0]. */
    int xAt(int t, int b) {
        return (t * batch() + b) * inputSize;
    }

    /** Offset of y[t, b, yColumn]. */
    int yAt(int t, int b) {
        return (t * batch() + b) * yWidth + yColumn;
    }

    /** Sets y to zero in this direction's columns wherever t &ge; lengths[b]. */
    void zeroPadding() {
        for (int b = 0; b < batch(); b++) {
            for (int t = sweep.length(b); t < steps(); t++) {
                for (int j = 0; j < out; j++) y.set(yAt(t, b) + j, 0);
            }
        }
    }

    /** Row b of an optional [B, n] state, or zeros. */
    static double[] row(double[] state, int b, int n) {
        double[] r = new double[n];
        if (state != null) System.arraycopy(state, b * n, r, 0, n);
        return r;
    }

    static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }
}
