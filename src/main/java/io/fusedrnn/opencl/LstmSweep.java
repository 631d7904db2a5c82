package io.fusedrnn.opencl;

import io.fusedrnn.Gradients;
import io.fusedrnn.Sweep;
import io.fusedrnn.SweepResult;
import io.fusedrnn.Tensor;
import org.jocl.cl_mem;

/**
 * LSTM (optionally projected) sweeps on the device: the input projection of all steps as one GEMM,
 * then one fused step kernel per step on the in-order queue (no host round trip between steps);
 * backward walks the steps back with the gate-gradient kernel plus a recurrent GEMM, then forms the
 * weight gradients as GEMMs over all T·B rows. Kernels: lstm.cl, lstm_backward.cl, gemm.cl, seq.cl.
 */
final class LstmSweep extends CellSweep {
    /** H_out (P with a projection, else H) and the projection size P (0: none). */
    private final int out, p;

    LstmSweep(OpenClBackend be, ClLayer layer, Sweep sweep) {
        super(be, layer, sweep);
        this.out = spec.outputSize();
        this.p = spec.projSize();
    }

    @Override
    SweepResult steps(DeviceSweep plan, cl_mem xw, cl_mem h, ClTensor y, int yCol, boolean training) {
        int steps = plan.steps, g4 = gateRows;
        cl_mem c = stateSlots(plan, training, hs, sweep.c0());
        cl_mem gates = training ? plan.temp((long) steps * batch * g4) : h;
        cl_mem m = p > 0 ? plan.temp((long) (training ? steps : 1) * batch * hs) : h;

        if (ops.oneGroupSweep(batch, hs, p > 0)) {
            ClOps.Step all = ops.sweep("lstm.cl", "lstm_sweep_vec", batch, hs);
            Launch l = all.args().i("B", batch).i("H", hs).i("steps", steps).flag("reverse", plan.reverse)
                    .mem("lengths", plan.lengths).mem("xw", xw);
            all.run(all.recurrentWeights(l, layer).mem("hs", h).mem("cs", c)
                    .mem("y", y.mem).i("yCol", yCol).i("yW", y.dim(2))
                    .flag("train", training).mem("gates", gates));
        }
        ClOps.Step step = ops.step("lstm.cl", "lstm_step", batch, hs, true);
        ClOps.Step project = p > 0 ? ops.projection(batch, p) : null;
        // bound once; each step sets only its own offsets (Launch#set)
        Launch l = step.recurrentWeights(step.args().i("B", batch).i("H", hs).i("OUT", out).i("stepIndex", 0).flag("reverse", plan.reverse)
                        .mem("lengths", plan.lengths).mem("xw", xw).i("xwOff", 0), layer)
                .mem("hs", h).i("hIn", 0).i("hOut", 0)
                .mem("cs", c).i("cIn", 0).i("cOut", 0)
                .flag("project", p > 0).mem("m", m).i("mOff", 0)
                .mem("y", y.mem).i("yCol", yCol).i("yW", y.dim(2))
                .flag("train", training).mem("gates", gates).i("gOff", 0);
        Launch pl = p == 0 ? null : project.args().i("B", batch).i("H", hs).i("P", p).i("stepIndex", 0).flag("reverse", plan.reverse)
                .mem("lengths", plan.lengths).mem("whrT", layer.wHrT).mem("m", m).i("mOff", 0)
                .mem("hs", h).i("hIn", 0).i("hOut", 0)
                .mem("y", y.mem).i("yCol", yCol).i("yW", y.dim(2));
        for (int k = ops.oneGroupSweep(batch, hs, p > 0) ? steps : 0; k < steps; k++) {
            int sIn = training ? k : k % 2, sOut = training ? k + 1 : (k + 1) % 2;
            int mOff = training ? k * batch * hs : 0;
            step.run(l.set("stepIndex", k).set("xwOff", k * batch * g4)
                    .set("hIn", sIn * batch * out).set("hOut", sOut * batch * out)
                    .set("cIn", sIn * batch * hs).set("cOut", sOut * batch * hs)
                    .set("mOff", mOff).set("gOff", k * batch * g4));
            if (p > 0) {
                project.run(pl.set("stepIndex", k).set("mOff", mOff).set("hIn", sIn * batch * out).set("hOut", sOut * batch * out));
            }
        }
        Tensor hN = finalState(plan, training, h, out);
        Tensor cN = finalState(plan, training, c, hs);
        ClReserve reserve = null;
        if (training) {
            reserve = new ClReserve(layer, plan, plan.keep(h), plan.keep(c), plan.keep(gates),
                    p > 0 ? plan.keep(m) : null, null, null);
        }
        return new SweepResult(hN, cN, reserve);
    }

