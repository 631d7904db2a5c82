package io.fusedrnn;

/**
 * The inputs of one layer-direction sweep over all T steps.
 *
 * @param x       input [T, B, I]
 * @param h0      initial hidden state [B, H_out], or null for zeros
 * @param c0      initial cell state [B, H] (LSTM only), or null for zeros
 * @param lengths per-row valid lengths (B values in 0..T), or null for all T. For t &ge; lengths[b]
 *                row b's state stops changing and y is zero; the reverse direction starts at each
 *                row's own last valid step (PyTorch packed sequences, ONNX sequence_lens).
 * @param reverse true to run from the last valid step back to step 0
 */
public record Sweep(Tensor x, Tensor h0, Tensor c0, int[] lengths, boolean reverse) {

    /**
     * A forward-in-time sweep from zero states over full-length rows.
     *
     * @param x input [T, B, I]
     * @return the sweep
     */
    public static Sweep of(Tensor x) {
        return new Sweep(x, null, null, null, false);
    }

    /** {@return T, time steps (x's first dimension)} */
    public int steps() {
        return x.dim(0);
    }

    /** {@return B, batch rows (x's second dimension)} */
    public int batch() {
        return x.dim(1);
    }

    /**
     * Valid length of row b.
     *
     * @param b batch row
     * @return T when there are no lengths, else lengths[b]
     */
    public int length(int b) {
        return lengths == null ? x.dim(0) : lengths[b];
    }

    /**
     * The time index row b reads at its k-th step (k &lt; length(b)).
     *
     * @param k step count from the start of the sweep
     * @param b batch row
     * @return {@code k} forward in time, {@code length(b) - 1 - k} in reverse
     */
    public int timeOf(int k, int b) {
        return reverse ? length(b) - 1 - k : k;
    }
}
