package io.fusedrnn.vector;

import static io.fusedrnn.Cell.N;
import static io.fusedrnn.Cell.R;

/**
 * GRU in both variants on the worker pool; formulas and gate order as in docs/DESIGN.md, Semantics ({@code Cell}).
 * Linear-before-reset is one phase per step over chunks of units. Reset-before needs r ⊙ h of every
 * unit before W_hn can be applied, so its step has two phases (and its backward three).
 */
final class GruRecurrence<A> extends Recurrence<A> {
    private Phase first, second, third;

    GruRecurrence(VecLayer<A> layer, StepTimes times, WorkerPool pool, Split split, boolean stepProjection, A input) {
        super(layer, times, pool, split, stepProjection, input);
    }

    @Override
    void makeStepPhases(boolean backward) {
        first = phase(units);
        second = backward || !layer.lbr ? phase(units) : null;
        third = backward && !layer.lbr ? phase(units) : null;
    }

    @Override
    void forwardStep(int w, int kk, A hCur, A hNext) {
        int live = times.live(kk);
        A ht = hTiles(w, kk, hCur), xt = xTiles(w, kk); // split by rows: the worker's rows, copied once per step
        if (layer.lbr) {
            step(first, w, kk, live, (c, b0, st, n) -> linearBeforeReset(c, kk, hCur, hNext, b0, st, n, ht, xt));
        } else {
            // split by rows, a worker's own rows have r ⊙ h of every unit before its second phase reads them
            step(first, w, kk, live, (c, b0, st, n) -> resetGates(c, kk, hCur, b0, st, n, ht, xt));
            step(second, w, kk, live, (c, b0, st, n) -> resetOutput(c, kk, hCur, hNext, b0, st, n, xt));
        }
    }

    /**
     * One gate's recurrent pre-activations for the units of chunk c, for the slots b0, b0 + st, ... (n of
     * them), after the step's input projection of those units when the sweep projects its steps.
     */
    private void recurrentGemm(int kk, int c, A h, int gate, int b0, int st, int n, A hTiles, A xTiles) {
        if (projectSteps) projectStep(kk, gate, c, b0, st, n, xTiles);
        math.gemm(hTiles, h, b0 * hs, st * hs, n, hs, layer.whhT, gate * layer.gateStride, hs, units.p0(c), units.p1(c), ws.hp,
                b0 * gh + gate * hs, st * gh, false, null);
    }

    private void linearBeforeReset(int c, int kk, A hCur, A hNext, int b0, int st, int n, A hTiles, A xTiles) {
        int u0 = units.j0(c), u1 = units.j1(c), nu = u1 - u0;
        A xp = inputPreactivations();
        for (int g = 0; g < 3; g++) recurrentGemm(kk, c, hCur, g, b0, st, n, hTiles, xTiles);
        for (int b = b0, end = b0 + n * st; b < end; b += st) { // b: the slot
            int r = times.slotRow(kk, b);
            math.gruForward(hs, u0, u1, xp, xpRow(kk, b) * gh, ws.hp, b * gh, layer.bhn, hCur, b * hs, hNext, b * hs);
            if (res != null) System.arraycopy(ws.hp, b * gh + N * hs + u0, res.hn, r * hs + u0, nu);
            store(b, r, u0, nu, hCur, hNext);
        }
        tileUnits(kk, hNext, u0, u1, n);
    }

    /** Reset-before, first phase: r and z, and r ⊙ h for the second phase's W_hn. */
    private void resetGates(int c, int kk, A hCur, int b0, int st, int n, A hTiles, A xTiles) {
        int u0 = units.j0(c), u1 = units.j1(c);
        A xp = inputPreactivations();
        for (int g = 0; g < 2; g++) recurrentGemm(kk, c, hCur, g, b0, st, n, hTiles, xTiles);
        for (int b = b0, end = b0 + n * st; b < end; b += st) { // b: the slot
            math.gruResetGates(hs, u0, u1, xp, xpRow(kk, b) * gh, ws.hp, b * gh, hCur, b * hs, ws.rh, b * hs);
        }
    }

