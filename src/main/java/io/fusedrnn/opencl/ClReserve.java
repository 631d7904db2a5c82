package io.fusedrnn.opencl;

import io.fusedrnn.Reserve;
import org.jocl.cl_mem;

/**
 * What a training forward left on the device for backward, all in step order (k, not time t):
 * the h and c sequences (slot 0 = initial state, slot k+1 = after step k), gate activations per step,
 * and per cell: m = o⊙tanh(c) for LSTMP, hn = W_hn h + b_hn and r⊙h for GRU. Absent ones are null.
 */
final class ClReserve extends Reserve {
    final ClContext ctx;
    final cl_mem hs, cs, gates, m, hn, rh;

    ClReserve(ClLayer layer, DeviceSweep plan, cl_mem hs, cl_mem cs, cl_mem gates,
              cl_mem m, cl_mem hn, cl_mem rh) {
        super(layer, plan.totalSteps, plan.batch);
        this.ctx = layer.ctx;
        this.hs = hs;
        this.cs = cs;
        this.gates = gates;
        this.m = m;
        this.hn = hn;
        this.rh = rh;
    }

    @Override
    protected void release() {
        for (cl_mem b : new cl_mem[] {hs, cs, gates, m, hn, rh}) ctx.release(b);
    }
}
