package io.fusedrnn.model;

import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Sweep;
import io.fusedrnn.SweepResult;
import io.fusedrnn.Tensor;

import java.util.Arrays;

/**
 * Online inference: feeds a unidirectional model one step or a chunk of steps at a time, keeping
 * each layer's h (and c) on the backend between calls. Chunks fed in order give exactly the
 * whole-sequence call's y and h_n/c_n.
 *
 * <p>Lengths: {@link #step(Tensor, int[])} takes each row's number of valid steps <em>in this
 * chunk</em> (0..T_chunk). Past it the row's state does not change and its y is zero, and the next
 * chunk continues from that state. So a row that ended stays put when later chunks give it length
 * 0, and feeding per-chunk lengths {@code clamp(len[b] − offset, 0, T_chunk)} reproduces the
 * whole-sequence call with lengths {@code len}.
 *
 * <p>A stream holds mutable state: use it from one thread at a time.
 */
public final class RnnStream implements AutoCloseable {
    private final PreparedRnn model;
    private final int batch;
    private final Tensor[] h, c;
    private long stepsSeen;
    private boolean closed;

    RnnStream(PreparedRnn model, int batch, Tensor[] h, Tensor[] c) {
        this.model = model;
        this.batch = batch;
        this.h = h;
        this.c = c;
    }

    /**
     * {@return runs a chunk x [T, B, I] with every row valid throughout; returns y [T, B, H_out] (caller closes)}
     *
     * @param x the chunk, [T, B, I]
     */
    public Tensor step(Tensor x) {
        return step(x, null);
    }

    /**
     * Runs a chunk x [T, B, I]; {@code lengths} counts each row's valid steps in this chunk (null for all).
     *
     * @param x the chunk, [T, B, I]
     * @param lengths valid steps of each row in this chunk, or null
     * @return y [T, B, H_out], a new tensor the caller closes
     */
    public Tensor step(Tensor x, int[] lengths) {
        checkOpen();
        model.checkOpen();
        RnnConfig cfg = model.config();
        if (x == null) throw new FusedRnnException("x: expected [T, " + batch + ", " + cfg.inputSize() + "], found null");
        x.checkOpen();
        if (x.rank() != 3 || x.dim(0) < 1 || x.dim(1) != batch || x.dim(2) != cfg.inputSize()) {
            throw new FusedRnnException("x: expected [T>=1, " + batch + ", " + cfg.inputSize() + "] (the stream's batch), found " + Arrays.toString(x.shape()));
        }
        States.check("x", x, model.backend(), model.precision(), x.shape());
        int n = cfg.sweeps();
        Tensor[] layerOutputs = new Tensor[cfg.numLayers()];
        SweepResult[] res = model.runLayers(x, h, c, lengths == null ? null : lengths.clone(), false, layerOutputs, new Sweep[n]);
        for (int i = 0; i < n; i++) {
            States.close(h[i], c[i]);
            h[i] = res[i].hN();
            c[i] = res[i].cN();
        }
        stepsSeen += x.dim(0);
        return layerOutputs[cfg.numLayers() - 1];
    }

    /** {@return steps fed so far} */
    public long steps() {
        return stepsSeen;
    }

    /** {@return a copy of the current hidden state [L, B, H_out] (zeros before the first step without h0)} */
    public Tensor hN() {
        checkOpen();
        return joined(h, model.config().outputSize());
    }

    /** {@return a copy of the current cell state [L, B, H] (LSTM), else null} */
    public Tensor cN() {
        checkOpen();
        return model.config().cell().gates() == 4 ? joined(c, model.config().hiddenSize()) : null;
    }

    private Tensor joined(Tensor[] parts, int size) {
        Tensor[] filled = parts.clone();
        Tensor[] zeros = new Tensor[parts.length];
        try {
            for (int i = 0; i < parts.length; i++) {
                if (filled[i] == null) filled[i] = zeros[i] = model.backend().allocate(model.precision(), batch, size);
            }
            return States.concat(model.backend(), model.precision(), filled);
        } finally {
            States.close(zeros);
        }
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("stream was used after close");
    }

    /** Frees the state tensors; the prepared model stays open. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        States.close(h);
        States.close(c);
    }
}
