package io.fusedrnn.vector;

import static io.fusedrnn.Cell.N;
import static io.fusedrnn.Cell.R;

/**
 * GRU in both variants on the worker pool; formulas and gate order as in DESIGN/{@code Cell}.
 * Linear-before-reset needs one barrier per step. Reset-before needs r ⊙ h of every unit before
 * W_hn can be applied, so its step has two phases (and its backward three).
 */
final class GruRecurrence<A> extends Recurrence<A> {

    GruRecurrence(VecLayer<A> l, Schedule s, WorkerPool pool, A x) {
        super(l, s, pool, x);
    }

    @Override
    void forwardJob(int w) {
        inputProjection();
        pool.barrier(w);
        int pu0 = panel(hs, w), pu1 = panel(hs, w + 1), u0 = column(hs, w), u1 = column(hs, w + 1), nu = u1 - u0;
        boolean lbr = l.lbr;
        A hCur = ws.h0, hNext = ws.h1;
        for (int kk = 0; kk < s.maxLen; kk++) {
            if (nu > 0) {
                for (int g = 0; g < (lbr ? 3 : 2); g++) {
                    k.gemm(hCur, 0, hs, 1, batch, hs, l.whhT, g * l.gateStride, hs, pu0, pu1, ws.hp, g * hs, gh, false, null);
                }
            }
            if (!lbr) {
                for (int b = 0; b < batch; b++) {
                    if (s.active(kk, b)) {
                        k.gruResetGates(hs, u0, u1, ws.xp, s.row(kk, b) * gh, ws.hp, b * gh, hCur, b * hs,
                                ws.gs, b * gh, ws.rh, b * hs);
                    }
                }
                pool.barrier(w);
                if (nu > 0) k.gemm(ws.rh, 0, hs, 1, batch, hs, l.whhT, N * l.gateStride, hs, pu0, pu1, ws.hp, N * hs, gh, false, null);
            }
            for (int b = 0; b < batch; b++) {
                if (!s.active(kk, b)) {
                    System.arraycopy(hCur, b * hs + u0, hNext, b * hs + u0, nu);
                    continue;
                }
                int r = s.row(kk, b);
                if (lbr) {
                    k.gruForward(hs, u0, u1, ws.xp, r * gh, ws.hp, b * gh, l.bhn, hCur, b * hs, hNext, b * hs,
                            res == null ? null : res.gates, res == null ? null : res.hn, res == null ? -1 : r);
                } else {
                    k.gruResetOutput(hs, u0, u1, ws.xp, r * gh, ws.hp, b * gh, ws.gs, b * gh, hCur, b * hs, hNext, b * hs);
                    if (res != null) {
                        for (int g = 0; g < 3; g++) {
                            System.arraycopy(ws.gs, b * gh + g * hs + u0, res.gates, r * gh + g * hs + u0, nu);
                        }
                        System.arraycopy(ws.rh, b * hs + u0, res.rh, r * hs + u0, nu);
                    }
                }
                System.arraycopy(hNext, b * hs + u0, y, r * yWidth + yCol + u0, nu);
                if (res != null) System.arraycopy(hCur, b * hs + u0, res.hIn, r * hs + u0, nu);
            }
            pool.barrier(w);
            A t = hCur;
            hCur = hNext;
            hNext = t;
        }
    }

    @Override
    void backwardJob(int w) {
        int pu0 = panel(hs, w), pu1 = panel(hs, w + 1), u0 = column(hs, w), u1 = column(hs, w + 1);
        boolean lbr = l.lbr;
        for (int kk = s.maxLen - 1; kk >= 0; kk--) {
            for (int b = 0; b < batch; b++) {
                if (!s.active(kk, b)) continue;
                int r = s.row(kk, b);
                k.gruBackward(lbr, hs, u0, u1, bk.dh, b * hs, res.gates, res.hn, res.hIn, r, bk.dAx, bk.dAh, r * gh,
                        bk.dAs, b * gh, bk.dhz, b * hs);
            }
            pool.barrier(w);
            if (lbr) {
                if (u1 > u0) k.gemm(bk.dAs, 0, gh, 1, batch, gh, l.whh, 0, hs, pu0, pu1, bk.dhNew, 0, hs, false, null);
                carry(kk, u0, u1, bk.dhz);
            } else {
                // dL/d(r ⊙ h) = dA_n · W_hn, then the r block, then the r and z rows' share of dh_prev
                if (u1 > u0) k.gemm(bk.dAs, N * hs, gh, 1, batch, hs, l.whhN, 0, hs, pu0, pu1, bk.drh, 0, hs, false, null);
                for (int b = 0; b < batch; b++) {
                    if (!s.active(kk, b)) continue;
                    int r = s.row(kk, b);
                    k.gruResetBackward(hs, u0, u1, bk.drh, b * hs, res.gates, res.hIn, r, bk.dAx, bk.dAh, r * gh,
                            bk.dAs, b * gh, bk.dhz, b * hs, bk.dhp, b * hs);
                }
                pool.barrier(w);
                if (u1 > u0) k.gemm(bk.dAs, R * hs, gh, 1, batch, 2 * hs, l.whhRZ, 0, hs, pu0, pu1, bk.dhNew, 0, hs, false, null);
                carry(kk, u0, u1, bk.dhp);
            }
            pool.barrier(w);
        }
        weightGradients(w);
    }

    @Override
    void recurrentWeightGradient(int p0, int p1) {
        if (l.lbr) {
            k.gemm(bk.dAhT, 0, rows, 1, gh, rows, bk.hPk, 0, hs, p0, p1, dWhh, 0, hs, false, null);
            return;
        }
        // reset-before: rows r, z saw h; rows n saw r ⊙ h
        k.gemm(bk.dAhT, 0, rows, 1, 2 * hs, rows, bk.hPk, 0, hs, p0, p1, dWhh, 0, hs, false, null);
        k.pack(res.rh, 0, hs, 1, rows, hs, bk.mPk, p0, p1);
        k.gemm(bk.dAhT, N * hs * rows, rows, 1, hs, rows, bk.mPk, 0, hs, p0, p1, dWhh, N * hs * hs, hs, false, null);
    }
}
