package io.fusedrnn.vector;

import static io.fusedrnn.Cell.F;
import static io.fusedrnn.Cell.G;
import static io.fusedrnn.Cell.I;
import static io.fusedrnn.Cell.O;
import static io.fusedrnn.Cell.R;
import static io.fusedrnn.Cell.Z;

/**
 * The numeric primitives the sweeps are written against, as Java loops on the Vector API, once per
 * precision ({@link FloatMath}, {@link DoubleMath}, generated from one template); {@code A} is
 * {@code float[]} or {@code double[]}. The sweep code above
 * only moves offsets around, so LSTM/GRU control flow exists once for both precisions.
 *
 * <p>Packed B panels: a [K, N] matrix stored as ceil(N/NR) panels of K rows × NR columns, zero-padded,
 * so a micro-kernel streams one panel with unit stride and needs no column tail inside the K loop.
 */
abstract class VecMath<A> {

    /** A zero-filled array of n elements. */
    abstract A alloc(int n);

    /** Columns per packed panel (two vectors). */
    abstract int panelWidth();

    /** Elements of a packed [k, n] matrix. */
    final int packedSize(int k, int n) {
        return k * panels(n) * panelWidth();
    }

    /** Panels of a packed matrix with n columns. */
    final int panels(int n) {
        return (n + panelWidth() - 1) / panelWidth();
    }

    /** Rounds (fp32) or copies (fp64) host values. */
    abstract A fromDoubles(double[] src, int off, int n);

    abstract void zero(A a, int off, int n);

    /** dst[do + i] += src[so + i]. */
    abstract void add(A src, int so, A dst, int dOff, int n);

    /**
     * Packs panels p0..p1 of B [k, n] whose element (kk, j) is src[off + kk·rs + j·cs] into dst
     * (row-major B: rs = ld, cs = 1; B given transposed: rs = 1, cs = ld).
     */
    abstract void pack(A src, int off, int rs, int cs, int k, int n, A dst, int p0, int p1);

    /**
     * C[m, cols of panels p0..p1] = (accumulate ? C : 0) + (bias ? bias[col] : 0) + A[m, k] · B.
     * A's element (i, kk) is a[aOff + i·ars + kk·acs]; B is packed [k, n] from b[bOff]; C[i, j] is c[cOff + i·ldc + j].
     */
    abstract void gemm(A a, int aOff, int ars, int acs, int m, int k, A b, int bOff, int n, int p0, int p1,
                       A c, int cOff, int ldc, boolean accumulate, A bias);

    /**
     * {@link #gemm} over row-major A (acs = 1), whose whole 8-row tiles are also in {@code tiles} (from
     * {@link #rowTiles} over the same rows and k; null: none).
     */
    abstract void gemm(A tiles, A a, int aOff, int ars, int m, int k, A b, int bOff, int n, int p0, int p1,
                       A c, int cOff, int ldc, boolean accumulate, A bias);

    /**
     * The whole 8-row tiles of row-major A's rows (k values each from a[off + i·rs]) copied into this
     * thread's buffer {@code which} (0 or 1) as the GEMM's micro-panels, for several {@link #gemm} calls
     * over the same rows; null where the GEMM has no 8-row tile (256-bit vectors) or there is no whole
     * tile. The buffer is the calling thread's until its next call with the same {@code which}.
     */
    abstract A rowTiles(int which, A a, int off, int rs, int rows, int k);

    /**
     * Whether A copied into micro-panels pays for calls over this many panels in all: the GEMM has
     * 8-row tiles (512-bit vectors) and the panels reach the GEMM's own threshold for copying per call
     * (the copy costs about one panel's work per row; measured: benchmarks/RESULTS.md, "Round 16").
     */
    abstract boolean tilesPay(int panels);

    /**
     * Columns j0..j1 of the whole 8-row tiles of a [rows, k] (row-major, rows rs apart from a[0]) into
     * their places in {@code tiles}, micro-panels over all k columns (as {@link #rowTiles} lays them
     * out): pieces of one matrix's tiles written by different workers.
     */
    abstract void packColumns(A a, int j0, int j1, int rs, int rows, A tiles, int k);

    /**
     * dst[j·rows + i] = src[i·cols + j] for columns j0..j1 of a [rows, cols] matrix, and in the same
     * pass sums[so + j] += Σ_i src[i·cols + j], added row by row in order (the bias gradients).
     */
    abstract void transposeSums(A src, int rows, int cols, int j0, int j1, A dst, A sums, int so);

    // ---- cells: one row, units u0..u1 of every gate; formulas: docs/DESIGN.md, Semantics; gate order as in Cell ----

    /**
     * LSTM forward, first half: pre-activations are xp (x·W_ihᵀ + both biases, gate g of unit u at
     * xo + g·hs + u) + hp (h·W_hhᵀ); overwrites xp (the workspace's, or the reserve's gate row in training)
     * with the activations i, f, g, o. hp holds units u0..u1 in runs of {@code run} units,
     * {@code runStride} apart, gate g of a run {@code hpGate} after its gate 0: gate g of unit u0 + j at
     * hpo + (j / run)·runStride + g·hpGate + j % run (W_hhᵀ packed by units: runs of one panel, its four
     * gates side by side; gate-major: one run, hpGate = H). One call per gate for the whole range, not
     * per panel: at B64 H100, calls of one panel each took a quarter of the sweep (perf, round 18).
     * One activation pass per gate, not one fused kernel: a method with four activations was too big
     * for both JIT tiers (C1 gave up, "out of virtual registers", and C2 ran past its inlining node
     * budget and boxed the vectors), so it ran interpreted or boxed.
     */
    final void lstmGates(int hs, int u0, int u1, A xp, int xo, A hp, int hpo, int hpGate, int run, int runStride) {
        int n = u1 - u0;
        sigmoidOfSum(xp, xo + I * hs + u0, hp, hpo + I * hpGate, n, run, runStride);
        sigmoidOfSum(xp, xo + F * hs + u0, hp, hpo + F * hpGate, n, run, runStride);
        tanhOfSum(xp, xo + G * hs + u0, hp, hpo + G * hpGate, n, run, runStride);
        sigmoidOfSum(xp, xo + O * hs + u0, hp, hpo + O * hpGate, n, run, runStride);
    }

