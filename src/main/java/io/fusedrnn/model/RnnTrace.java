package io.fusedrnn.model;

import io.fusedrnn.Reserve;
import io.fusedrnn.Sweep;
import io.fusedrnn.Tensor;

/**
 * A training-mode forward of a whole model: its output and what {@link PreparedRnn#backward} needs
 * (each sweep's inputs and reserve). Closing frees all of it except the caller's x.
 */
public final class RnnTrace implements AutoCloseable {
    final PreparedRnn model;
    final RnnOutput output;
    final Tensor[] layerOutputs;
    final Sweep[] sweeps;
    final Reserve[] reserves;
    final Tensor[] initialStates;
    private boolean closed;

    RnnTrace(PreparedRnn model, RnnOutput output, Tensor[] layerOutputs, Sweep[] sweeps, Reserve[] reserves, Tensor[] initialStates) {
        this.model = model;
        this.output = output;
        this.layerOutputs = layerOutputs;
        this.sweeps = sweeps;
        this.reserves = reserves;
        this.initialStates = initialStates;
    }

    /** {@return y, h_n and c_n of this forward (owned by the trace: close the trace, not these)} */
    public RnnOutput output() {
        checkOpen();
        return output;
    }

    void checkOpen() {
        if (closed) throw new IllegalStateException("training trace was used after close");
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        output.close();
        States.close(layerOutputs);
        States.close(reserves);
        States.close(initialStates);
    }
}
