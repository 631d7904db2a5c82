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

    GruRecurrence(VecLayer<A> layer, StepTimes times, WorkerPool pool, A input) {
        super(layer, times, pool, input);
    }

    @Override
    void makeStepPhases(boolean backward) {
        first = phase(units);
        second = backward || !layer.lbr ? phase(units) : null;
        third = backward && !layer.lbr ? phase(units) : null;
    }

    @Override
    void forwardStep(int w, int kk, A hCur, A hNext) {
        if (layer.lbr) {
            first.run(w, kk, c -> linearBeforeReset(c, kk, hCur, hNext));
        } else {
            first.run(w, kk, c -> resetGates(c, kk, hCur));
            second.run(w, kk, c -> resetOutput(c, kk, hCur, hNext));
        }
    }

    /** One gate's recurrent pre-activations for the units of chunk c, for the rows still running. */
    private void recurrentGemm(int c, int live, A h, int gate) {
        math.gemm(h, 0, hs, 1, live, hs, layer.whhT, gate * layer.gateStride, hs, units.p0(c), units.p1(c), ws.hp, gate * hs, gh, false, null);
    }

    private void linearBeforeReset(int c, int kk, A hCur, A hNext) {
        int u0 = units.j0(c), u1 = units.j1(c), nu = u1 - u0, live = times.live(kk);
        for (int g = 0; g < 3; g++) recurrentGemm(c, live, hCur, g);
        for (int b = 0; b < live; b++) { // b: the slot
            int r = times.slotRow(kk, b);
            math.gruForward(hs, u0, u1, ws.xp, xpRow(kk, b) * gh, ws.hp, b * gh, layer.bhn, hCur, b * hs, hNext, b * hs);
            if (res != null) {
                for (int g = 0; g < 3; g++) System.arraycopy(ws.xp, r * gh + g * hs + u0, res.gates, r * gh + g * hs + u0, nu);
                System.arraycopy(ws.hp, b * gh + N * hs + u0, res.hn, r * hs + u0, nu);
            }
            store(b, r, u0, nu, hCur, hNext);
        }
    }

    /** Reset-before, first phase: r and z, and r ⊙ h for the second phase's W_hn. */
    private void resetGates(int c, int kk, A hCur) {
        int u0 = units.j0(c), u1 = units.j1(c), live = times.live(kk);
        for (int g = 0; g < 2; g++) recurrentGemm(c, live, hCur, g);
        for (int b = 0; b < live; b++) { // b: the slot
            math.gruResetGates(hs, u0, u1, ws.xp, xpRow(kk, b) * gh, ws.hp, b * gh, hCur, b * hs, ws.gs, b * gh, ws.rh, b * hs);
        }
    }

    private void resetOutput(int c, int kk, A hCur, A hNext) {
        int u0 = units.j0(c), u1 = units.j1(c), nu = u1 - u0, live = times.live(kk);
        recurrentGemm(c, live, ws.rh, N);
        for (int b = 0; b < live; b++) { // b: the slot
            int r = times.slotRow(kk, b);
            math.gruResetOutput(hs, u0, u1, ws.xp, xpRow(kk, b) * gh, ws.hp, b * gh, ws.gs, b * gh, hCur, b * hs, hNext, b * hs);
            if (res != null) {
                for (int g = 0; g < 3; g++) System.arraycopy(ws.gs, b * gh + g * hs + u0, res.gates, r * gh + g * hs + u0, nu);
                System.arraycopy(ws.rh, b * hs + u0, res.rh, r * hs + u0, nu);
            }
            store(b, r, u0, nu, hCur, hNext);
        }
    }

    /** Writes h' to y and keeps the step's input state in the reserve. */
    private void store(int b, int r, int u0, int nu, A hCur, A hNext) {
        System.arraycopy(hNext, b * hs + u0, y, r * yWidth + yCol + u0, nu);
        if (res != null) System.arraycopy(hCur, b * hs + u0, res.hIn, r * hs + u0, nu);
    }

    @Override
    void backwardJob(int w) {
        boolean lbr = layer.lbr;
        for (int kk = times.maxLen - 1, n = 0; kk >= 0; kk--, n++) {
            int step = kk;
            first.run(w, n, c -> {
                int u0 = units.j0(c), u1 = units.j1(c), live = times.live(step);
                for (int b = 0; b < live; b++) { // b: the slot
                    int r = times.slotRow(step, b);
                    math.gruBackward(lbr, hs, u0, u1, bk.dh, b * hs, res.gates, res.hn, res.hIn, r, bk.dAx, bk.dAh, r * gh,
                            bk.dAs, b * gh, bk.dhz, b * hs);
                }
            });
            if (lbr) {
                second.run(w, n, c -> {
                    math.gemm(bk.dAs, 0, gh, 1, times.live(step), gh, layer.whh, 0, hs, units.p0(c), units.p1(c), bk.dhNew, 0, hs, false, null);
                    carry(step, units.j0(c), units.j1(c), bk.dhz);
                });
            } else {
                // dL/d(r ⊙ h) = dA_n · W_hn, then the r block, then the r and z rows' share of dh_prev
                second.run(w, n, c -> {
                    int u0 = units.j0(c), u1 = units.j1(c), live = times.live(step);
                    math.gemm(bk.dAs, N * hs, gh, 1, live, hs, layer.whhN, 0, hs, units.p0(c), units.p1(c), bk.drh, 0, hs, false, null);
                    for (int b = 0; b < live; b++) { // b: the slot
                        int r = times.slotRow(step, b);
                        math.gruResetBackward(hs, u0, u1, bk.drh, b * hs, res.gates, res.hIn, r, bk.dAx, bk.dAh, r * gh,
                                bk.dAs, b * gh, bk.dhz, b * hs, bk.dhp, b * hs);
                    }
                });
                third.run(w, n, c -> {
                    math.gemm(bk.dAs, R * hs, gh, 1, times.live(step), 2 * hs, layer.whhRZ, 0, hs, units.p0(c), units.p1(c), bk.dhNew, 0, hs, false, null);
                    carry(step, units.j0(c), units.j1(c), bk.dhp);
                });
            }
        }
        weightGradients(w);
    }

    @Override
    void recurrentWeightGradient(int p0, int p1) {
        if (layer.lbr) {
            math.gemm(bk.dAhT, 0, rows, 1, gh, rows, bk.hPk, 0, hs, p0, p1, dWhh, 0, hs, false, null);
            return;
        }
        // reset-before: rows r, z saw h; rows n saw r ⊙ h
        math.gemm(bk.dAhT, 0, rows, 1, 2 * hs, rows, bk.hPk, 0, hs, p0, p1, dWhh, 0, hs, false, null);
        math.pack(res.rh, 0, hs, 1, rows, hs, bk.mPk, p0, p1);
        math.gemm(bk.dAhT, N * hs * rows, rows, 1, hs, rows, bk.mPk, 0, hs, p0, p1, dWhh, N * hs * hs, hs, false, null);
    }
}
