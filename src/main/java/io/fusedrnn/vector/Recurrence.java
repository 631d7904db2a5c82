package io.fusedrnn.vector;

import java.util.concurrent.atomic.AtomicInteger;

import static io.fusedrnn.vector.Schedule.split;

/**
 * One sweep of one layer-direction on the worker pool: what LSTM and GRU share. The sweep is one
 * pool job: input projection of all steps (one GEMM, panels split over workers), then the recurrent
 * steps, where each worker owns a slice of hidden units of every gate (whole panels of W_hhᵀ, which
 * stay in that core's cache for all T steps) and the workers meet at a barrier per phase. Backward
 * ends with the weight gradients as GEMMs over all T·B rows. The big GEMMs are handed out in chunks
 * of panels that workers claim as they go, so a worker slowed by other load on the machine delays
 * the others by one chunk, not by half the work.
 */
abstract class Recurrence<A> {
    final VecLayer<A> l;
    final Kernels<A> k;
    final Workspace<A> ws;
    final Schedule s;
    final WorkerPool pool;
    final int workers, batch, rows, in, hs, out, proj, gh, nr;
    final A x;
    /** Next unclaimed chunk of the current chunked region (reset before each pool job). */
    private final AtomicInteger next = new AtomicInteger();

    // forward operands
    A y;
    int yWidth, yCol;
    VecReserve.Store<A> res;

    // backward operands
    Workspace.Back<A> bk;
    A dy, dx, dWih, dWhh, dBih, dBhh, dWhr;
    int dyWidth, dyCol;

    Recurrence(VecLayer<A> l, Schedule s, WorkerPool pool, A x) {
        this.l = l;
        this.k = l.k;
        this.s = s;
        this.pool = pool;
        this.x = x;
        this.ws = l.workspace(s.steps, s.batch);
        workers = pool.size();
        batch = s.batch;
        rows = s.steps * s.batch;
        in = l.in;
        hs = l.hs;
        out = l.out;
        proj = l.proj;
        gh = l.gh;
        nr = k.panelWidth();
    }

    /** Runs the forward; h and c start from h0/c0 (null for zeros) and end in hN/cN. */
    final void forward(A h0, A c0, A y, int yWidth, int yCol, VecReserve.Store<A> res, A hN, A cN) {
        this.y = y;
        this.yWidth = yWidth;
        this.yCol = yCol;
        this.res = res;
        start(h0, ws.h0, batch * out);
        start(c0, ws.c, batch * hs);
        s.zeroPadding(k, y, yWidth, yCol, out);
        if (res != null) {
            // rows a sweep never visits still enter the weight-gradient GEMMs (times a zero gradient)
            s.zeroPadding(k, res.hIn, out, 0, out);
            if (res.m != null) s.zeroPadding(k, res.m, hs, 0, hs);
            if (res.rh != null) s.zeroPadding(k, res.rh, hs, 0, hs);
        }
        next.set(0);
        pool.run(this::forwardJob);
        System.arraycopy(s.maxLen % 2 == 0 ? ws.h0 : ws.h1, 0, hN, 0, batch * out);
        if (cN != null) System.arraycopy(ws.c, 0, cN, 0, batch * hs);
    }

    /** Runs the backward from dh_n/dc_n (null for zeros); leaves dL/dh0 and dL/dc0 in bk.dh and bk.dc. */
    final void backward(VecReserve.Store<A> res, A dy, int dyWidth, int dyCol, A dhN, A dcN, A dx,
                        A dWih, A dWhh, A dBih, A dBhh, A dWhr) {
        this.res = res;
        this.dy = dy;
        this.dyWidth = dyWidth;
        this.dyCol = dyCol;
        this.dx = dx;
        this.dWih = dWih;
        this.dWhh = dWhh;
        this.dBih = dBih;
        this.dBhh = dBhh;
        this.dWhr = dWhr;
        bk = ws.back();
        start(dhN, bk.dh, batch * out);
        start(dcN, bk.dc, batch * hs);
        s.zeroPadding(k, bk.dAx, gh, 0, gh);
        if (bk.dAh != bk.dAx) s.zeroPadding(k, bk.dAh, gh, 0, gh);
        if (bk.dhs != null) s.zeroPadding(k, bk.dhs, proj, 0, proj);
        for (int b = 0; b < batch; b++) if (s.active(s.maxLen - 1, b)) addDy(s.maxLen - 1, b, 0, out);
        next.set(0);
        pool.run(this::backwardJob);
    }

    abstract void forwardJob(int w);

    abstract void backwardJob(int w);

    private void start(A from, A to, int n) {
        if (from == null) k.zero(to, 0, n);
        else System.arraycopy(from, 0, to, 0, n);
    }

