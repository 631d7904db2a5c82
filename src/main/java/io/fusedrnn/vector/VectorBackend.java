package io.fusedrnn.vector;

import io.fusedrnn.Backend;
import io.fusedrnn.Cell;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Gradients;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.Precision;
import io.fusedrnn.PreparedLayer;
import io.fusedrnn.Reserve;
import io.fusedrnn.Sweep;
import io.fusedrnn.SweepResult;
import io.fusedrnn.Tensor;
import jdk.incubator.vector.FloatVector;

/**
 * The Vector API CPU backend: packed weights, the input projection of all steps as one GEMM (or, in an
 * inference split by rows, of each step's rows in the step), fused recurrent steps on persistent worker
 * threads, float32 and float64 (docs/DESIGN.md, Vector backend).
 * Sweeps on one backend run one at a time (Backend serializes them; they share its workers).
 */
public final class VectorBackend extends Backend {
    private static final FloatMath FLOATS = new FloatMath();
    private static final DoubleMath DOUBLES = new DoubleMath();

    private final WorkerPool pool;
    private final Recurrence.Split split;
    private final boolean stepProjection;

    /** One worker per available processor. */
    public VectorBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /**
     * The given number of workers (the calling thread is one of them).
     *
     * @param threads how many threads run each sweep, at least 1
     */
    public VectorBackend(int threads) {
        this(threads, Recurrence.Split.fromProperty(), Recurrence.stepProjectionFromProperty());
    }

    /** The given number of workers, splitting each step as told (tests and benchmarks). */
    VectorBackend(int threads, Recurrence.Split split) {
        this(threads, split, true);
    }

    /**
     * The given number of workers, splitting each step as told, and whether an inference may project
     * each step's rows in the step ({@code -Dfusedrnn.vector.stepProjection=false}: never; tests, benchmarks).
     */
    VectorBackend(int threads, Recurrence.Split split, boolean stepProjection) {
        if (threads < 1) throw new FusedRnnException("threads: expected >= 1, found " + threads);
        pool = new WorkerPool(threads);
        this.split = split;
        this.stepProjection = stepProjection;
    }

    @Override
    public String name() {
        return "vector";
    }

    @Override
    public String description() {
        return "Java Vector API, " + FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit vectors, " + pool.size() + " threads";
    }

    @Override
    protected Tensor newTensor(Precision precision, int[] shape) {
        return new VecTensor(this, precision, shape);
    }

    @Override
    protected PreparedLayer doPrepare(LayerWeights weights, Precision precision) {
        return precision == Precision.FP32
                ? new VecLayer<>(this, weights, precision, FLOATS)
                : new VecLayer<>(this, weights, precision, DOUBLES);
    }

    @Override
    protected SweepResult doForward(PreparedLayer layer, Sweep sweep, Tensor y, int yColumn, boolean training) {
        return forward((VecLayer<?>) layer, sweep, y, yColumn, training);
    }

    private <A> SweepResult forward(VecLayer<A> l, Sweep sweep, Tensor y, int yColumn, boolean training) {
        LayerSpec spec = l.spec();
        StepTimes s = new StepTimes(sweep);
        VecTensor hN = (VecTensor) allocate(l.precision(), s.batch, spec.outputSize());
        VecTensor cN = spec.hasCellState() ? (VecTensor) allocate(l.precision(), s.batch, spec.hiddenSize()) : null;
        VecReserve<A> reserve = training ? l.reserve(s.steps, s.batch) : null;
        Recurrence<A> r = recurrence(l, s, data(sweep.x()));
        r.forward(data(sweep.h0()), data(sweep.c0()), data(y), y.dim(2), yColumn, reserve == null ? null : reserve.s,
                data(hN), data(cN));
        return new SweepResult(hN, cN, reserve);
    }

    @Override
    protected Gradients doBackward(PreparedLayer layer, Sweep sweep, Reserve reserve, Tensor dy, int dyColumn,
                                                Tensor dhN, Tensor dcN, Tensor dx) {
        return backward((VecLayer<?>) layer, sweep, reserve, dy, dyColumn, dhN, dcN, dx);
    }

    @SuppressWarnings("unchecked")
    private <A> Gradients backward(VecLayer<A> l, Sweep sweep, Reserve reserve, Tensor dy, int dyColumn,
                                   Tensor dhN, Tensor dcN, Tensor dx) {
        LayerSpec spec = l.spec();
        int batch = sweep.batch();
        Gradients g = Gradients.zeros(this, l.precision(), spec, batch);
        Recurrence<A> r = recurrence(l, new StepTimes(sweep), data(sweep.x()));
        r.backward(((VecReserve<A>) reserve).s, data(dy), dy.dim(2), dyColumn, data(dhN), data(dcN), data(dx),
                data(g.dWih()), data(g.dWhh()), data(g.dBih()), data(g.dBhh()), data(g.dWhr()));
        r.initialStateGradients(data(g.dh0()), data(g.dc0()));
        return g;
    }

    private <A> Recurrence<A> recurrence(VecLayer<A> l, StepTimes s, A x) {
        return l.spec().cell() == Cell.LSTM ? new LstmRecurrence<>(l, s, pool, split, stepProjection, x)
                : new GruRecurrence<>(l, s, pool, split, stepProjection, x);
    }

    @SuppressWarnings("unchecked")
    private static <A> A data(Tensor t) {
        return t == null ? null : (A) ((VecTensor) t).data;
    }

    @Override
    protected void release() {
        pool.shutdown();
    }
}
