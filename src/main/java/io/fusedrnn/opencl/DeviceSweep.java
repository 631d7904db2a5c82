package io.fusedrnn.opencl;

import io.fusedrnn.Precision;
import io.fusedrnn.Sweep;
import org.jocl.cl_mem;

import java.util.ArrayList;
import java.util.List;

/**
 * One sweep on the device: its lengths buffer, how many steps any row is active ({@code steps}: steps
 * past the longest row change nothing and are skipped), x in step order, and the temporary buffers
 * the sweep allocates (released together unless handed to a reserve).
 *
 * <p>Step k of row b reads time {@link Sweep#timeOf} (kernels: {@code time_of} in preamble.cl); x is
 * gathered into that order once so the projection GEMM and the step kernels index by k alone.
 * Forward sweeps over full rows need no gather: step order is time order.
 */
final class DeviceSweep implements AutoCloseable {
    final ClContext ctx;
    final Precision precision;
    final int steps, batch, totalSteps;
    final boolean reverse;
    final cl_mem lengths;
    final boolean timeOrdered;
    private final List<cl_mem> temps = new ArrayList<>();

    DeviceSweep(ClContext ctx, Precision precision, Sweep sweep) {
        this.ctx = ctx;
        this.precision = precision;
        this.totalSteps = sweep.steps();
        this.batch = sweep.batch();
        this.reverse = sweep.reverse();
        int[] len = new int[batch];
        int max = 0;
        boolean full = true;
        for (int b = 0; b < batch; b++) {
            len[b] = sweep.length(b);
            max = Math.max(max, len[b]);
            full &= len[b] == totalSteps;
        }
        this.steps = max;
        this.timeOrdered = full && !reverse;
        this.lengths = ctx.allocateInts(len);
        temps.add(lengths);
    }

    /**
     * Kernels index buffers with 32-bit ints (OpenCL C 1.2 int arithmetic is what every device runs
     * fast); a sweep whose largest buffer would not fit is refused up front, not wrapped around.
     */
    static void checkIndexable(String what, long elements) {
        if (elements > Integer.MAX_VALUE) {
            throw new io.fusedrnn.FusedRnnException(what + ": expected at most " + Integer.MAX_VALUE
                    + " elements for the OpenCL backend's 32-bit indexing, found " + elements + "; split the batch or the sequence");
        }
    }

    /** A zero-filled temporary of {@code count} elements, released with this plan. */
    cl_mem temp(long count) {
        cl_mem m = ctx.allocate(precision, count);
        temps.add(m);
        return m;
    }

    /** Stops tracking {@code m}: its new owner (a reserve) releases it. */
    cl_mem keep(cl_mem m) {
        temps.remove(m);
        return m;
    }

    /** x [T, B, I] in step order, first {@code steps}·B rows. */
    cl_mem stepOrderedX(ClOps ops, cl_mem x, int inputSize) {
        if (timeOrdered) return x;
        cl_mem xk = temp((long) steps * batch * inputSize);
        ops.gather(steps, batch, inputSize, reverse, lengths, x, xk);
        return xk;
    }

    /**
     * The input pre-activations of every step at once, W_ih·x + biases as [steps·B, G·H] in step order
     * (one GEMM, docs/DESIGN.md, Performance model), after refusing sizes past 32-bit indexing. Also returns x in
     * step order is gathered once (see {@link #stepOrderedX}).
     */
    cl_mem inputProjection(ClOps ops, ClLayer layer, Sweep sweep, int yWidth) {
        int in = layer.spec().inputSize(), rows = layer.spec().gateRows();
        checkIndexable("T·B·" + layer.spec().cell().gates() + "H (gate pre-activations of all steps)", (long) totalSteps * batch * rows);
        checkIndexable("T·B·I (x)", (long) totalSteps * batch * in);
        checkIndexable("T·B·W (y)", (long) totalSteps * batch * yWidth);
        cl_mem xk = stepOrderedX(ops, ((ClTensor) sweep.x()).mem, in);
        cl_mem xw = temp((long) steps * batch * rows);
        if (layer.wIhPanels != null) {
            ops.gemmPackedB(steps * batch, rows, in, xk, 0, in, 1, layer.wIhPanels, xw, rows, layer.inputBias);
        } else {
            ops.gemm(steps * batch, rows, in, xk, 0, in, 1, layer.wIhT, 0, rows, 1, xw, 0, rows, layer.inputBias, false);
        }
        return xw;
    }

    @Override
    public void close() {
        for (cl_mem m : temps) ctx.release(m);
        temps.clear();
    }
}
