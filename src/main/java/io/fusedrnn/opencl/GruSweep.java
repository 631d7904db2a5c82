package io.fusedrnn.opencl;

import io.fusedrnn.Gradients;
import io.fusedrnn.Sweep;
import io.fusedrnn.SweepResult;
import io.fusedrnn.Tensor;
import org.jocl.cl_mem;

/**
 * GRU sweeps on the device, both variants: the input projection of all steps as one GEMM, then per
 * step one fused kernel (linear-before-reset) or two (reset-before-linear: r⊙h must be complete
 * before W_hn reads it). Backward: gate gradients per step plus recurrent GEMMs, then weight
 * gradients as GEMMs over all T·B rows. Kernels: gru.cl, gru_backward.cl, gemm.cl, seq.cl.
 */
final class GruSweep extends CellSweep {
    private final boolean lbr;

    GruSweep(OpenClBackend be, ClLayer layer, Sweep sweep) {
        super(be, layer, sweep);
        this.lbr = spec.linearBeforeReset();
    }

    @Override
    SweepResult steps(DeviceSweep plan, cl_mem xw, cl_mem h, ClTensor y, int yCol, boolean training) {
        int steps = plan.steps, g3 = gateRows;
        // reset-before-linear needs r, z and r⊙h between its two kernels even when not training
        int perStep = training ? steps : 1;
        cl_mem gates = training || !lbr ? plan.temp((long) perStep * batch * g3) : h;
        cl_mem hn = training ? plan.temp((long) steps * batch * hs) : h;
        cl_mem rh = lbr ? h : plan.temp((long) perStep * batch * hs);

        ClOps.Step fused = lbr ? ops.step("gru.cl", "gru_step", batch, hs, true) : null;
        ClOps.Step rz = lbr ? null : ops.step("gru.cl", "gru_rz", batch, hs, true);
        ClOps.Step n = lbr ? null : ops.step("gru.cl", "gru_n", batch, hs, true);
        boolean oneGroup = lbr && ops.oneGroupSweep(batch, hs, false);
        if (oneGroup) {
            ClOps.Step all = ops.sweep("gru.cl", "gru_sweep_vec", batch, hs);
            Launch l = all.args().i("B", batch).i("H", hs).i("steps", steps).flag("reverse", plan.reverse)
                    .mem("lengths", plan.lengths).mem("xw", xw);
            all.run(all.recurrentWeights(l, layer).mem("bhh", layer.bHh).mem("hs", h)
                    .mem("y", y.mem).i("yCol", yCol).i("yW", y.dim(2))
                    .flag("train", training).mem("gates", gates).mem("hnSave", hn));
        }
        // bound once; each step sets only its own offsets (Launch#set)
        Launch lf = null, la = null, lb = null;
        if (lbr) {
            lf = fused.recurrentWeights(fused.args().i("B", batch).i("H", hs).i("stepIndex", 0).flag("reverse", plan.reverse)
                            .mem("lengths", plan.lengths).mem("xw", xw).i("xwOff", 0), layer).mem("bhh", layer.bHh)
                    .mem("hs", h).i("hIn", 0).i("hOut", 0)
                    .mem("y", y.mem).i("yCol", yCol).i("yW", y.dim(2))
                    .flag("train", training).mem("gates", gates).i("gOff", 0).mem("hnSave", hn).i("hnOff", 0);
        } else {
            la = rz.recurrentWeights(rz.args().i("B", batch).i("H", hs).i("stepIndex", 0)
                            .mem("lengths", plan.lengths).mem("xw", xw).i("xwOff", 0), layer).mem("bhh", layer.bHh)
                    .mem("hs", h).i("hIn", 0)
                    .mem("gates", gates).i("gOff", 0).mem("rh", rh).i("rhOff", 0);
            lb = n.recurrentWeights(n.args().i("B", batch).i("H", hs).i("stepIndex", 0).flag("reverse", plan.reverse)
                            .mem("lengths", plan.lengths).mem("xw", xw).i("xwOff", 0), layer).mem("bhh", layer.bHh)
                    .mem("hs", h).i("hIn", 0).i("hOut", 0)
                    .mem("rh", rh).i("rhOff", 0)
                    .mem("y", y.mem).i("yCol", yCol).i("yW", y.dim(2))
                    .flag("train", training).mem("gates", gates).i("gOff", 0).mem("hnSave", hn).i("hnOff", 0);
        }
        for (int k = oneGroup ? steps : 0; k < steps; k++) {
            int hIn = (training ? k : k % 2) * batch * hs, hOut = (training ? k + 1 : (k + 1) % 2) * batch * hs;
            int gOff = training ? k * batch * g3 : 0, sOff = training ? k * batch * hs : 0;
            int xwOff = k * batch * g3;
            if (lbr) {
                fused.run(lf.set("stepIndex", k).set("xwOff", xwOff).set("hIn", hIn).set("hOut", hOut)
                        .set("gOff", gOff).set("hnOff", sOff));
            } else {
                rz.run(la.set("stepIndex", k).set("xwOff", xwOff).set("hIn", hIn).set("gOff", gOff).set("rhOff", sOff));
                n.run(lb.set("stepIndex", k).set("xwOff", xwOff).set("hIn", hIn).set("hOut", hOut).set("rhOff", sOff)
                        .set("gOff", gOff).set("hnOff", sOff));
            }
        }
        Tensor hN = finalState(plan, training, h, hs);
        ClReserve reserve = null;
        if (training) {
            reserve = new ClReserve(layer, plan, plan.keep(h), null, plan.keep(gates), null, plan.keep(hn),
                    lbr ? null : plan.keep(rh));
        }
        return new SweepResult(hN, null, reserve);
    }