    /**
     * a[ao + j] = σ(a[ao + j] + b[bo + (j / run)·runStride + j % run]) for j &lt; n: b in runs of
     * {@code run} elements (whole vectors), {@code runStride} apart (one run: run = n).
     */
    abstract void sigmoidOfSum(A a, int ao, A b, int bo, int n, int run, int runStride);

    /** As {@link #sigmoidOfSum}, with tanh. */
    abstract void tanhOfSum(A a, int ao, A b, int bo, int n, int run, int runStride);

    /** LSTM forward, second half: c' = f ⊙ c + i ⊙ g in place, m = o ⊙ tanh(c'), from the gate row. */
    abstract void lstmCell(int hs, int u0, int u1, A gates, int go, A c, int co, A m, int mo);

    /**
     * LSTM backward. dm = dL/dm for this row; updates dc in place (to dL/dc_prev) and writes the
     * pre-activation gradients at dA[dao + ...]. Two kernels, for the size reason of {@link #lstmGates}.
     */
    final void lstmBackward(int hs, int u0, int u1, A dm, int dmo, A gates, A cIn, A cOut, int ro,
                            A dc, int dco, A dA, int dao) {
        lstmBackOutput(hs, u0, u1, dm, dmo, gates, cOut, ro, dc, dco, dA, dao);
        lstmBackGates(hs, u0, u1, gates, cIn, ro, dc, dco, dA, dao);
    }

    /** LSTM backward, first half: with tc = tanh(c'), dc += dm ⊙ o ⊙ (1 − tc²) in place, and dA_o. */
    abstract void lstmBackOutput(int hs, int u0, int u1, A dm, int dmo, A gates, A cOut, int ro,
                                 A dc, int dco, A dA, int dao);

    /** LSTM backward, second half: dA_i, dA_f, dA_g from that dc, then dc ← dc ⊙ f (dL/dc_prev). */
    abstract void lstmBackGates(int hs, int u0, int u1, A gates, A cIn, int ro, A dc, int dco, A dA, int dao);

    /**
     * GRU forward, linear-before-reset: xp holds x·W_ihᵀ + b_ih + b_hh (r, z blocks), hp holds h·W_hhᵀ,
     * bhn is b_hn. Writes h' at hNew[hno + u] and leaves r, z, n in xp's row and hn = W_hn h + b_hn in
     * hp's n block, where a training forward copies them to its reserve. Activation passes, then
     * {@link #gruNew}, for the size reason of {@link #lstmGates}.
     */
    final void gruForward(int hs, int u0, int u1, A xp, int xo, A hp, int hpo, A bhn, A h, int ho, A hNew, int hno) {
        int n = u1 - u0;
        sigmoidOfSum(xp, xo + R * hs + u0, hp, hpo + R * hs + u0, n, n, 0);
        sigmoidOfSum(xp, xo + Z * hs + u0, hp, hpo + Z * hs + u0, n, n, 0);
        gruNew(hs, u0, u1, xp, xo, hp, hpo, bhn, h, ho, hNew, hno);
    }

    /** GRU linear-before-reset, from r and z in xp: hn = hp_n + b_hn, n = tanh(xp_n + r ⊙ hn), h' = (1 − z) n + z h. */
    abstract void gruNew(int hs, int u0, int u1, A xp, int xo, A hp, int hpo, A bhn, A h, int ho, A hNew, int hno);

    /** GRU reset-before, first half: r and z in place of their pre-activations in xp, and rh = r ⊙ h. */
    abstract void gruResetGates(int hs, int u0, int u1, A xp, int xo, A hp, int hpo, A h, int ho, A rh, int rho);

    /**
     * GRU reset-before, second half: n = tanh(xp_n + hp_n) (b_hn folded into xp) in place of its
     * pre-activation, with z from xp (left there by {@link #gruResetGates}), h' = (1 − z) n + z h.
     */
    abstract void gruResetOutput(int hs, int u0, int u1, A xp, int xo, A hp, int hpo, A h, int ho, A hNew, int hno);

    /**
     * GRU backward, both variants' first half: from dh, writes dA_x (all three blocks for
     * linear-before-reset; z and n for reset-before, whose r block needs W_hn first) from dao, the n block of
     * dA_h from dno (linear-before-reset only: elsewhere the recurrent side's gradients are dA_x's), dAs and
     * dhz = dh ⊙ z.
     */
    abstract void gruBackward(boolean lbr, int hs, int u0, int u1, A dh, int dho, A gates, A hn, A hIn, int ro,
                              A dAx, A dAh, int dao, int dno, A dAs, int dso, A dhz, int dzo);

    /**
     * GRU reset-before backward, second half: drh = dL/d(r ⊙ h); writes the r block of dA_x and dAs,
     * and dhp = dhz + drh ⊙ r.
     */
    abstract void gruResetBackward(int hs, int u0, int u1, A drh, int dro, A gates, A hIn, int ro,
                                   A dAx, int dao, A dAs, int dso, A dhz, int dzo, A dhp, int dpo);
}
