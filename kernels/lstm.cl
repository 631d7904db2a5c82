/*
 * lstm.cl: one LSTM step forward, fused; gate order i, f, g, o as in docs/DESIGN.md, Semantics
 * (io.fusedrnn.Cell). The backward kernels are in lstm_backward.cl.
 *
 * lstm_step: for each row b and hidden unit u, the recurrent dot products of all four gates
 *   (Σ_j h_prev[b, j]·W_hh[g·H + u, j]), added to the precomputed x·W_ihᵀ + b_ih + b_hh, then σ/tanh
 *   and the cell update, in registers; writes only c, h (or m = o⊙tanh(c) with a projection), y and,
 *   in training, the gate activations. Work-group: UNITS work-items along hidden units × one block
 *   of ROWS batch rows; each work-item keeps ROWS×4 accumulators. h_prev is staged in local memory in
 *   KTILE-wide slices shared by the group; W_hhᵀ [OUT, 4H] is read so neighbouring units are
 *   neighbouring addresses. Row b is active while step < len[b] and then reads time
 *   time_of(step, len[b], reverse); an inactive row keeps its state (h and c are copied).
 * lstm_step_vec, the CPU rung: the same step without local memory or barriers (a CPU compiler keeps
 *   what lives across a barrier in memory); a work-item takes VW consecutive units as one vector and
 *   VROWS rows, 4·VROWS vector accumulators in registers, and reads W_hh packed in panels
 *   [H/VW][OUT][4][VW] (one contiguous stream, not four strided ones). Precondition: H % VW == 0.
 * lstm_sweep_vec: every step in one launch of one work-group, for small batches on CPUs where a
 *   launch costs more than a step (precondition as lstm_step_vec, and no projection).
 * lstmp_project: h = W_hr m (PyTorch proj_size), one work-item per (output q, row b);
 *   lstmp_project_vec, its CPU rung, VW outputs per work-item (P % VW == 0).
 *
 * Preconditions: OUT ≤ H (OUT = P < H with a projection, else H); the host rounds global sizes up.
 */

__kernel __attribute__((reqd_work_group_size(UNITS, KSPLIT, 1)))
void lstm_step(const int B, const int H, const int OUT, const int stepIndex, const int reverse,
               __global const int* lengths,
               __global const REAL* xw, const int xwOff,   /* [B, 4H] this stepIndex: x·W_ihᵀ + b_ih + b_hh */
               __global const REAL* whhT,                  /* [OUT, 4H] */
               __global REAL* hs, const int hIn, const int hOut,
               __global REAL* cs, const int cIn, const int cOut,
               const int project, __global REAL* m, const int mOff,
               __global REAL* y, const int yCol, const int yW,
               const int train, __global REAL* gates, const int gOff)
{
    STEP_LOCALS;
    REAL acc[ROWS][4];
    const int u = get_global_id(0), b0 = get_group_id(1) * ROWS;
    recurrent(4, 0, 4, acc, hTile, part, B, H, OUT, hs, hIn, whhT, u, get_local_id(0), b0);
    if (u >= H || get_local_id(1) != 0) return;
    const int G4 = 4 * H;

    #pragma unroll
    for (int r = 0; r < ROWS; r++) {
        const int b = b0 + r;
        if (b >= B) break;
        const int len = lengths[b];
        if (stepIndex >= len) {
            /* past this row's end: state stays; with a projection lstmp_project copies h */
            cs[cOut + b * H + u] = cs[cIn + b * H + u];
            if (!project) hs[hOut + b * OUT + u] = hs[hIn + b * OUT + u];
            continue;
        }
        const int t = time_of(stepIndex, len, reverse);
        __global const REAL* a = xw + xwOff + b * G4 + u;
        const REAL i = sigm(a[0] + acc[r][0]);
        const REAL f = sigm(a[H] + acc[r][1]);
        const REAL g = tanh(a[2 * H] + acc[r][2]);
        const REAL o = sigm(a[3 * H] + acc[r][3]);
        const REAL c = f * cs[cIn + b * H + u] + i * g;
        const REAL h = o * tanh(c);
        cs[cOut + b * H + u] = c;
        if (project) {
            m[mOff + b * H + u] = h;
        } else {
            hs[hOut + b * OUT + u] = h;
            y[(t * B + b) * yW + yCol + u] = h;
        }
        if (train) {
            __global REAL* s = gates + gOff + b * G4 + u;
            s[0] = i;
            s[H] = f;
            s[2 * H] = g;
            s[3 * H] = o;
        }
    }
}

