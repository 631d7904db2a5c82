package io.fusedrnn.model;

import io.fusedrnn.Backend;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Gradients;
import io.fusedrnn.Precision;
import io.fusedrnn.PreparedLayer;
import io.fusedrnn.Reserve;
import io.fusedrnn.Sweep;
import io.fusedrnn.SweepResult;
import io.fusedrnn.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A model whose layer-directions are prepared on one backend: whole-sequence forward (inference or
 * training) and backward through the stack, with PyTorch's shapes and packed-sequence lengths, and
 * {@link #stream} for step-by-step use. Layer k &gt; 0 reads layer k−1's y directly; the two
 * directions of a layer write the two halves of one y and add into one dx, so nothing is copied
 * between layers. The [L·D, B, n] state tensors are split and joined by copies on the backend; no
 * state travels through the host.
 *
 * <p>Threads: a prepared model holds no per-call state (the scratch y of {@link #forwardStates} is held
 * by one call at a time), so several threads may call it at once (the backend runs their sweeps one at
 * a time); a {@link RnnStream} or {@link RnnTrace} belongs to one thread.
 */
public final class PreparedRnn implements AutoCloseable {
    private final RnnConfig config;
    private final Backend backend;
    private final Precision precision;
    private final PreparedLayer[] layers;
    /** The last layer's y of {@link #forwardStates}, kept for its next call of the same shape. */
    private final ScratchTensors scratchY = new ScratchTensors(SCRATCH_KEPT, SCRATCH_MAX_BYTES);
    private boolean closed;

    /** {@link #forwardStates} keeps up to this many y tensors (shapes), each of at most SCRATCH_MAX_BYTES. */
    private static final int SCRATCH_KEPT = 4;
    private static final long SCRATCH_MAX_BYTES = 16L << 20;

    private PreparedRnn(RnnConfig config, Backend backend, Precision precision, PreparedLayer[] layers) {
        this.config = config;
        this.backend = backend;
        this.precision = precision;
        this.layers = layers;
    }

    static PreparedRnn prepare(RnnModel model, Backend backend, Precision precision) {
        PreparedLayer[] layers = new PreparedLayer[model.weights().size()];
        try {
            for (int i = 0; i < layers.length; i++) layers[i] = backend.prepare(model.weights().get(i), precision);
        } catch (RuntimeException e) {
            States.close(layers);
            throw e;
        }
        return new PreparedRnn(model.config(), backend, precision, layers);
    }

    /** {@return cell, sizes, layers and directions} */
    public RnnConfig config() {
        return config;
    }

    /** {@return the backend that holds the packed weights} */
    public Backend backend() {
        return backend;
    }

    /** {@return the element type the sweeps compute in} */
    public Precision precision() {
        return precision;
    }

    /**
     * Inference: y [T, B, D·H_out], h_n and c_n (null for GRU). h0, c0 and lengths may be null.
     *
     * @param x input [T, B, I]
     * @param h0 initial hidden state [L·D, B, H_out], or null for zeros
     * @param c0 initial cell state [L·D, B, H] (LSTM), or null for zeros
     * @param lengths valid steps of each row, or null for all T
     * @return the outputs, new tensors the caller closes
     */
    public RnnOutput forward(Tensor x, Tensor h0, Tensor c0, int[] lengths) {
        // in inference mode the trace holds nothing but its output (no reserves, inner layers freed)
        return run(x, h0, c0, lengths, false, false).output;
    }

    /**
     * Inference for the final states only: h_n and c_n as {@link #forward} computes them, and no y
     * ({@link RnnOutput#y()} is null). The backends' sweeps still write the last layer's y; it goes
     * into a scratch tensor that this model keeps for its next call of the same [T, B] (a few shapes,
     * up to 16 MiB each, freed by {@link #close}), so a server that asks only for h_n allocates no y
     * per call.
     *
     * @param x input [T, B, I]
     * @param h0 initial hidden state [L·D, B, H_out], or null for zeros
     * @param c0 initial cell state [L·D, B, H] (LSTM), or null for zeros
     * @param lengths valid steps of each row, or null for all T
     * @return h_n and c_n (null for GRU), new tensors the caller closes; y is null
     */
    public RnnOutput forwardStates(Tensor x, Tensor h0, Tensor c0, int[] lengths) {
        return run(x, h0, c0, lengths, false, true).output;
    }

    /**
     * Inference with x in the given layout: with {@link Layout#BATCH_FIRST} x is [B, T, I] and y
     * comes back [B, T, D·H_out], as PyTorch's {@code batch_first=True} does (h_n and c_n stay
     * [L·D, B, ·]). The transpositions are copies on the backend.
     *
     * @param x input in {@code layout}
     * @param h0 initial hidden state [L·D, B, H_out], or null for zeros
     * @param c0 initial cell state [L·D, B, H] (LSTM), or null for zeros
     * @param lengths valid steps of each row, or null for all T
     * @param layout time-first or batch-first, for x and y
     * @return the outputs, new tensors the caller closes
     */
    public RnnOutput forward(Tensor x, Tensor h0, Tensor c0, int[] lengths, Layout layout) {
        if (layout == null) throw new FusedRnnException("layout: expected TIME_FIRST or BATCH_FIRST, found null");
        if (layout == Layout.TIME_FIRST) return forward(x, h0, c0, lengths);
        checkInput(x, "B", "T", " (batch first)");
        RnnOutput out;
        try (Tensor xt = States.swapFirstTwo(backend, x)) {
            out = forward(xt, h0, c0, lengths);
        }
        try (Tensor y = out.y()) {
            return new RnnOutput(States.swapFirstTwo(backend, y), out.hN(), out.cN());
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /**
     * Training-mode forward: the output and what {@link #backward} needs; close the trace when done.
     *
     * @param x input [T, B, I]
     * @param h0 initial hidden state [L·D, B, H_out], or null for zeros
     * @param c0 initial cell state [L·D, B, H] (LSTM), or null for zeros
     * @param lengths valid steps of each row, or null for all T
     * @return the trace for {@link #backward}
     */
    public RnnTrace forwardTraining(Tensor x, Tensor h0, Tensor c0, int[] lengths) {
        return run(x, h0, c0, lengths, true, false);
    }

    /**
     * Backpropagates through every layer and direction. {@code dy} [T, B, D·H_out], {@code dhN}
     * [L·D, B, H_out] and {@code dcN} [L·D, B, H] (LSTM) may each be null for zeros.
     *
     * @param trace what the training-mode forward kept
     * @param dy dL/dy, or null
     * @param dhN dL/dh_n, or null
     * @param dcN dL/dc_n, or null
     * @return dL/dx, dL/dh0, dL/dc0 and every weight gradient; close when done
     */
    public RnnGradients backward(RnnTrace trace, Tensor dy, Tensor dhN, Tensor dcN) {
        checkOpen();
        if (trace == null || trace.model != this) throw new FusedRnnException("trace: expected one made by forwardTraining of this model");
        trace.checkOpen();
        Tensor y = trace.output.y();
        int steps = y.dim(0), batch = y.dim(1), n = config.sweeps(), d = config.directions(), out = config.outputSize();
        States.check("dy", dy, backend, precision, y.shape());
        States.check("dh_n", dhN, backend, precision, n, batch, out);
        if (config.cell().gates() == 3 && dcN != null) throw new FusedRnnException("dc_n: expected none for GRU, found " + dcN);
        States.check("dc_n", dcN, backend, precision, n, batch, config.hiddenSize());
        Tensor[] dhParts = States.split(backend, precision, dhN, n);
        Tensor[] dcParts = States.split(backend, precision, dcN, n);
        List<Gradients> grads = new ArrayList<>(Arrays.asList(new Gradients[n]));
        Tensor upstream = dy == null ? backend.allocate(precision, y.shape()) : dy;
        boolean ownUpstream = dy == null;
        try {
            for (int layer = config.numLayers() - 1; layer >= 0; layer--) {
                int in = config.layerSpec(layer).inputSize();
                Tensor dx = backend.allocate(precision, steps, batch, in);
                try {
                    for (int dir = 0; dir < d; dir++) {
                        int i = layer * d + dir;
                        grads.set(i, backend.backward(layers[i], trace.sweeps[i], trace.reserves[i], upstream, dir * out,
                                dhParts[i], dcParts[i], dx));
                    }
                } catch (RuntimeException e) {
                    dx.close();
                    throw e;
                }
                if (ownUpstream) upstream.close();
                upstream = dx;
                ownUpstream = true;
            }
            Tensor[] dh0 = new Tensor[n], dc0 = new Tensor[n];
            for (int i = 0; i < n; i++) {
                dh0[i] = grads.get(i).dh0();
                dc0[i] = grads.get(i).dc0();
            }
            Tensor dh0All = States.concat(backend, precision, dh0);
            Tensor dc0All = config.cell().gates() == 4 ? States.concat(backend, precision, dc0) : null;
            return new RnnGradients(upstream, dh0All, dc0All, List.copyOf(grads));
        } catch (RuntimeException e) {
            if (ownUpstream) upstream.close();
            for (Gradients g : grads) if (g != null) g.close();
            throw e;
        } finally {
            States.close(dhParts);
            States.close(dcParts);
        }
    }

    /**
     * A stream over {@code batch} rows starting from zero states, or from h0/c0 ([L·D, B, ·], may
     * be null). Unidirectional models only (a reverse direction needs the whole sequence).
     *
     * @param batch B, rows fed at each step
     * @param h0 initial hidden state, or null for zeros
     * @param c0 initial cell state (LSTM), or null for zeros
     * @return the stream; close it when done
     */
    public RnnStream stream(int batch, Tensor h0, Tensor c0) {
        checkOpen();
        if (config.bidirectional()) {
            throw new FusedRnnException("stream: expected a unidirectional model, found a bidirectional one (the reverse direction needs the whole sequence)");
        }
        if (config.reverse()) throw new FusedRnnException("stream: expected a forward model, found a reverse one (it needs the whole sequence)");
        if (batch < 1) throw new FusedRnnException("stream batch: expected >= 1, found " + batch);
        checkStates(batch, h0, c0);
        Tensor[] h = States.split(backend, precision, h0, config.sweeps());
        Tensor[] c = States.split(backend, precision, c0, config.sweeps());
        return new RnnStream(this, batch, h, c);
    }

    /**
     * Runs every layer over x from the given per-sweep states (entries may be null). Used by
     * {@link #forward}, {@link #forwardTraining} and {@link RnnStream}; returns per-sweep results.
     */
    SweepResult[] runLayers(Tensor x, Tensor[] h0, Tensor[] c0, int[] lengths, boolean training, Tensor[] layerOutputs, Sweep[] sweeps) {
        return runLayers(x, h0, c0, lengths, training, layerOutputs, sweeps, false);
    }

    /** {@link #runLayers}, the last layer's y from {@link #scratchY} when {@code scratchLast}. */
    private SweepResult[] runLayers(Tensor x, Tensor[] h0, Tensor[] c0, int[] lengths, boolean training, Tensor[] layerOutputs, Sweep[] sweeps,
                                    boolean scratchLast) {
        int steps = x.dim(0), batch = x.dim(1), d = config.directions(), out = config.outputSize();
        SweepResult[] results = new SweepResult[config.sweeps()];
        try {
            Tensor input = x;
            for (int layer = 0; layer < config.numLayers(); layer++) {
                Tensor y = scratchLast && layer == config.numLayers() - 1
                        ? scratchY.take(backend, precision, steps, batch, d * out)
                        : backend.allocate(precision, steps, batch, d * out);
                layerOutputs[layer] = y;
                for (int dir = 0; dir < d; dir++) {
                    int i = layer * d + dir;
                    sweeps[i] = new Sweep(input, h0[i], c0[i], lengths, dir == 1 || config.reverse());
                    results[i] = backend.forward(layers[i], sweeps[i], y, dir * out, training);
                }
                if (!training && layer > 0) {
                    layerOutputs[layer - 1].close();
                    layerOutputs[layer - 1] = null;
                }
                input = y;
            }
            return results;
        } catch (RuntimeException e) {
            States.close(results);
            States.close(layerOutputs);
            throw e;
        }
    }

    /** Checks x: open, [outer, inner, I] with both at least 1 ({@code note} follows the shape in messages), on this backend and precision. */
    private void checkInput(Tensor x, String outer, String inner, String note) {
        checkOpen();
        if (x == null) throw new FusedRnnException("x: expected [" + outer + ", " + inner + ", " + config.inputSize() + "]" + note + ", found null");
        x.checkOpen();
        if (x.rank() != 3 || x.dim(2) != config.inputSize() || x.dim(0) < 1 || x.dim(1) < 1) {
            throw new FusedRnnException("x: expected [" + outer + ">=1, " + inner + ">=1, " + config.inputSize() + "]" + note + ", found "
                    + Arrays.toString(x.shape()));
        }
        States.check("x", x, backend, precision, x.shape());
    }

    /** The forward of every mode; with {@code noY} (inference only) y goes back to {@link #scratchY} and the output's y is null. */
    private RnnTrace run(Tensor x, Tensor h0, Tensor c0, int[] lengths, boolean training, boolean noY) {
        checkInput(x, "T", "B", "");
        checkStates(x.dim(1), h0, c0);
        int n = config.sweeps();
        Tensor[] h = States.split(backend, precision, h0, n);
        Tensor[] c;
        try {
            c = States.split(backend, precision, c0, n);
        } catch (RuntimeException e) {
            States.close(h);
            throw e;
        }
        Tensor[] initial = concat(h, c);
        Tensor[] layerOutputs = new Tensor[config.numLayers()];
        Sweep[] sweeps = new Sweep[n];
        SweepResult[] res;
        try {
            res = runLayers(x, h, c, lengths == null ? null : lengths.clone(), training, layerOutputs, sweeps, noY);
        } catch (RuntimeException e) {
            States.close(initial);
            throw e;
        }
        Tensor y = layerOutputs[config.numLayers() - 1];
        layerOutputs[config.numLayers() - 1] = null;
        if (noY) {
            scratchY.giveBack(y);
            y = null;
        }
        Reserve[] reserves = new Reserve[n];
        Tensor[] hN = new Tensor[n], cN = new Tensor[n];
        for (int i = 0; i < n; i++) {
            hN[i] = res[i].hN();
            cN[i] = res[i].cN();
            reserves[i] = res[i].reserve();
        }
        try {
            Tensor hAll = States.concat(backend, precision, hN);
            Tensor cAll = config.cell().gates() == 4 ? States.concat(backend, precision, cN) : null;
            RnnOutput output = new RnnOutput(y, hAll, cAll);
            if (!training) States.close(initial);
            return new RnnTrace(this, output, layerOutputs, sweeps, reserves, training ? initial : new Tensor[0]);
        } catch (RuntimeException e) {
            States.close(y);
            States.close(reserves);
            States.close(layerOutputs);
            States.close(initial);
            throw e;
        } finally {
            States.close(hN);
            States.close(cN);
        }
    }

    private void checkStates(int batch, Tensor h0, Tensor c0) {
        int n = config.sweeps();
        States.check("h0", h0, backend, precision, n, batch, config.outputSize());
        if (config.cell().gates() == 3 && c0 != null) throw new FusedRnnException("c0: expected none for GRU, found " + c0);
        States.check("c0", c0, backend, precision, n, batch, config.hiddenSize());
    }

    private static Tensor[] concat(Tensor[] a, Tensor[] b) {
        Tensor[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    void checkOpen() {
        if (closed) throw new IllegalStateException("prepared model " + config.describe() + " was used after close");
        backend.checkOpen();
    }

    /** Frees the prepared weights (the backend stays open); closing twice is harmless. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        scratchY.close();
        States.close(layers);
    }
}
