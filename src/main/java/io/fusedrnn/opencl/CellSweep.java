package io.fusedrnn.opencl;

import io.fusedrnn.Gradients;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.Precision;
import io.fusedrnn.Sweep;
import io.fusedrnn.SweepResult;
import io.fusedrnn.Tensor;
import org.jocl.cl_mem;

/**
 * What one GRU or LSTM sweep on the device starts from (the backend, the layer, the sweep, the
 * layer's sizes and the device ops of its precision), and the input-gradient step both cells end
 * their backward with. {@link GruSweep} and {@link LstmSweep} hold the cell-specific kernels.
 */
abstract class CellSweep {
    final OpenClBackend be;
    final ClLayer layer;
    final Sweep sweep;
    final LayerSpec spec;
    final Precision pr;
    final ClOps ops;
    /** Batch rows, input size I, hidden size H and gate rows G·H of the layer. */
    final int batch, in, hs, gateRows;

    CellSweep(OpenClBackend be, ClLayer layer, Sweep sweep) {
        this.be = be;
        this.layer = layer;
        this.sweep = sweep;
        this.spec = layer.spec();
        this.pr = layer.precision();
        this.ops = be.ops(pr);
        this.batch = sweep.batch();
        this.in = spec.inputSize();
        this.hs = spec.hiddenSize();
        this.gateRows = spec.gateRows();
    }

    /** A new plan of this sweep (lengths on the device, step count, temporaries). */
    final DeviceSweep plan() {
        return new DeviceSweep(be.ctx, pr, sweep);
    }

    /** The forward sweep, writing y's columns from {@code yCol}; with a reserve when {@code training}. */
    final SweepResult forward(ClTensor y, int yCol, boolean training) {
        try (DeviceSweep plan = plan()) {
            cl_mem xw = projectInput(plan, y, yCol);
            cl_mem h = stateSlots(plan, training, spec.outputSize(), sweep.h0());
            return steps(plan, xw, h, y, yCol, training);
        }
    }

    /**
     * The cell's steps of {@link #forward}: {@code xw} holds every step's input pre-activations and
     * {@code h} the h slots ({@link #stateSlots}); buffers handed to the reserve leave {@code plan}.
     */
    abstract SweepResult steps(DeviceSweep plan, cl_mem xw, cl_mem h, ClTensor y, int yCol, boolean training);

    /**
     * The backward sweep over the reserve {@code res}, from dy's columns {@code dyCol} and the final
     * state's gradients (null: zero; dcN for LSTM only); dx accumulates.
     */
    final Gradients backward(ClReserve res, ClTensor dy, int dyCol, ClTensor dhN, ClTensor dcN, ClTensor dx) {
        Gradients g = be.newGradients(pr, spec, batch);
        try (DeviceSweep plan = plan()) {
            steps(plan, res, dy, dyCol, dhN, dcN, dx, g);
            be.ctx.finish();
            return g;
        } catch (RuntimeException e) {
            g.close();
            throw e;
        }
    }

    /** The cell's steps of {@link #backward}, writing into the zeroed gradients {@code g}. */
    abstract void steps(DeviceSweep plan, ClReserve res, ClTensor dy, int dyCol, ClTensor dhN, ClTensor dcN, ClTensor dx,
                        Gradients g);

    /**
     * dh_prev += dA·W_hh, step after step of a backward sweep: dA holds B rows of G·H gate gradients
     * from each step's offset, of which the first {@code gates} columns meet h itself (all of them, or
     * r and z for a GRU whose n gate reads r⊙h). W_hh in column panels on the vector rung, else
     * through a GEMM bound once for the sweep ({@link ClOps#boundGemm}); close it after the loop.
     */
    final class RecurrentGradient implements AutoCloseable {
        private final cl_mem dA;
        private final int gates;
        private final ClOps.BoundGemm bound;

        RecurrentGradient(cl_mem dA, int gates, cl_mem dhPrev) {
            this.dA = dA;
            this.gates = gates;
            int out = spec.outputSize();
            this.bound = layer.wHhColumnPanels != null ? null
                    : ops.boundGemm(batch, out, gates, dA, 0, gateRows, 1, layer.wHh, 0, out, 1, dhPrev, 0, out, null, true);
        }

        /** dhPrev += dA[daOff ..]·W_hh for one step. */
        void add(int daOff, cl_mem dhPrev) {
            if (bound != null) {
                bound.run(daOff, dhPrev);
            } else {
                int out = spec.outputSize();
                ops.gemmPackedB(batch, out, gates, gateRows, dA, daOff, gateRows, 1, layer.wHhColumnPanels, dhPrev, 0, out, null, true);
            }
        }

        @Override
        public void close() {
            if (bound != null) bound.close();
        }
    }

    /**
     * The forward's input pre-activations of every step ({@link DeviceSweep#inputProjection}), after
     * zeroing y's rows past each row's length (they are never written by a step).
     */
    final cl_mem projectInput(DeviceSweep plan, ClTensor y, int yCol) {
        cl_mem xw = plan.inputProjection(ops, layer, sweep, y.dim(2));
        if (sweep.lengths() != null) ops.zeroPadding(plan.totalSteps, batch, spec.outputSize(), plan.lengths, y.mem, yCol, y.dim(2));
        return xw;
    }

    /**
     * The slots of one recurrent state of {@code width} per row (h or c): steps + 1 in training (the
     * reserve keeps every step's), else two that alternate (step k reads slot k % 2); slot 0 holds
     * {@code initial}, or zeros where it is null.
     */
    final cl_mem stateSlots(DeviceSweep plan, boolean training, int width, Tensor initial) {
        cl_mem m = plan.temp((long) (training ? plan.steps + 1 : 2) * batch * width);
        if (initial != null) be.ctx.copy(mem(initial), 0, m, 0, (long) batch * width, pr);
        return m;
    }

    /** A new [B, width] tensor holding the state after the last step, read from {@link #stateSlots}' slots. */
    final Tensor finalState(DeviceSweep plan, boolean training, cl_mem slots, int width) {
        int last = training ? plan.steps : plan.steps % 2;
        Tensor t = be.allocate(pr, batch, width);
        be.ctx.copy(slots, (long) last * batch * width, mem(t), 0, (long) batch * width, pr);
        return t;
    }

    /** dx[t(k,b), b, :] += dA[k, b, :]·W_ih, straight into dx when step order is time order. */
    final void addInputGradient(DeviceSweep plan, cl_mem dA, cl_mem dx) {
        int rows = plan.steps * plan.batch;
        cl_mem target = plan.timeOrdered ? dx : plan.temp((long) rows * in);
        if (layer.wIhColumnPanels != null) {
            ops.gemmPackedB(rows, in, gateRows, gateRows, dA, 0, gateRows, 1, layer.wIhColumnPanels, target, 0, in, null,
                    plan.timeOrdered);
        } else {
            ops.gemm(rows, in, gateRows, dA, 0, gateRows, 1, layer.wIh, 0, in, 1, target, 0, in, null, plan.timeOrdered);
        }
        if (!plan.timeOrdered) ops.scatterAdd(plan.steps, plan.batch, in, plan.reverse, plan.lengths, target, dx);
    }

    /** The device buffer of a tensor this backend allocated. */
    static cl_mem mem(Tensor t) {
        return ((ClTensor) t).mem;
    }
}
