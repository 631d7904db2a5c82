package io.fusedrnn.vector;

import io.fusedrnn.Sweep;

/**
 * The step-to-time map of one sweep: which time row b reads at processing step k, from the per-row
 * lengths and the direction of the {@link Sweep}, and where each row's state lives in the step buffers.
 * Step k of row b reads the [T, B, ·] row {@link #row(int, int)} while {@code k < len[b]}; later the row stands still.
 *
 * <p>The recurrence keeps the rows' states (h, c, the step's pre-activations, their gradients) in
 * <em>slots</em> ordered by length, longest first (ties in row order), so the rows still running at
 * step k are the slots {@code 0 ..} {@link #live(int) live(k)}: each step's GEMM and cell cover only
 * them, and a ragged batch costs the sum of its lengths, not B times the longest. A row's state stays
 * in the buffer its last step wrote. With equal lengths the slots are the rows.
 */
final class StepTimes {
    final int steps, batch, maxLen;
    final int[] len;
    final boolean reverse;
    /** The row in each slot, and the slot of each row. */
    private final int[] order, slot;
    /** Rows still running at each step k &lt; maxLen, and the steps before k's rows in all (Σ live). */
    private final int[] live, before;
    /** Σ lengths: the (step, row) pairs the sweep computes. */
    final int realRows;

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
        // a counting sort by length, longest first, stable: O(B + T)
        int[] count = new int[max + 2];
        for (int l : len) count[max - l + 1]++;
        for (int i = 1; i < count.length; i++) count[i] += count[i - 1];
        order = new int[batch];
        slot = new int[batch];
        for (int b = 0; b < batch; b++) {
            int s = count[max - len[b]]++;
            order[s] = b;
            slot[b] = s;
        }
        live = new int[max];
        for (int l : len) for (int k = 0; k < l; k++) live[k]++;
        before = new int[max + 1];
        for (int k = 0; k < max; k++) before[k + 1] = before[k] + live[k];
        realRows = before[max];
    }

    /** Whether some row stops before T (then {@link #realRows} &lt; T·B). */
    boolean ragged() {
        return realRows < steps * batch;
    }

    /**
     * Row of slot i's step k in a compact [Σ lengths, ·] array that holds only the steps computed,
     * step by step, slot by slot: the order {@link #compact} gathers them in.
     */
    int compactRow(int k, int i) {
        return before[k] + i;
    }

    /** Gathers the computed rows of x [T, B, n] into the compact order of {@link #compactRow}. */
    <A> void compact(A x, A to, int n) {
        for (int k = 0; k < maxLen; k++) {
            for (int i = 0; i < live[k]; i++) System.arraycopy(x, slotRow(k, i) * n, to, (before[k] + i) * n, n);
        }
    }

    /** Rows still running at step k: slots 0 .. live(k); 0 outside 0 .. maxLen. */
    int live(int k) {
        return k >= 0 && k < maxLen ? live[k] : 0;
    }

    /** Row index (t·B + b) into [T, B, ·] tensors of row b's k-th step. */
    int row(int k, int b) {
        return (reverse ? len[b] - 1 - k : k) * batch + b;
    }

    /** Row index into [T, B, ·] tensors of slot i's k-th step. */
    int slotRow(int k, int i) {
        return row(k, order[i]);
    }

    /** The slot that holds row b's state. */
    int slot(int b) {
        return slot[b];
    }

    /** Copies rows of n values from [B, n] in row order into slot order, rows w apart (w &ge; n). */
    <A> void toSlots(A rows, int n, A slots, int w) {
        for (int b = 0; b < batch; b++) System.arraycopy(rows, b * n, slots, slot[b] * w, n);
    }

    /** Copies the first n values of rows w apart in slot order back into [B, n] in row order. */
    <A> void fromSlots(A slots, int w, A rows, int n) {
        for (int b = 0; b < batch; b++) System.arraycopy(slots, slot[b] * w, rows, b * n, n);
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
