package io.fusedrnn.vector;

import io.fusedrnn.Sweep;

/**
 * The step-to-time map of one sweep: which time row b reads at processing step k, from the per-row
 * lengths and the direction of the {@link Sweep}.
 * Step k of row b reads the [T, B, ·] row {@link #row(int, int)} while {@code k < len[b]}; later the row stands still.
 */
final class StepTimes {
    final int steps, batch, maxLen;
    final int[] len;
    final boolean reverse;

    StepTimes(Sweep sweep) {
        steps = sweep.steps();
        batch = sweep.batch();
        reverse = sweep.reverse();
        len = new int[batch];
        int max = 0;
        for (int b = 0; b < batch; b++) {
            len[b] = sweep.length(b);
            max = Math.max(max, len[b]);
        }
        maxLen = max;
    }

    boolean active(int k, int b) {
        return k >= 0 && k < len[b];
    }

    /** Row index (t·B + b) into [T, B, ·] tensors of row b's k-th step. */
    int row(int k, int b) {
        return (reverse ? len[b] - 1 - k : k) * batch + b;
    }

    /** Zeroes columns col..col+n of every [T, B, width] row past its length (y's padding, unused reserve rows). */
    <A> void zeroPadding(VecMath<A> k, A a, int width, int col, int n) {
        for (int b = 0; b < batch; b++) {
            for (int t = len[b]; t < steps; t++) k.zero(a, (t * batch + b) * width + col, n);
        }
    }

    /** First of W near-equal parts of n items, part w. */
    static int split(int n, int w, int parts) {
        return (int) ((long) n * w / parts);
    }
}
