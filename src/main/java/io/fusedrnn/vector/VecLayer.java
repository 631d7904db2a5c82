package io.fusedrnn.vector;

import io.fusedrnn.Backend;
import io.fusedrnn.Cell;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.Precision;
import io.fusedrnn.PreparedLayer;

/**
 * One layer-direction's weights packed once into the panels the GEMMs stream, plus a workspace sized
 * for the largest (T·B, B) it has run, so sweeps of any shape up to that allocate nothing but their outputs.
 *
 * <p>Inside, the hidden units are padded to whole vectors ({@link #hs} &ge; {@link #userHs}, a multiple
 * of the vector length): each gate's block of G·H gets zero weight rows and biases for the extra units,
 * and W_hh (and W_hr) zero columns for them, so the cells never run a masked tail. A padded unit's
 * state stays exactly 0 (σ(0)·tanh(0) = 0; GRU's n = tanh(0) = 0) and adds only exact zeros to the
 * real units' sums, at the end of each gate's terms: the real units' bits are those of the unpadded
 * layout. A row's non-finite input makes its padded units NaN too (0·∞), which reach only that row, as
 * documented (README, NaN and infinity). The user's tensors (x, y, states, gradients) keep the real
 * sizes; {@link Recurrence} copies between the two. Before, the cells ran a masked tail where H is not
 * a multiple of the vector length, which took C2 past its inlining budget and boxed their vectors:
 * measured on Zen 5 (one JVM alternating), the padded layout runs LSTM B64 T50 H200 in 0.79 of the time
 * and GRU H100 in 0.75 (benchmarks/RESULTS.md, Round 17).
 */
final class VecLayer<A> extends PreparedLayer {
    final VecMath<A> math;
    /** Sizes as the packed weights and every internal array use them: hs and gh padded, out too unless projected. */
    final int in, hs, out, proj, gates, gh;
    /** The layer's own hidden and output sizes (the user's tensors). */
    final int userHs, userOut;
    final boolean lbr;
    /** W_ihᵀ packed [I, G·H]: the input projection of all steps. */
    final A wihT;
    /** Bias folded into the input projection: b_ih + b_hh except GRU's b_hn when linear-before-reset. */
    final A biasX;
    /** b_hn (GRU linear-before-reset: it sits inside r ⊙ (W_hn h + b_hn)), else null. */
    final A bhn;
    /**
     * W_hhᵀ [H_out, G·H] in panels. GRU: per gate, each packed [H_out, H] at g·gateStride. LSTM: by
     * units, each panel of units followed by the same units of the next gate (panel p of gate g is
     * panel p·G + g), so a worker's units of all four gates are one run of panels: one GEMM call per
     * step, read as one stream (measured 23% faster at B = 1 than four calls on gate-major panels).
     */
    final A whhT;
    final int gateStride;
    /** Width of a row of the recurrent pre-activations hp: G·H, or G whole panels per panel of units (LSTM). */
    final int hpWidth;
    /** W_hrᵀ packed [H, P] (projection forward), else null. */
    final A whrT;
    /** Backward: W_ih packed [G·H, I] (dx), W_hh packed [G·H, H_out] (dh), W_hr packed [P, H] (dm). */
    final A wih, whh, whr;
    /** GRU reset-before backward: rows r, z of W_hh packed [2H, H] and rows n packed [H, H]. */
    final A whhRZ, whhN;

    private Workspace<A> work;
    private VecReserve.Store<A> spare;

