package io.fusedrnn.vector;

/**
 * LSTM (optionally projected) on the worker pool; formulas and gate order as in DESIGN/{@code Cell}.
 * Forward step: h·W_hhᵀ for the worker's units of all four gates, then the fused cell on them
 * (one barrier; a second one around the projection h = W_hr m, whose columns are split instead).
 */
final class LstmRecurrence<A> extends Recurrence<A> {

    LstmRecurrence(VecLayer<A> l, Schedule s, WorkerPool pool, A x) {
        super(l, s, pool, x);
    }

    @Override
    void forwardJob(int w) {
        inputProjection();
        pool.barrier(w);
        int pu0 = panel(hs, w), pu1 = panel(hs, w + 1), u0 = column(hs, w), u1 = column(hs, w + 1), nu = u1 - u0;
        int pj0 = proj > 0 ? panel(proj, w) : 0, pj1 = proj > 0 ? panel(proj, w + 1) : 0;
        int j0 = proj > 0 ? column(proj, w) : 0, j1 = proj > 0 ? column(proj, w + 1) : 0, nj = j1 - j0;
        A gates = res == null ? null : res.gates, cIn = res == null ? null : res.cIn, cOut = res == null ? null : res.cOut;
        A hCur = ws.h0, hNext = ws.h1;
        for (int kk = 0; kk < s.maxLen; kk++) {
            if (nu > 0) {
                for (int g = 0; g < 4; g++) {
                    k.gemm(hCur, 0, out, 1, batch, out, l.whhT, g * l.gateStride, hs, pu0, pu1, ws.hp, g * hs, gh, false, null);
                }
            }
            for (int b = 0; b < batch; b++) {
                if (!s.active(kk, b)) {
                    if (proj == 0) System.arraycopy(hCur, b * hs + u0, hNext, b * hs + u0, nu);
                    continue;
                }
                int r = s.row(kk, b);
                k.lstmForward(hs, u0, u1, ws.xp, r * gh, ws.hp, b * gh, ws.c, b * hs, proj > 0 ? ws.m : hNext, b * hs,
                        gates, cIn, cOut, res == null ? -1 : r);
                if (proj == 0) {
                    System.arraycopy(hNext, b * hs + u0, y, r * yWidth + yCol + u0, nu);
                    if (res != null) System.arraycopy(hCur, b * hs + u0, res.hIn, r * hs + u0, nu);
                } else if (res != null) {
                    System.arraycopy(ws.m, b * hs + u0, res.m, r * hs + u0, nu);
                }
            }
            pool.barrier(w);
            if (proj > 0) {
                k.gemm(ws.m, 0, hs, 1, batch, hs, l.whrT, 0, proj, pj0, pj1, hNext, 0, proj, false, null);
                for (int b = 0; b < batch; b++) {
                    if (!s.active(kk, b)) {
                        System.arraycopy(hCur, b * proj + j0, hNext, b * proj + j0, nj);
                        continue;
                    }
                    int r = s.row(kk, b);
                    System.arraycopy(hNext, b * proj + j0, y, r * yWidth + yCol + j0, nj);
                    if (res != null) System.arraycopy(hCur, b * proj + j0, res.hIn, r * proj + j0, nj);
                }
                pool.barrier(w);
            }
            A t = hCur;
            hCur = hNext;
            hNext = t;
        }
    }

    @Override
    void backwardJob(int w) {
        int pu0 = panel(hs, w), pu1 = panel(hs, w + 1), u0 = column(hs, w), u1 = column(hs, w + 1);
        int po0 = panel(out, w), po1 = panel(out, w + 1), j0 = column(out, w), j1 = column(out, w + 1);
        for (int kk = s.maxLen - 1; kk >= 0; kk--) {
            A dm = bk.dh;
            if (proj > 0) {
                // dm = dh · W_hr for this worker's units; dh is whole after the last barrier
                if (u1 > u0) k.gemm(bk.dh, 0, proj, 1, batch, proj, l.whr, 0, hs, pu0, pu1, bk.dm, 0, hs, false, null);
                dm = bk.dm;
            }
            for (int b = 0; b < batch; b++) {
                if (!s.active(kk, b)) continue;
                int r = s.row(kk, b);
                k.lstmBackward(hs, u0, u1, dm, b * hs, res.gates, res.cIn, res.cOut, r, bk.dc, b * hs,
                        bk.dAx, r * gh, bk.dAs, b * gh);
            }
            pool.barrier(w);
            if (j1 > j0) k.gemm(bk.dAs, 0, gh, 1, batch, gh, l.whh, 0, out, po0, po1, bk.dhNew, 0, out, false, null);
            carry(kk, j0, j1, null);
            pool.barrier(w);
        }
        weightGradients(w);
    }

    @Override
    void recurrentWeightGradient(int p0, int p1) {
        k.gemm(bk.dAxT, 0, rows, 1, gh, rows, bk.hPk, 0, out, p0, p1, dWhh, 0, out, false, null);
    }
}