    @Override
    void steps(DeviceSweep plan, ClReserve res, ClTensor dy, int dyCol, ClTensor dhN, ClTensor dcN, ClTensor dx, Gradients g) {
        int g3 = gateRows;
        // the gates whose recurrent input is h itself: all three, or r and z when n reads r⊙h
        int direct = lbr ? g3 : 2 * hs;
        int steps = plan.steps, rows = steps * batch;
        cl_mem dAx = plan.temp((long) rows * g3), dAh = plan.temp((long) rows * g3);
        cl_mem dhCur = plan.temp((long) batch * hs), dhNext = plan.temp((long) batch * hs);
        cl_mem drh = lbr ? dhCur : plan.temp((long) batch * hs);
        if (dhN != null) be.ctx.copy(dhN.mem, 0, dhCur, 0, (long) batch * hs, pr);

        boolean oneGroup = lbr && ops.oneGroupSweep(batch, hs, false);
        if (oneGroup) {
            ClOps.Step all = ops.sweep("gru_backward.cl", "gru_backward_sweep_vec", batch, hs);
            all.run(all.args().i("B", batch).i("H", hs).i("steps", steps).flag("reverse", plan.reverse)
                    .mem("lengths", plan.lengths).mem("dy", dy.mem).i("dyCol", dyCol).i("dyW", dy.dim(2))
                    .mem("dh0", dhCur).mem("dh1", dhNext)
                    .mem("gates", res.gates).mem("hs", res.hs).mem("hnSave", res.hn).mem("whh", layer.wHh)
                    .mem("dAx", dAx).mem("dAh", dAh));
            if (steps % 2 == 1) {
                cl_mem t = dhCur;
                dhCur = dhNext;
                dhNext = t;
            }
        }
        Launch gate = ops.elementwise("gru_backward.cl", "gru_backward_step")
                .i("B", batch).i("H", hs).i("stepIndex", 0).flag("reverse", plan.reverse)
                .mem("lengths", plan.lengths).mem("dy", dy.mem).i("dyCol", dyCol).i("dyW", dy.dim(2))
                .mem("dhRec", dhCur).mem("dhNext", dhNext)
                .mem("gates", res.gates).i("gOff", 0)
                .mem("hs", res.hs).i("hIn", 0)
                .mem("hnSave", res.hn).i("hnOff", 0).flag("linearBeforeReset", lbr)
                .mem("dAx", dAx).mem("dAh", dAh).i("daOff", 0);
        Launch reset = lbr ? null : ops.elementwise("gru_backward.cl", "gru_backward_reset")
                .i("B", batch).i("H", hs).i("stepIndex", 0).mem("lengths", plan.lengths)
                .mem("drh", drh).mem("gates", res.gates).i("gOff", 0)
                .mem("hs", res.hs).i("hIn", 0)
                .mem("dAx", dAx).mem("dAh", dAh).i("daOff", 0).mem("dhNext", dhNext);
        // drh = dA_h[n]·W_hn (reset-before only), W_hn being rows 2H.. of W_hh
        try (RecurrentGradient recurrent = new RecurrentGradient(dAh, direct, dhNext);
             ClOps.BoundGemm drhGemm = lbr ? null : ops.boundGemm(batch, hs, hs, dAh, 2 * hs, g3, 1, layer.wHh, 2 * hs * hs, hs, 1,
                     drh, 0, hs, null, false)) {
            for (int k = oneGroup ? -1 : steps - 1; k >= 0; k--) {
                int daOff = k * batch * g3, hIn = k * batch * hs;
                // dhRec and dhNext swap every step: rebound with the offsets (Launch#set for the ints)
                gate.setMem("dhRec", dhCur).setMem("dhNext", dhNext)
                        .set("stepIndex", k).set("gOff", daOff).set("hIn", hIn).set("hnOff", hIn).set("daOff", daOff)
                        .run2(hs, batch, 16, 1);
                if (!lbr) {
                    drhGemm.run(daOff + 2 * hs, drh);
                    reset.setMem("dhNext", dhNext).set("stepIndex", k).set("gOff", daOff).set("hIn", hIn).set("daOff", daOff)
                            .run2(hs, batch, 16, 1);
                }
                recurrent.add(daOff, dhNext);
                cl_mem t = dhCur;
                dhCur = dhNext;
                dhNext = t;
            }
        }
        be.ctx.copy(dhCur, 0, mem(g.dh0()), 0, (long) batch * hs, pr);

        cl_mem xk = plan.stepOrderedX(ops, mem(sweep.x()), in);
        ops.gemm(g3, in, rows, dAx, 0, 1, g3, xk, 0, in, 1, mem(g.dWih()), 0, in, null, false);
        cl_mem dWhh = mem(g.dWhh());
        ops.gemm(direct, hs, rows, dAh, 0, 1, g3, res.hs, 0, hs, 1, dWhh, 0, hs, null, false);
        if (!lbr) ops.gemm(hs, hs, rows, dAh, 2 * hs, 1, g3, res.rh, 0, hs, 1, dWhh, 2 * hs * hs, hs, null, false);
        ops.columnSums(rows, g3, dAx, 0, mem(g.dBih()));
        ops.columnSums(rows, g3, dAh, 0, mem(g.dBhh()));
        addInputGradient(plan, dAx, dx.mem);
    }
}
