package io.fusedrnn;

/**
 * The shape of one layer-direction: cell, input size I, hidden size H, projection size P (LSTM only,
 * 0 for none) and, for GRU, the variant ({@code linearBeforeReset} true is PyTorch/cuDNN's default).
 *
 * @param cell              LSTM or GRU
 * @param inputSize         I, columns of {@code weight_ih}
 * @param hiddenSize        H, units per gate
 * @param projSize          P &gt; 0 for an LSTM with projection (h has size P), else 0
 * @param linearBeforeReset GRU only: true for n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),
 *                          false for n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn); ignored for LSTM
 */
public record LayerSpec(Cell cell, int inputSize, int hiddenSize, int projSize, boolean linearBeforeReset) {

    /** Checks every size and that only an LSTM has a projection; bad values are a {@link FusedRnnException}. */
    public LayerSpec {
        if (cell == null) throw new FusedRnnException("cell: expected LSTM or GRU, found null");
        if (inputSize < 1) throw new FusedRnnException("input size: expected >= 1, found " + inputSize);
        if (hiddenSize < 1) throw new FusedRnnException("hidden size: expected >= 1, found " + hiddenSize);
        if (projSize < 0) throw new FusedRnnException("proj size: expected >= 0, found " + projSize);
        if (projSize > 0 && cell != Cell.LSTM) {
            throw new FusedRnnException("proj size: only LSTM has a projection, found proj size " + projSize + " for GRU");
        }
        if (projSize >= hiddenSize && projSize > 0) {
            throw new FusedRnnException("proj size: expected < hidden size " + hiddenSize + " (as PyTorch), found " + projSize);
        }
        if (cell == Cell.LSTM) linearBeforeReset = true;
    }

    /**
     * An LSTM without projection.
     *
     * @param inputSize I, features of each input row
     * @param hiddenSize H, size of h and c
     * @return the spec
     */
    public static LayerSpec lstm(int inputSize, int hiddenSize) {
        return new LayerSpec(Cell.LSTM, inputSize, hiddenSize, 0, true);
    }

    /**
     * An LSTM with projection size P.
     *
     * @param inputSize I, features of each input row
     * @param hiddenSize H, size of c (and of h before projection)
     * @param projSize P, size of h after projection; 0 for none
     * @return the spec
     */
    public static LayerSpec lstm(int inputSize, int hiddenSize, int projSize) {
        return new LayerSpec(Cell.LSTM, inputSize, hiddenSize, projSize, true);
    }

    /**
     * A GRU, linear-before-reset (PyTorch's) when the flag is true.
     *
     * @param inputSize I, features of each input row
     * @param hiddenSize H, size of h
     * @param linearBeforeReset true for PyTorch's form (reset applied after the recurrent matrix), false for the original
     * @return the spec
     */
    public static LayerSpec gru(int inputSize, int hiddenSize, boolean linearBeforeReset) {
        return new LayerSpec(Cell.GRU, inputSize, hiddenSize, 0, linearBeforeReset);
    }

    /** {@return size of h and of each y row: P when projecting, else H} */
    public int outputSize() {
        return projSize > 0 ? projSize : hiddenSize;
    }

    /** {@return rows of the stacked weight matrices: gates × H} */
    public int gateRows() {
        return cell.gates() * hiddenSize;
    }

    /** {@return true when c exists (LSTM)} */
    public boolean hasCellState() {
        return cell == Cell.LSTM;
    }

    /**
     * Forward FLOPs of one sweep over T steps and B rows (docs/DESIGN.md, Performance model: LSTM 8·T·B·H·(I+H), GRU 6·…), plus the projection.
     *
     * @param steps T, time steps of the sweep
     * @param batch B, rows of the sweep
     * @return the floating-point operations of one forward sweep
     */
    public double forwardFlops(int steps, int batch) {
        double perRow = 2.0 * gateRows() * (inputSize + (double) outputSize());
        if (projSize > 0) perRow += 2.0 * projSize * hiddenSize;
        return perRow * steps * batch;
    }

    /** {@return short text such as {@code lstm I=5 H=8 P=3} or {@code gru(reset-before) I=5 H=8}} */
    public String describe() {
        String name = cell == Cell.GRU && !linearBeforeReset ? "gru(reset-before)" : cell.toString();
        return name + " I=" + inputSize + " H=" + hiddenSize + (projSize > 0 ? " P=" + projSize : "");
    }
}