    @Override
    void steps(DeviceSweep plan, ClReserve res, ClTensor dy, int dyCol, ClTensor dhN, ClTensor dcN, ClTensor dx, Gradients g) {
        int g4 = gateRows;
        int steps = plan.steps, rows = steps * batch;
        cl_mem dA = plan.temp((long) rows * g4);
        cl_mem dhCur = plan.temp((long) batch * out), dhNext = plan.temp((long) batch * out);
        cl_mem dc = plan.temp((long) batch * hs);
        cl_mem dhSave = p > 0 ? plan.temp((long) rows * p) : dA;
        if (dhN != null) be.ctx.copy(dhN.mem, 0, dhCur, 0, (long) batch * out, pr);
        if (dcN != null) be.ctx.copy(dcN.mem, 0, dc, 0, (long) batch * hs, pr);

        boolean oneGroup = ops.oneGroupSweep(batch, hs, p > 0);
        if (oneGroup) {
            ClOps.Step all = ops.sweep("lstm_backward.cl", "lstm_backward_sweep_vec", batch, hs);
            all.run(all.args().i("B", batch).i("H", hs).i("steps", steps).flag("reverse", plan.reverse)
                    .mem("lengths", plan.lengths).mem("dy", dy.mem).i("dyCol", dyCol).i("dyW", dy.dim(2))
                    .mem("dh0", dhCur).mem("dh1", dhNext).mem("dc", dc)
                    .mem("gates", res.gates).mem("cs", res.cs).mem("whh", layer.wHh).mem("dA", dA));
            if (steps % 2 == 1) {
                cl_mem t = dhCur;
                dhCur = dhNext;
                dhNext = t;
            }
        }
        Launch gate = ops.elementwise("lstm_backward.cl", "lstm_backward_step")
                .i("B", batch).i("H", hs).i("OUT", out).i("stepIndex", 0).flag("reverse", plan.reverse)
                .mem("lengths", plan.lengths).mem("dy", dy.mem).i("dyCol", dyCol).i("dyW", dy.dim(2))
                .mem("dhRec", dhCur).mem("dhNext", dhNext).mem("dc", dc)
                .mem("gates", res.gates).i("gOff", 0)
                .mem("cs", res.cs).i("cPrev", 0).i("cCur", 0)
                .flag("project", p > 0).mem("whr", p > 0 ? layer.wHr : dA)
                .mem("dhSave", dhSave).i("dhSaveOff", 0)
                .mem("dA", dA).i("daOff", 0);
        try (RecurrentGradient recurrent = new RecurrentGradient(dA, g4, dhNext)) {
            for (int k = oneGroup ? -1 : steps - 1; k >= 0; k--) {
                // dhRec and dhNext swap every step: rebound with the offsets (Launch#set for the ints)
                gate.setMem("dhRec", dhCur).setMem("dhNext", dhNext)
                        .set("stepIndex", k).set("gOff", k * batch * g4).set("cPrev", k * batch * hs).set("cCur", (k + 1) * batch * hs)
                        .set("dhSaveOff", k * batch * p).set("daOff", k * batch * g4)
                        .run2(hs, batch, 16, 1);
                recurrent.add(k * batch * g4, dhNext);
                cl_mem t = dhCur;
                dhCur = dhNext;
                dhNext = t;
            }
        }
        be.ctx.copy(dhCur, 0, mem(g.dh0()), 0, (long) batch * out, pr);
        be.ctx.copy(dc, 0, mem(g.dc0()), 0, (long) batch * hs, pr);

        cl_mem xk = plan.stepOrderedX(ops, mem(sweep.x()), in);
        // dW_ih = dAᵀ·x and dW_hh = dAᵀ·h_prev over all steps·B rows, one GEMM each
        ops.gemm(g4, in, rows, dA, 0, 1, g4, xk, 0, in, 1, mem(g.dWih()), 0, in, null, false);
        ops.gemm(g4, out, rows, dA, 0, 1, g4, res.hs, 0, out, 1, mem(g.dWhh()), 0, out, null, false);
        ops.columnSums(rows, g4, dA, 0, mem(g.dBih()));
        be.ctx.copy(mem(g.dBih()), 0, mem(g.dBhh()), 0, g4, pr);
        if (p > 0) ops.gemm(p, hs, rows, dhSave, 0, 1, p, res.m, 0, hs, 1, mem(g.dWhr()), 0, hs, null, false);
        addInputGradient(plan, dA, dx.mem);
    }
}
