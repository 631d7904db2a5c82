package io.fusedrnn.opencl;

import io.fusedrnn.Gradients;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.Precision;
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
final class LstmSweep {
    private LstmSweep() {
    }

    static SweepResult forward(OpenClBackend be, ClLayer layer, Sweep sweep, ClTensor y, int yCol, boolean training) {
        LayerSpec s = layer.spec();
        Precision pr = layer.precision();
        ClOps ops = be.ops(pr);
        int batch = sweep.batch(), in = s.inputSize(), hs = s.hiddenSize(), out = s.outputSize(), p = s.projSize();
        int g4 = 4 * hs;
        try (DeviceSweep plan = new DeviceSweep(be.ctx, pr, sweep)) {
            int steps = plan.steps;
            cl_mem xw = plan.inputProjection(ops, layer, sweep, y.dim(2));
            if (sweep.lengths() != null) ops.zeroPadding(plan.totalSteps, batch, out, plan.lengths, y.mem, yCol, y.dim(2));

            int slots = training ? steps + 1 : 2;
            cl_mem h = plan.temp((long) slots * batch * out);
            cl_mem c = plan.temp((long) slots * batch * hs);
            if (sweep.h0() != null) be.ctx.copy(((ClTensor) sweep.h0()).mem, 0, h, 0, (long) batch * out, pr);
            if (sweep.c0() != null) be.ctx.copy(((ClTensor) sweep.c0()).mem, 0, c, 0, (long) batch * hs, pr);
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
            for (int k = ops.oneGroupSweep(batch, hs, p > 0) ? steps : 0; k < steps; k++) {
                int sIn = training ? k : k % 2, sOut = training ? k + 1 : (k + 1) % 2;
                int mOff = training ? k * batch * hs : 0;
                Launch l = step.args().i("B", batch).i("H", hs).i("OUT", out).i("stepIndex", k).flag("reverse", plan.reverse)
                        .mem("lengths", plan.lengths).mem("xw", xw).i("xwOff", k * batch * g4);
                step.run(step.recurrentWeights(l, layer)
                        .mem("hs", h).i("hIn", sIn * batch * out).i("hOut", sOut * batch * out)
                        .mem("cs", c).i("cIn", sIn * batch * hs).i("cOut", sOut * batch * hs)
                        .flag("project", p > 0).mem("m", m).i("mOff", mOff)
                        .mem("y", y.mem).i("yCol", yCol).i("yW", y.dim(2))
                        .flag("train", training).mem("gates", gates).i("gOff", k * batch * g4));
                if (p > 0) {
                    project.run(project.args().i("B", batch).i("H", hs).i("P", p).i("stepIndex", k).flag("reverse", plan.reverse)
                            .mem("lengths", plan.lengths).mem("whrT", layer.wHrT).mem("m", m).i("mOff", mOff)
                            .mem("hs", h).i("hIn", sIn * batch * out).i("hOut", sOut * batch * out)
                            .mem("y", y.mem).i("yCol", yCol).i("yW", y.dim(2)));
                }
            }
            int last = training ? steps : steps % 2;
            Tensor hN = be.allocate(pr, batch, out);
            Tensor cN = be.allocate(pr, batch, hs);
            be.ctx.copy(h, (long) last * batch * out, ((ClTensor) hN).mem, 0, (long) batch * out, pr);
            be.ctx.copy(c, (long) last * batch * hs, ((ClTensor) cN).mem, 0, (long) batch * hs, pr);
            ClReserve reserve = null;
            if (training) {
                reserve = new ClReserve(layer, plan, plan.keep(h), plan.keep(c), plan.keep(gates),
                        p > 0 ? plan.keep(m) : null, null, null);
            }
            return new SweepResult(hN, cN, reserve);
        }
    }

