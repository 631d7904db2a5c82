package io.fusedrnn.vector;

/**
 * Scratch arrays of a layer, sized for the largest (T·B rows, B) it has run; a smaller shape uses a
 * prefix of each (every index is computed from the sweep's own T and B), so a server whose batches
 * change shape sweep by sweep allocates nothing after the largest. Backward's are made on the first
 * backward. Only the sweep holding the backend's lock uses it (Backend serializes sweeps).
 */
final class Workspace<A> {
    /** Capacity: T·B rows and B. */
    final int rows, batch;
    /** Input projections of one step [B, G·H], for an inference that projects each step's rows in the step. */
    final A xs;
    /** Recurrent pre-activations of one step [B, hpWidth]. */
    final A hp;
    /** h double buffer [B, H_out], c [B, H], m = o ⊙ tanh(c) [B, H] (projection), r ⊙ h [B, H]. */
    final A h0, h1, c, m, rh;
    private final VecLayer<A> l;
    private Back<A> back;
    private A xc, xp, xg;

    Workspace(VecLayer<A> l, int rows, int batch) {
        this.l = l;
        this.rows = rows;
        this.batch = batch;
        VecMath<A> k = l.math;
        xs = k.alloc(batch * l.gh);
        hp = k.alloc(batch * l.hpWidth);
        h0 = k.alloc(batch * l.out);
        h1 = k.alloc(batch * l.out);
        c = k.alloc(batch * l.hs);
        m = k.alloc(batch * l.hs);
        rh = k.alloc(batch * l.hs);
    }

    /** Whether a sweep of T·B = rows and B = batch fits in this workspace's prefix. */
    boolean fits(int rows, int batch) {
        return rows <= this.rows && batch <= this.batch;
    }

    /**
     * Input projections of all steps [T·B, G·H] (made on first use, on the thread that starts a sweep:
     * an inference that projects its steps has none).
     */
    A xp() {
        if (xp == null) xp = l.math.alloc(rows * l.gh);
        return xp;
    }

    /** Whether a sweep has needed the projections of all steps (tests). */
    boolean madeProjectionOfAllSteps() {
        return xp != null;
    }

    /**
     * h of a step as the GEMM's 8-row micro-panels [B, H_out], two by step parity, for a sweep split by
     * units (made on first use, on the thread that starts a sweep; {@code Recurrence.hTiles}).
     */
    A hTiles(int parity) {
        if (ht0 == null) {
            ht0 = l.math.alloc(batch * l.out);
            ht1 = l.math.alloc(batch * l.out);
        }
        return parity == 0 ? ht0 : ht1;
    }

    private A ht0, ht1;

    /** One step's rows of a ragged x, gathered in slot order [B, I] (made on first use, on the thread that starts a sweep). */
    A stepInput() {
        if (xg == null) xg = l.math.alloc(batch * l.in);
        return xg;
    }

    /** The computed rows of a ragged inference's x, gathered [Σ lengths, I] (made on first use). */
    A compactInput() {
        if (xc == null) xc = l.math.alloc(rows * l.in);
        return xc;
    }

    Back<A> back() {
        if (back == null) back = new Back<>(l, rows, batch);
        return back;
    }

    /** Backward scratch, of the same capacity. */
    static final class Back<A> {
        /**
         * Pre-activation gradients per (t, b) row [T·B, G·H]: input side and recurrent side. They differ
         * only in a linear-before-reset GRU's n block (r ⊙ the input side's), so there dAh is that block
         * alone, [T·B, H], and the r and z blocks are read from dAx; elsewhere (LSTM, GRU reset-before)
         * dAh is dAx.
         */
        final A dAx, dAh;
        /** The same transposed [G·H, T·B], the row-major A of the weight-gradient GEMMs (dAhT: dAh's [H, T·B]). */
        final A dAxT, dAhT;
        /**
         * One step's recurrent-side gradients [B, G·H] in slot order, contiguous for the dh GEMM (an LSTM
         * with rows of equal length reads that step's rows of dAx in place instead: they are contiguous).
         */
        final A dAs;
        /** dL/dh entering the step [B, H_out], the GEMM's dh_prev [B, H_out], dc [B, H], dm [B, H]. */
        final A dh, dhNew, dc, dm;
        /** GRU: dh ⊙ z, dL/d(r ⊙ h), and their partial sum [B, H]. */
        final A dhz, drh, dhp;
        /** dL/dh per (t, b) row with projection [T·B, P] (for dW_hr). */
        final A dhs;
        /** Packed B operands of the weight-gradient GEMMs: x, h_in, and m or r ⊙ h, each [T·B, ·]. */
        final A xPk, hPk, mPk;
        /**
         * The weight gradients in the padded layout ([G·hs, I], [G·hs, out], [G·hs] twice, [P, hs]), of
         * which the user's get the real rows and columns; null unless the layer pads ({@link VecLayer#padded}).
         */
        final A gWih, gWhh, gBih, gBhh, gWhr;

        Back(VecLayer<A> l, int rows, int batch) {
            VecMath<A> k = l.math;
            boolean lstm = l.spec().hasCellState();
            dAx = k.alloc(rows * l.gh);
            dAh = l.lbr ? k.alloc(rows * l.hs) : dAx;
            dAxT = k.alloc(rows * l.gh);
            dAhT = l.lbr ? k.alloc(rows * l.hs) : dAxT;
            dAs = k.alloc(batch * l.gh);
            dh = k.alloc(batch * l.out);
            dhNew = k.alloc(batch * l.out);
            dc = k.alloc(batch * l.hs);
            dm = k.alloc(batch * l.hs);
            dhz = k.alloc(batch * l.hs);
            drh = k.alloc(batch * l.hs);
            dhp = k.alloc(batch * l.hs);
            dhs = l.proj > 0 ? k.alloc(rows * l.proj) : null;
            xPk = k.alloc(k.packedSize(rows, l.in));
            hPk = k.alloc(k.packedSize(rows, l.out));
            mPk = l.proj > 0 || (!lstm && !l.lbr) ? k.alloc(k.packedSize(rows, l.hs)) : null;
            boolean pad = l.padded();
            gWih = pad ? k.alloc(l.gh * l.in) : null;
            gWhh = pad ? k.alloc(l.gh * l.out) : null;
            gBih = pad ? k.alloc(l.gh) : null;
            gBhh = pad ? k.alloc(l.gh) : null;
            gWhr = pad && l.proj > 0 ? k.alloc(l.proj * l.hs) : null;
        }
    }
}
