package io.fusedrnn.serve;

/**
 * What {@link RnnService} answers for one sequence, in PyTorch's shapes without the batch axis;
 * an output that was not asked for (or c_n of a GRU) is null.
 *
 * @param y  [T][D·H_out], forward half first
 * @param hN [L·D][H_out], the state after the sequence's last step
 * @param cN [L·D][H] for LSTM
 */
public record RnnResult(float[][] y, float[][] hN, float[][] cN) {
}