    /** The input projection x·W_ihᵀ + bias for all T·B rows, in claimed chunks of panels. */
    final void inputProjection() {
        int np = k.panels(gh), g = group(np);
        for (int c; (c = next.getAndIncrement()) * g < np; ) {
            k.gemm(x, 0, in, 1, rows, in, l.wihT, 0, gh, c * g, Math.min(np, c * g + g), ws.xp, 0, gh, false, l.biasX);
        }
    }

    /** Panels per chunk: about three chunks per worker. */
    private int group(int panels) {
        return Math.max(1, (panels + 3 * workers - 1) / (3 * workers));
    }

    /** First panel of worker w over n columns. */
    final int panel(int n, int w) {
        return split(k.panels(n), w, workers);
    }

    /** First column of worker w over n columns (whole panels, so slices never share a panel). */
    final int column(int n, int w) {
        return Math.min(n, panel(n, w) * nr);
    }

    /** Adds dy of row b's step kk into dh columns j0..j1 (and keeps it per row for dW_hr). */
    final void addDy(int kk, int b, int j0, int j1) {
        int r = s.row(kk, b);
        k.add(dy, r * dyWidth + dyCol + j0, bk.dh, b * out + j0, j1 - j0);
        if (bk.dhs != null) System.arraycopy(bk.dh, b * out + j0, bk.dhs, r * proj + j0, j1 - j0);
    }

    /** Moves the GEMM's dh_prev into dh for rows that stepped at kk, then adds dy of step kk-1. */
    final void carry(int kk, int j0, int j1, A extra) {
        for (int b = 0; b < batch; b++) {
            if (s.active(kk, b)) {
                System.arraycopy(bk.dhNew, b * out + j0, bk.dh, b * out + j0, j1 - j0);
                if (extra != null) k.add(extra, b * out + j0, bk.dh, b * out + j0, j1 - j0);
            }
            if (s.active(kk - 1, b)) addDy(kk - 1, b, j0, j1);
        }
    }

    /**
     * dW_ih, dx, the h-side weight gradients, dW_hr and the biases. The pre-activation gradients are
     * transposed first (rows split over workers), then every GEMM's panels are claimed in chunks.
     */
    final void weightGradients(int w) {
        k.transpose(bk.dAx, rows, gh, split(gh, w, workers), split(gh, w + 1, workers), bk.dAxT);
        if (bk.dAhT != bk.dAxT) k.transpose(bk.dAh, rows, gh, split(gh, w, workers), split(gh, w + 1, workers), bk.dAhT);
        pool.barrier(w);
        int nx = k.panels(in), gx = group(nx), cx = (nx + gx - 1) / gx;
        int nh = k.panels(out), gq = group(nh), ch = (nh + gq - 1) / gq;
        int nm = proj > 0 ? k.panels(hs) : 0, gm = group(Math.max(1, nm)), cm = (nm + gm - 1) / gm;
        int cb = 2 * workers;
        for (int c; (c = next.getAndIncrement()) < cx + ch + cm + cb; ) {
            if (c < cx) {
                int p0 = c * gx, p1 = Math.min(nx, p0 + gx);
                k.pack(x, 0, in, 1, rows, in, bk.xPk, p0, p1);
                k.gemm(bk.dAxT, 0, rows, 1, gh, rows, bk.xPk, 0, in, p0, p1, dWih, 0, in, false, null);
                k.gemm(bk.dAx, 0, gh, 1, rows, gh, l.wih, 0, in, p0, p1, dx, 0, in, true, null);
            } else if ((c -= cx) < ch) {
                int p0 = c * gq, p1 = Math.min(nh, p0 + gq);
                k.pack(res.hIn, 0, out, 1, rows, out, bk.hPk, p0, p1);
                recurrentWeightGradient(p0, p1);
            } else if ((c -= ch) < cm) {
                int p0 = c * gm, p1 = Math.min(nm, p0 + gm);
                k.pack(res.m, 0, hs, 1, rows, hs, bk.mPk, p0, p1);
                k.gemm(bk.dhs, 0, 1, proj, proj, rows, bk.mPk, 0, hs, p0, p1, dWhr, 0, hs, false, null);
            } else {
                c -= cm;
                int j0 = split(gh, c, cb), j1 = split(gh, c + 1, cb);
                k.columnSums(bk.dAx, 0, gh, rows, j0, j1, dBih, 0);
                k.columnSums(bk.dAh, 0, gh, rows, j0, j1, dBhh, 0);
            }
        }
    }

    /** dW_hh over output panels p0..p1 from the packed h_in (bk.hPk). */
    abstract void recurrentWeightGradient(int p0, int p1);
}