    VecLayer(Backend backend, LayerWeights w, Precision precision, VecMath<A> k) {
        super(backend, w.spec(), precision);
        LayerSpec s = w.spec();
        this.math = k;
        in = s.inputSize();
        userHs = s.hiddenSize();
        userOut = s.outputSize();
        proj = s.projSize();
        gates = s.cell().gates();
        int lanes = k.panelWidth() / 2;
        hs = (userHs + lanes - 1) / lanes * lanes;
        out = proj > 0 ? proj : hs;
        gh = gates * hs;
        lbr = s.cell() == Cell.GRU && s.linearBeforeReset();
        // the weights with the padded units' zero rows (and columns of W_hh, W_hr)
        double[] wIhP = padRows(w.wIh(), in, in), wHhP = padRows(w.wHh(), userOut, out);
        double[] bIhP = padRows(w.bIh(), 1, 1), bHhP = padRows(w.bHh(), 1, 1);
        A wIh = k.fromDoubles(wIhP, 0, gh * in), wHh = k.fromDoubles(wHhP, 0, gh * out);

        wihT = k.alloc(k.packedSize(in, gh));
        k.pack(wIh, 0, 1, in, in, gh, wihT, 0, k.panels(gh));
        double[] bias = new double[gh];
        for (int r = 0; r < gh; r++) bias[r] = bIhP[r] + (lbr && r >= Cell.N * hs ? 0 : bHhP[r]);
        biasX = k.fromDoubles(bias, 0, gh);
        bhn = lbr ? k.fromDoubles(bHhP, Cell.N * hs, hs) : null;

        gateStride = k.packedSize(out, hs);
        whhT = k.alloc(gates * gateStride);
        A one = k.alloc(gateStride);
        boolean byUnits = s.cell() == Cell.LSTM;
        int panel = k.packedSize(out, 1), np = k.panels(hs);
        for (int g = 0; g < gates; g++) {
            k.pack(wHh, g * hs * out, 1, out, out, hs, one, 0, np);
            if (!byUnits) System.arraycopy(one, 0, whhT, g * gateStride, gateStride);
            else for (int p = 0; p < np; p++) System.arraycopy(one, p * panel, whhT, (p * gates + g) * panel, panel);
        }
        hpWidth = byUnits ? gates * np * k.panelWidth() : gh;
        wih = k.alloc(k.packedSize(gh, in));
        k.pack(wIh, 0, in, 1, gh, in, wih, 0, k.panels(in));
        whh = k.alloc(k.packedSize(gh, out));
        k.pack(wHh, 0, out, 1, gh, out, whh, 0, k.panels(out));
        if (proj > 0) {
            double[] wHrP = new double[proj * hs];
            for (int r = 0; r < proj; r++) System.arraycopy(w.wHr(), r * userHs, wHrP, r * hs, userHs);
            A wHr = k.fromDoubles(wHrP, 0, proj * hs);
            whrT = k.alloc(k.packedSize(hs, proj));
            k.pack(wHr, 0, 1, hs, hs, proj, whrT, 0, k.panels(proj));
            whr = k.alloc(k.packedSize(proj, hs));
            k.pack(wHr, 0, hs, 1, proj, hs, whr, 0, k.panels(hs));
        } else {
            whrT = null;
            whr = null;
        }
        if (s.cell() == Cell.GRU && !lbr) {
            whhRZ = k.alloc(k.packedSize(2 * hs, hs));
            k.pack(wHh, 0, hs, 1, 2 * hs, hs, whhRZ, 0, k.panels(hs));
            whhN = k.alloc(k.packedSize(hs, hs));
            k.pack(wHh, 2 * hs * hs, hs, 1, hs, hs, whhN, 0, k.panels(hs));
        } else {
            whhRZ = null;
            whhN = null;
        }
    }

    /**
     * A [G·H, n] matrix (rows of the layer's own n columns) with each gate's block of rows padded to
     * {@link #hs} rows and each row to {@code width} columns, zeros in the new places.
     */
    private double[] padRows(double[] m, int n, int width) {
        double[] p = new double[gh * width];
        for (int g = 0; g < gates; g++) {
            for (int u = 0; u < userHs; u++) System.arraycopy(m, (g * userHs + u) * n, p, (g * hs + u) * width, n);
        }
        return p;
    }

    /** The inverse of {@link #padRows}: the real rows of padded [G·hs, width] into [G·userHs, n], their first n columns. */
    void unpadRows(A padded, int width, A m, int n) {
        for (int g = 0; g < gates; g++) {
            for (int u = 0; u < userHs; u++) System.arraycopy(padded, (g * hs + u) * width, m, (g * userHs + u) * n, n);
        }
    }

    /** Whether the units are padded ({@link #hs} &gt; {@link #userHs}). */
    boolean padded() {
        return hs != userHs;
    }

    /**
     * The workspace for a sweep of (T, B): the current one while T·B and B fit in it, else one sized
     * for the largest rows and batch seen so far. Called only under the backend's lock.
     */
    Workspace<A> workspace(int steps, int batch) {
        Workspace<A> w = work;
        int rows = steps * batch;
        if (w == null) work = w = new Workspace<>(this, rows, batch);
        else if (!w.fits(rows, batch)) work = w = new Workspace<>(this, Math.max(rows, w.rows), Math.max(batch, w.batch));
        return w;
    }

    /** The workspace the last sweep used (for tests), or null. */
    Workspace<A> lastWorkspace() {
        return work;
    }

    /** A reserve for (T, B), on the arrays of the last closed one when T·B fits in them. */
    synchronized VecReserve<A> reserve(int steps, int batch) {
        VecReserve.Store<A> s = spare;
        spare = null;
        int rows = steps * batch;
        if (s == null || s.rows < rows) s = new VecReserve.Store<>(this, Math.max(rows, s == null ? 0 : s.rows));
        return new VecReserve<>(this, s, steps, batch);
    }

    synchronized void recycle(VecReserve.Store<A> s) {
        if (!isClosed()) spare = s;
    }

    @Override
    protected void release() {
        work = null;
        spare = null;
    }
}
