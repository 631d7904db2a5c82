package io.fusedrnn.vector;

/**
 * LSTM (optionally projected) on the worker pool; formulas and gate order as in docs/DESIGN.md, Semantics ({@code Cell}).
 * Forward step: one phase over chunks of units, each h·W_hhᵀ for those units of all four gates (one
 * GEMM call: W_hhᵀ is packed by units, see {@link VecLayer#whhT}) and then the fused cell on them; with projection a second phase computes h = W_hr m by chunks of h's
 * columns. Backward step: dA by chunks of units, then dh_prev = dA·W_hh by chunks of h's columns.
 */
final class LstmRecurrence<A> extends Recurrence<A> {
    private Phase first, second;

    LstmRecurrence(VecLayer<A> layer, StepTimes times, WorkerPool pool, Split split, boolean stepProjection, A input) {
        super(layer, times, pool, split, stepProjection, input);
    }

    @Override
    void makeStepPhases(boolean backward) {
        first = phase(units);
        second = backward || proj > 0 ? phase(outs) : null;
    }

    @Override
    void forwardStep(int w, int kk, A hCur, A hNext) {
        int live = times.live(kk);
        A ht = hTiles(w, kk, hCur), xt = xTiles(w, kk); // split by rows: the worker's rows, copied once per step
        step(first, w, kk, live, (c, b0, st, n) -> cells(c, kk, hCur, hNext, b0, st, n, ht, xt));
        if (proj > 0) step(second, w, kk, live, (c, b0, st, n) -> project(c, kk, hCur, hNext, b0, st, n));
    }

    /**
     * Units of chunk c at step kk for the slots b0, b0 + st, ... (n of them): recurrent GEMM for the
     * four gates (one run of panels), then the cell for each of those rows. hTiles, xTiles: those rows
     * of h and x_t as micro-panels, or null ({@link #hTiles}).
     */
    private void cells(int c, int kk, A hCur, A hNext, int b0, int st, int n, A hTiles, A xTiles) {
        int p0 = units.p0(c), p1 = units.p1(c), u0 = units.j0(c), u1 = units.j1(c), nu = u1 - u0, hw = layer.hpWidth;
        if (projectSteps) for (int g = 0; g < 4; g++) projectStep(kk, g, c, b0, st, n, xTiles);
        math.gemm(hTiles, hCur, b0 * out, st * out, n, out, layer.whhT, 0, hw, 4 * p0, 4 * p1, ws.hp, b0 * hw, st * hw, false, null);
        A xp = inputPreactivations();
        for (int b = b0, end = b0 + n * st; b < end; b += st) { // b: the slot
            int r = times.slotRow(kk, b), xr = xpRow(kk, b);
            if (res != null) System.arraycopy(ws.c, b * hs + u0, res.cIn, r * hs + u0, nu);
            activations(xp, xr * gh, b * hw, p0, p1);
            math.lstmCell(hs, u0, u1, xp, xr * gh, ws.c, b * hs, proj > 0 ? ws.m : hNext, b * hs);
            if (res != null) System.arraycopy(ws.c, b * hs + u0, res.cOut, r * hs + u0, nu);
            if (proj == 0) {
                System.arraycopy(hNext, b * hs + u0, y, r * yWidth + yCol + u0, real(u0, nu, outU));
                if (res != null) System.arraycopy(hCur, b * hs + u0, res.hIn, r * hs + u0, nu);
            } else if (res != null) {
                System.arraycopy(ws.m, b * hs + u0, res.m, r * hs + u0, nu);
            }
        }
        tileUnits(kk, hNext, u0, u1, n);
    }

    /**
     * The gates' activations of one row for unit panels p0..p1, in place in xp (gate-major, as the
     * input projection wrote it): xp + hp, where hp holds each panel's four gates side by side.
     */
    private void activations(A xp, int xo, int hpo, int p0, int p1) {
        int u0 = p0 * nr;
        math.lstmGates(hs, u0, Math.min(hs, p1 * nr), xp, xo, ws.hp, hpo + 4 * u0, nr, nr, 4 * nr);
    }

    /** Columns of chunk c of h = W_hr m at step kk, for the slots b0, b0 + st, ... (n of them). */
    private void project(int c, int kk, A hCur, A hNext, int b0, int st, int n) {
        int j0 = outs.j0(c), nj = outs.j1(c) - j0;
        math.gemm(ws.m, b0 * hs, st * hs, 1, n, hs, layer.whrT, 0, proj, outs.p0(c), outs.p1(c), hNext, b0 * proj, st * proj, false, null);
        for (int b = b0, end = b0 + n * st; b < end; b += st) { // b: the slot
            int r = times.slotRow(kk, b);
            System.arraycopy(hNext, b * proj + j0, y, r * yWidth + yCol + j0, nj);
            if (res != null) System.arraycopy(hCur, b * proj + j0, res.hIn, r * proj + j0, nj);
        }
    }

    @Override
    void backwardJob(int w) {
        // equal lengths: slot b of a step is dA_x's row slotRow(step, 0) + b, read in place (else dAs)
        boolean inPlace = !times.ragged();
        A dA = inPlace ? bk.dAx : bk.dAs;
        for (int kk = times.maxLen - 1, n = 0; kk >= 0; kk--, n++) {
            int step = kk, live = times.live(kk), dA0 = inPlace ? times.slotRow(step, 0) * gh : 0;
            step(first, w, n, live, (c, b0, st, m) -> gateGradients(c, step, b0, st, m));
            step(second, w, n, live, (c, b0, st, m) -> {
                int j0 = outs.j0(c), j1 = outs.j1(c);
                math.gemm(dA, dA0 + b0 * gh, st * gh, 1, m, gh, layer.whh, 0, out, outs.p0(c), outs.p1(c), bk.dhNew, b0 * out, st * out, false, null);
                carry(step, j0, j1, null, b0, st);
            });
        }
        meet(w);
        weightGradients(w);
    }

    /** dA for the units of chunk c at step kk, slots b0, b0 + st, ... (n of them); dm = dh · W_hr first, with projection. */
    private void gateGradients(int c, int kk, int b0, int st, int n) {
        int u0 = units.j0(c), u1 = units.j1(c);
        A dm = bk.dh;
        boolean ragged = times.ragged(); // else the step's GEMM reads dA_x in place (backwardJob)
        if (proj > 0) {
            math.gemm(bk.dh, b0 * proj, st * proj, 1, n, proj, layer.whr, 0, hs, units.p0(c), units.p1(c), bk.dm, b0 * hs, st * hs, false, null);
            dm = bk.dm;
        }
        for (int b = b0, end = b0 + n * st; b < end; b += st) { // b: the slot
            int r = times.slotRow(kk, b);
            math.lstmBackward(hs, u0, u1, dm, b * hs, res.gates, res.cIn, res.cOut, r, bk.dc, b * hs, bk.dAx, r * gh);
            if (ragged) {
                for (int g = 0; g < 4; g++) System.arraycopy(bk.dAx, r * gh + g * hs + u0, bk.dAs, b * gh + g * hs + u0, u1 - u0);
            }
        }
    }

    @Override
    void recurrentWeightGradient(int p0, int p1) {
        math.gemm(bk.dAxT, 0, rows, 1, gh, rows, bk.hPk, 0, out, p0, p1, dWhh, 0, out, false, null);
    }
}
