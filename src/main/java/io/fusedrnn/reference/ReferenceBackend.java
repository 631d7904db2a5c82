package io.fusedrnn.reference;

import io.fusedrnn.Backend;
import io.fusedrnn.Cell;
import io.fusedrnn.Gradients;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.Precision;
import io.fusedrnn.PreparedLayer;
import io.fusedrnn.Reserve;
import io.fusedrnn.Sweep;
import io.fusedrnn.SweepResult;
import io.fusedrnn.Tensor;

/**
 * The scalar oracle: loops that read like the formulas of docs/DESIGN.md, one row and one step at a time. All
 * arithmetic is float64; in fp32 the tensors and weights are rounded to float32 when stored, so fp32
 * results are float64 math on float32 data (the other backends compute in float32 and are compared
 * with this backend's fp64 results).
 */
public final class ReferenceBackend extends Backend {
    /** A reference backend; it holds no native memory or threads, so closing it frees nothing. */
    public ReferenceBackend() {
    }

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public String description() {
        return "scalar Java, one thread";
    }

    @Override
    protected Tensor newTensor(Precision precision, int[] shape) {
        return new RefTensor(this, precision, shape);
    }

    @Override
    protected PreparedLayer doPrepare(LayerWeights weights, Precision precision) {
        LayerWeights w = weights.copy();
        if (precision == Precision.FP32) {
            for (int k = 0; k < LayerWeights.NAMES.length; k++) {
                double[] a = w.tensor(k);
                if (a != null) for (int i = 0; i < a.length; i++) a[i] = (float) a[i];
            }
        }
        return new Prepared(this, w, precision);
    }

    @Override
    protected SweepResult doForward(PreparedLayer layer, Sweep sweep, Tensor y, int yColumn, boolean training) {
        Prepared p = (Prepared) layer;
        LayerSpec s = p.spec();
        int batch = sweep.batch();
        RefTensor hN = (RefTensor) allocate(p.precision(), batch, s.outputSize());
        RefTensor cN = s.hasCellState() ? (RefTensor) allocate(p.precision(), batch, s.hiddenSize()) : null;
        Trace trace = new Trace(s, sweep.steps(), batch);
        SweepArrays arrays = new SweepArrays(sweep, (RefTensor) y, yColumn, s.outputSize());
        if (s.cell() == Cell.LSTM) ReferenceLstm.forward(p.weights, arrays, trace, hN, cN);
        else ReferenceGru.forward(p.weights, arrays, trace, hN);
        return new SweepResult(hN, cN, training ? new TraceReserve(p, trace) : null);
    }

    @Override
    protected Gradients doBackward(PreparedLayer layer, Sweep sweep, Reserve reserve, Tensor dy, int dyColumn,
                                   Tensor dhN, Tensor dcN, Tensor dx) {
        Prepared p = (Prepared) layer;
        LayerSpec s = p.spec();
        Gradients g = Gradients.zeros(this, p.precision(), s, sweep.batch());
        SweepArrays arrays = new SweepArrays(sweep, (RefTensor) dy, dyColumn, s.outputSize());
        Trace trace = ((TraceReserve) reserve).trace;
        if (s.cell() == Cell.LSTM) {
            ReferenceLstm.backward(p.weights, arrays, trace, (RefTensor) dhN, (RefTensor) dcN, (RefTensor) dx, g);
        } else {
            ReferenceGru.backward(p.weights, arrays, trace, (RefTensor) dhN, (RefTensor) dx, g);
        }
        return g;
    }

    /** Weights as given (rounded to float32 in fp32). */
    static final class Prepared extends PreparedLayer {
        final LayerWeights weights;

        Prepared(Backend backend, LayerWeights weights, Precision precision) {
            super(backend, weights.spec(), precision);
            this.weights = weights;
        }

        @Override
        protected void release() {
        }
    }

    private static final class TraceReserve extends Reserve {
        final Trace trace;

        TraceReserve(PreparedLayer layer, Trace trace) {
            super(layer, trace.steps, trace.batch);
            this.trace = trace;
        }

        @Override
        protected void release() {
        }
    }
}
