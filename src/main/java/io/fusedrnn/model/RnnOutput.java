package io.fusedrnn.model;

import io.fusedrnn.Tensor;

/**
 * What a model's forward returns, in PyTorch's shapes. Closing closes all three.
 *
 * @param y  [T, B, D·H_out], forward half first; zero where t &ge; lengths[b]
 * @param hN [L·D, B, H_out], each row's state at its last valid step
 * @param cN [L·D, B, H] for LSTM, else null
 */
public record RnnOutput(Tensor y, Tensor hN, Tensor cN) implements AutoCloseable {
    @Override
    public void close() {
        States.close(y, hN, cN);
    }
}