    static Gradients backward(OpenClBackend be, ClLayer layer, Sweep sweep, ClReserve res, ClTensor dy, int dyCol,
                              ClTensor dhN, ClTensor dcN, ClTensor dx) {
        LayerSpec s = layer.spec();
        Precision pr = layer.precision();
        ClOps ops = be.ops(pr);
        int batch = sweep.batch(), in = s.inputSize(), hs = s.hiddenSize(), out = s.outputSize(), p = s.projSize();
        int g4 = 4 * hs;
        Gradients g = null;
        try (DeviceSweep plan = new DeviceSweep(be.ctx, pr, sweep)) {
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
            Launch gate = ops.elementwise("lstm_backward.cl", "lstm_backward_step");
            for (int k = oneGroup ? -1 : steps - 1; k >= 0; k--) {
                gate.fresh().i("B", batch).i("H", hs).i("OUT", out).i("stepIndex", k).flag("reverse", plan.reverse)
                        .mem("lengths", plan.lengths).mem("dy", dy.mem).i("dyCol", dyCol).i("dyW", dy.dim(2))
                        .mem("dhRec", dhCur).mem("dhNext", dhNext).mem("dc", dc)
                        .mem("gates", res.gates).i("gOff", k * batch * g4)
                        .mem("cs", res.cs).i("cPrev", k * batch * hs).i("cCur", (k + 1) * batch * hs)
                        .flag("project", p > 0).mem("whr", p > 0 ? layer.wHr : dA)
                        .mem("dhSave", dhSave).i("dhSaveOff", k * batch * p)
                        .mem("dA", dA).i("daOff", k * batch * g4)
                        .run2(hs, batch, 16, 1);
                // dh_prev += dA·W_hh
                if (layer.wHhColumnPanels != null) {
                    ops.gemmPackedB(batch, out, g4, g4, dA, k * batch * g4, g4, 1, layer.wHhColumnPanels, dhNext, 0, out, null, true);
                } else {
                    ops.gemm(batch, out, g4, dA, k * batch * g4, g4, 1, layer.wHh, 0, out, 1, dhNext, 0, out, null, true);
                }
                cl_mem t = dhCur;
                dhCur = dhNext;
                dhNext = t;
            }
            g = be.newGradients(pr, s, batch);
            be.ctx.copy(dhCur, 0, ((ClTensor) g.dh0()).mem, 0, (long) batch * out, pr);
            be.ctx.copy(dc, 0, ((ClTensor) g.dc0()).mem, 0, (long) batch * hs, pr);

            cl_mem xk = plan.stepOrderedX(ops, ((ClTensor) sweep.x()).mem, in);
            // dW_ih = dAᵀ·x and dW_hh = dAᵀ·h_prev over all steps·B rows, one GEMM each
            ops.gemm(g4, in, rows, dA, 0, 1, g4, xk, 0, in, 1, mem(g.dWih()), 0, in, null, false);
            ops.gemm(g4, out, rows, dA, 0, 1, g4, res.hs, 0, out, 1, mem(g.dWhh()), 0, out, null, false);
            ops.columnSums(rows, g4, dA, 0, mem(g.dBih()));
            be.ctx.copy(mem(g.dBih()), 0, mem(g.dBhh()), 0, g4, pr);
            if (p > 0) ops.gemm(p, hs, rows, dhSave, 0, 1, p, res.m, 0, hs, 1, mem(g.dWhr()), 0, hs, null, false);
            addInputGradient(ops, plan, dA, g4, layer, in, dx.mem);
            be.ctx.finish();
            return g;
        } catch (RuntimeException e) {
            if (g != null) g.close();
            throw e;
        }
    }

    /** dx[t(k,b), b, :] += dA[k, b, :]·W_ih, straight into dx when step order is time order. */
    static void addInputGradient(ClOps ops, DeviceSweep plan, cl_mem dA, int gateRows, ClLayer layer, int in, cl_mem dx) {
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

    static cl_mem mem(Tensor t) {
        return ((ClTensor) t).mem;
    }
}
