package io.fusedrnn.serve;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * One sequence to score: x [T][I] and optional initial states h0 [L·D][H_out] and c0 [L·D][H]
 * (LSTM), the outputs wanted (null: all the model has) and a timeout covering queueing and compute
 * (null: none). The arrays are read when the request's batch runs, so the caller must not change
 * them until its future completes.
 *
 * @param x       the input sequence, T ≥ 1 rows of I floats
 * @param h0      initial hidden state per layer-direction, or null for zeros
 * @param c0      initial cell state per layer-direction (LSTM), or null for zeros
 * @param outputs the outputs to compute and copy back, or null for all
 * @param timeout how long the caller will wait at most, or null for no limit
 */
public record RnnRequest(float[][] x, float[][] h0, float[][] c0, Set<Output> outputs, Duration timeout) {

    /** Copies {@code outputs} (the arrays are not copied: see above). */
    public RnnRequest {
        outputs = outputs == null ? null : Set.copyOf(outputs);
    }

    /**
     * x alone: zero initial states, every output, no timeout.
     *
     * @param x the input sequence, T rows of I floats
     * @return the request
     */
    public static RnnRequest of(float[][] x) {
        return new RnnRequest(x, null, null, null, null);
    }

    /**
     * This request with initial states h0 and c0 (either may be null).
     *
     * @param h0 initial hidden state per layer-direction, or null for zeros
     * @param c0 initial cell state per layer-direction, or null for zeros
     * @return a copy with the states
     */
    public RnnRequest withStates(float[][] h0, float[][] c0) {
        return new RnnRequest(x, h0, c0, outputs, timeout);
    }

    /**
     * This request asking only for the outputs named.
     *
     * @param first an output wanted
     * @param more further outputs wanted
     * @return a copy asking for those outputs
     */
    public RnnRequest withOutputs(Output first, Output... more) {
        return new RnnRequest(x, h0, c0, EnumSet.of(first, more), timeout);
    }

    /**
     * This request with a timeout.
     *
     * @param limit how long the caller will wait at most, or null for no limit
     * @return a copy with the timeout
     */
    public RnnRequest withTimeout(Duration limit) {
        return new RnnRequest(x, h0, c0, outputs, limit);
    }
}