/*
 * Units u0 .. u0+VW of rows b0 .. b0+VROWS for one step: the body of lstm_step_vec and lstm_sweep_vec.
 * The kernels take buffers and offsets (the host cannot pass an interior pointer); this function takes
 * the step's slices: xw, h and c in and out, m, gates [B, ...] of this step and y from column yCol.
 */
inline void lstm_units_vec(const int B, const int H, const int OUT, const int stepIndex, const int reverse,
                           __global const int* lengths, __global const REAL* xw, __global const REAL* whhP,
                           __global const REAL* hIn, __global REAL* hOut, __global const REAL* cIn, __global REAL* cOut,
                           const int project, __global REAL* m, __global REAL* y, const int yW,
                           const int train, __global REAL* gates, const int b0, const int u0)
{
    const int G4 = 4 * H;
    REALV acc[VROWS][4];
    recurrent_vec(4, 0, 4, acc, B, OUT, hIn, whhP, b0, u0);

    #pragma unroll
    for (int r = 0; r < VROWS; r++) {
        const int b = b0 + r;
        if (b >= B) break;
        const int len = lengths[b];
        if (stepIndex >= len) {
            VSTORE(VLOAD(0, cIn + b * H + u0), 0, cOut + b * H + u0);
            if (!project) VSTORE(VLOAD(0, hIn + b * OUT + u0), 0, hOut + b * OUT + u0);
            continue;
        }
        const int t = time_of(stepIndex, len, reverse);
        __global const REAL* a = xw + b * G4 + u0;
        const REALV i = sigmv(VLOAD(0, a) + acc[r][0]);
        const REALV f = sigmv(VLOAD(0, a + H) + acc[r][1]);
        const REALV g = tanh(VLOAD(0, a + 2 * H) + acc[r][2]);
        const REALV o = sigmv(VLOAD(0, a + 3 * H) + acc[r][3]);
        const REALV c = f * VLOAD(0, cIn + b * H + u0) + i * g;
        const REALV h = o * tanh(c);
        VSTORE(c, 0, cOut + b * H + u0);
        if (project) {
            VSTORE(h, 0, m + b * H + u0);
        } else {
            VSTORE(h, 0, hOut + b * OUT + u0);
            VSTORE(h, 0, y + (t * B + b) * yW + u0);
        }
        if (train) {
            __global REAL* s = gates + b * G4 + u0;
            VSTORE(i, 0, s);
            VSTORE(f, 0, s + H);
            VSTORE(g, 0, s + 2 * H);
            VSTORE(o, 0, s + 3 * H);
        }
    }
}

__kernel void lstm_step_vec(const int B, const int H, const int OUT, const int stepIndex, const int reverse,
                            __global const int* lengths,
                            __global const REAL* xw, const int xwOff, __global const REAL* whhP,
                            __global REAL* hs, const int hIn, const int hOut,
                            __global REAL* cs, const int cIn, const int cOut,
                            const int project, __global REAL* m, const int mOff,
                            __global REAL* y, const int yCol, const int yW,
                            const int train, __global REAL* gates, const int gOff)
{
    /* dimension 0 walks row blocks: work-items a CPU thread runs back to back reuse one W panel from cache */
    const int b0 = get_global_id(0) * VROWS, u0 = get_global_id(1) * VW;
    if (u0 >= H || b0 >= B) return;
    lstm_units_vec(B, H, OUT, stepIndex, reverse, lengths, xw + xwOff, whhP, hs + hIn, hs + hOut, cs + cIn, cs + cOut,
                   project, m + mOff, y + yCol, yW, train, gates + gOff, b0, u0);
}

