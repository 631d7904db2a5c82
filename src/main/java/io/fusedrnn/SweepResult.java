package io.fusedrnn;

/**
 * The states a forward sweep ends in, and its reserve in training mode. Closing closes all three.
 *
 * @param hN      final hidden state [B, H_out] (each row's state at its last valid step)
 * @param cN      final cell state [B, H] for LSTM, else null
 * @param reserve what backward needs, when the sweep ran in training mode, else null
 */
public record SweepResult(Tensor hN, Tensor cN, Reserve reserve) implements AutoCloseable {
    @Override
    public void close() {
        if (hN != null) hN.close();
        if (cN != null) cN.close();
        if (reserve != null) reserve.close();
    }
}
