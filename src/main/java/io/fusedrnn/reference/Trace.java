package io.fusedrnn.reference;

import io.fusedrnn.LayerSpec;

/**
 * Per step k (in processing order) and row b, what the forward computed and backward reads:
 * the state it started from, the gate activations and, for LSTM, the new cell state and o ⊙ tanh(c).
 * GRU keeps r, z, n in {@code gates} and W_hn h + b_hn in {@code hn}.
 */
final class Trace {
    final int steps, batch;
    final double[][][] hIn, cIn, gates, cOut, m, hn;

    Trace(LayerSpec s, int steps, int batch) {
        this.steps = steps;
        this.batch = batch;
        int h = s.hiddenSize();
        hIn = new double[steps][batch][s.outputSize()];
        gates = new double[steps][batch][s.gateRows()];
        boolean lstm = s.hasCellState();
        cIn = lstm ? new double[steps][batch][h] : null;
        cOut = lstm ? new double[steps][batch][h] : null;
        m = lstm ? new double[steps][batch][h] : null;
        hn = lstm ? null : new double[steps][batch][h];
    }
}