    private void resetOutput(int c, int kk, A hCur, A hNext, int b0, int st, int n, A xTiles) {
        int u0 = units.j0(c), u1 = units.j1(c), nu = u1 - u0;
        A xp = inputPreactivations();
        recurrentGemm(kk, c, ws.rh, N, b0, st, n, null, xTiles); // r ⊙ h is new in this step: read in place
        for (int b = b0, end = b0 + n * st; b < end; b += st) { // b: the slot
            int r = times.slotRow(kk, b);
            math.gruResetOutput(hs, u0, u1, xp, xpRow(kk, b) * gh, ws.hp, b * gh, hCur, b * hs, hNext, b * hs);
            if (res != null) System.arraycopy(ws.rh, b * hs + u0, res.rh, r * hs + u0, nu);
            store(b, r, u0, nu, hCur, hNext);
        }
        tileUnits(kk, hNext, u0, u1, n);
    }

    /** Writes h' to y and keeps the step's input state in the reserve. */
    private void store(int b, int r, int u0, int nu, A hCur, A hNext) {
        System.arraycopy(hNext, b * hs + u0, y, r * yWidth + yCol + u0, real(u0, nu, outU));
        if (res != null) System.arraycopy(hCur, b * hs + u0, res.hIn, r * hs + u0, nu);
    }

    @Override
    void backwardJob(int w) {
        boolean lbr = layer.lbr;
        for (int kk = times.maxLen - 1, n = 0; kk >= 0; kk--, n++) {
            int step = kk, live = times.live(kk);
            step(first, w, n, live, (c, b0, st, m) -> {
                int u0 = units.j0(c), u1 = units.j1(c);
                for (int b = b0, end = b0 + m * st; b < end; b += st) { // b: the slot
                    int r = times.slotRow(step, b);
                    math.gruBackward(lbr, hs, u0, u1, bk.dh, b * hs, res.gates, res.hn, res.hIn, r, bk.dAx, bk.dAh, r * gh,
                            r * hs, bk.dAs, b * gh, bk.dhz, b * hs);
                }
            });
            if (lbr) {
                step(second, w, n, live, (c, b0, st, m) -> {
                    math.gemm(bk.dAs, b0 * gh, st * gh, 1, m, gh, layer.whh, 0, hs, units.p0(c), units.p1(c), bk.dhNew, b0 * hs, st * hs, false, null);
                    carry(step, units.j0(c), units.j1(c), bk.dhz, b0, st);
                });
            } else {
                // dL/d(r ⊙ h) = dA_n · W_hn, then the r block, then the r and z rows' share of dh_prev
                step(second, w, n, live, (c, b0, st, m) -> {
                    int u0 = units.j0(c), u1 = units.j1(c);
                    math.gemm(bk.dAs, b0 * gh + N * hs, st * gh, 1, m, hs, layer.whhN, 0, hs, units.p0(c), units.p1(c), bk.drh, b0 * hs, st * hs, false, null);
                    for (int b = b0, end = b0 + m * st; b < end; b += st) { // b: the slot
                        int r = times.slotRow(step, b);
                        math.gruResetBackward(hs, u0, u1, bk.drh, b * hs, res.gates, res.hIn, r, bk.dAx, r * gh,
                                bk.dAs, b * gh, bk.dhz, b * hs, bk.dhp, b * hs);
                    }
                });
                step(third, w, n, live, (c, b0, st, m) -> {
                    math.gemm(bk.dAs, b0 * gh + R * hs, st * gh, 1, m, 2 * hs, layer.whhRZ, 0, hs, units.p0(c), units.p1(c), bk.dhNew, b0 * hs, st * hs, false, null);
                    carry(step, units.j0(c), units.j1(c), bk.dhp, b0, st);
                });
            }
        }
        meet(w);
        weightGradients(w);
    }

    @Override
    void recurrentWeightGradient(int p0, int p1) {
        // rows r, z: the same gradients as the input side's (Workspace.Back#dAh)
        math.gemm(bk.dAxT, 0, rows, 1, 2 * hs, rows, bk.hPk, 0, hs, p0, p1, dWhh, 0, hs, false, null);
        if (layer.lbr) {
            math.gemm(bk.dAhT, 0, rows, 1, hs, rows, bk.hPk, 0, hs, p0, p1, dWhh, N * hs * hs, hs, false, null);
            return;
        }
        // reset-before: rows n saw r ⊙ h
        math.pack(res.rh, 0, hs, 1, rows, hs, bk.mPk, p0, p1);
        math.gemm(bk.dAxT, N * hs * rows, rows, 1, hs, rows, bk.mPk, 0, hs, p0, p1, dWhh, N * hs * hs, hs, false, null);
    }
}