/*
 * All steps in one launch of ONE work-group (so it is trivially resident and a work-group barrier
 * orders the steps): for small batches, where per-step launches cost more than the step's arithmetic.
 * Slots as the host's per-step loop: h/c slot k in training, k % 2 otherwise. No projection.
 */
__kernel void lstm_sweep_vec(const int B, const int H, const int steps, const int reverse, __global const int* lengths,
                             __global const REAL* xw, __global const REAL* whhP,
                             __global REAL* hs, __global REAL* cs,
                             __global REAL* y, const int yCol, const int yW,
                             const int train, __global REAL* gates)
{
    for (int k = 0; k < steps; k++) {
        const int sIn = train ? k : k & 1, sOut = train ? k + 1 : (k + 1) & 1;
        for (int u0 = get_local_id(0) * VW; u0 < H; u0 += get_local_size(0) * VW)
            for (int b0 = 0; b0 < B; b0 += VROWS)
                lstm_units_vec(B, H, H, k, reverse, lengths, xw + k * B * 4 * H, whhP,
                               hs + sIn * B * H, hs + sOut * B * H, cs + sIn * B * H, cs + sOut * B * H,
                               0, hs, y + yCol, yW, train, gates + k * B * 4 * H, b0, u0);
        barrier(CLK_GLOBAL_MEM_FENCE);
    }
}

/* h[b, q] = Σ_u W_hr[q, u]·m[b, u] for active rows (and y at time t), h_prev copied for inactive ones. */
__kernel void lstmp_project(const int B, const int H, const int P, const int stepIndex, const int reverse,
                            __global const int* lengths,
                            __global const REAL* whrT,               /* [H, P] */
                            __global const REAL* m, const int mOff,  /* [B, H] */
                            __global REAL* hs, const int hIn, const int hOut,
                            __global REAL* y, const int yCol, const int yW)
{
    const int q = get_global_id(0), b = get_global_id(1);
    if (q >= P || b >= B) return;
    const int len = lengths[b];
    if (stepIndex >= len) {
        hs[hOut + b * P + q] = hs[hIn + b * P + q];
        return;
    }
    const int t = time_of(stepIndex, len, reverse);
    REAL s = 0;
    for (int u = 0; u < H; u++) s = fma(whrT[u * P + q], m[mOff + b * H + u], s);
    hs[hOut + b * P + q] = s;
    y[(t * B + b) * yW + yCol + q] = s;
}

/* lstmp_project's vector rung: output columns q0 .. q0+VW of one row per work-item; P % VW == 0. */
__kernel void lstmp_project_vec(const int B, const int H, const int P, const int stepIndex, const int reverse,
                                __global const int* lengths,
                                __global const REAL* whrT, __global const REAL* m, const int mOff,
                                __global REAL* hs, const int hIn, const int hOut,
                                __global REAL* y, const int yCol, const int yW)
{
    const int b = get_global_id(0), q0 = get_global_id(1) * VW;
    if (q0 >= P || b >= B) return;
    const int len = lengths[b];
    if (stepIndex >= len) {
        VSTORE(VLOAD(0, hs + hIn + b * P + q0), 0, hs + hOut + b * P + q0);
        return;
    }
    const int t = time_of(stepIndex, len, reverse);
    REALV s = (REALV) (0);
    for (int u = 0; u < H; u++) s = fma((REALV) (m[mOff + b * H + u]), VLOAD(0, whrT + u * P + q0), s);
    VSTORE(s, 0, hs + hOut + b * P + q0);
    VSTORE(s, 0, y + (t * B + b) * yW + yCol + q0);
}
