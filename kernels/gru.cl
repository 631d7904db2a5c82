/*
 * gru.cl: one GRU step forward, fused, both variants;
 * gate order r, z, n as in docs/DESIGN.md, Semantics (io.fusedrnn.Cell). Backward: gru_backward.cl.
 * xw holds x·W_ihᵀ + b_ih for this step; b_hh is added to the recurrent part because n needs it
 * separately (hn = W_hn h + b_hn).
 *
 * gru_step (linear-before-reset): per row b and unit u, the three recurrent dot products, then
 *   r, z, n = tanh(xw_n + r⊙hn) and h' = (1−z)⊙n + z⊙h, in registers; writes h, y and, in training,
 *   r, z, n and hn. Reset-before-linear needs all of r⊙h before n, so it runs as gru_rz then gru_n.
 * Work-group: UNITS work-items along hidden units × one block of ROWS batch rows; the recurrent input
 *   is staged in local memory in KTILE-wide slices; W_hhᵀ [H, 3H] is read so neighbouring units are
 *   neighbouring addresses. Row b is active while step < len[b] and then reads time
 *   time_of(step, len[b], reverse); an inactive row keeps its h.
 * gru_step_vec, gru_rz_vec, gru_n_vec: the CPU rung of gru_step, gru_rz, gru_n: no local memory or
 *   barriers; a work-item takes VW consecutive units as one vector and VROWS rows, up to 3·VROWS vector
 *   accumulators in registers, W_hh packed in panels [H/VW][H][3][VW]. Precondition: H % VW == 0.
 * gru_sweep_vec: every step in one launch of one work-group, for small batches on CPUs
 *   (linear-before-reset).
 *
 * Preconditions: the host rounds global sizes up to whole groups.
 */
#ifndef UNITS
#define UNITS 32
#endif
#ifndef ROWS
#define ROWS 4
#endif
#ifndef KTILE
#define KTILE 64
#endif

#ifndef VROWS
#define VROWS 2
#endif


/*
 * acc[r][g] = Σ_j src[srcOff + (b0+r)·H + j] · whhT[j·3H + (gate0+g)·H + u] for g < nGates.
 * Called by every work-item of the group (it holds barriers); u ≥ H only helps with the staging.
 */
inline void recurrent(const int nGates, const int gate0, REAL acc[ROWS][3], __local REAL hTile[ROWS][KTILE],
                      const int B, const int H, __global const REAL* src, const int srcOff,
                      __global const REAL* whhT, const int u, const int lu, const int b0)
{
    const int G3 = 3 * H;
    #pragma unroll
    for (int r = 0; r < ROWS; r++)
        #pragma unroll
        for (int g = 0; g < 3; g++) acc[r][g] = 0;
    for (int k0 = 0; k0 < H; k0 += KTILE) {
        for (int e = lu; e < ROWS * KTILE; e += UNITS) {
            const int r = e / KTILE, kk = e % KTILE, b = b0 + r, k = k0 + kk;
            hTile[r][kk] = (b < B && k < H) ? src[srcOff + b * H + k] : (REAL) 0;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        if (u < H) {
            const int kn = min(KTILE, H - k0);
            __global const REAL* w = whhT + k0 * G3 + gate0 * H + u;
            if (nGates == 3) {
                for (int kk = 0; kk < kn; kk++, w += G3) {
                    const REAL w0 = w[0], w1 = w[H], w2 = w[2 * H];
                    #pragma unroll
                    for (int r = 0; r < ROWS; r++) {
                        const REAL hv = hTile[r][kk];
                        acc[r][0] = fma(w0, hv, acc[r][0]);
                        acc[r][1] = fma(w1, hv, acc[r][1]);
                        acc[r][2] = fma(w2, hv, acc[r][2]);
                    }
                }
            } else if (nGates == 2) {
                for (int kk = 0; kk < kn; kk++, w += G3) {
                    const REAL w0 = w[0], w1 = w[H];
                    #pragma unroll
                    for (int r = 0; r < ROWS; r++) {
                        const REAL hv = hTile[r][kk];
                        acc[r][0] = fma(w0, hv, acc[r][0]);
                        acc[r][1] = fma(w1, hv, acc[r][1]);
                    }
                }
            } else {
                for (int kk = 0; kk < kn; kk++, w += G3) {
                    const REAL w0 = w[0];
                    #pragma unroll
                    for (int r = 0; r < ROWS; r++) acc[r][0] = fma(w0, hTile[r][kk], acc[r][0]);
                }
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}

/* Linear-before-reset (PyTorch's GRU): the whole step in one launch. */
__kernel __attribute__((reqd_work_group_size(UNITS, 1, 1)))
void gru_step(const int B, const int H, const int stepIndex, const int reverse, __global const int* lengths,
              __global const REAL* xw, const int xwOff, __global const REAL* whhT, __global const REAL* bhh,
              __global REAL* hs, const int hIn, const int hOut,
              __global REAL* y, const int yCol, const int yW,
              const int train, __global REAL* gates, const int gOff, __global REAL* hnSave, const int hnOff)
{
    __local REAL hTile[ROWS][KTILE];
    REAL acc[ROWS][3];
    const int u = get_global_id(0), b0 = get_group_id(1) * ROWS;
    recurrent(3, 0, acc, hTile, B, H, hs, hIn, whhT, u, get_local_id(0), b0);
    if (u >= H) return;
    const int G3 = 3 * H;
    #pragma unroll
    for (int r = 0; r < ROWS; r++) {
        const int b = b0 + r;
        if (b >= B) break;
        const int len = lengths[b];
        const REAL hp = hs[hIn + b * H + u];
        if (stepIndex >= len) {
            hs[hOut + b * H + u] = hp;
            continue;
        }
        const int t = time_of(stepIndex, len, reverse);
        __global const REAL* a = xw + xwOff + b * G3 + u;
        const REAL rg = sigm(a[0] + acc[r][0] + bhh[u]);
        const REAL zg = sigm(a[H] + acc[r][1] + bhh[H + u]);
        const REAL hn = acc[r][2] + bhh[2 * H + u];
        const REAL ng = tanh(a[2 * H] + rg * hn);
        const REAL h = ((REAL) 1 - zg) * ng + zg * hp;
        hs[hOut + b * H + u] = h;
        y[(t * B + b) * yW + yCol + u] = h;
        if (train) {
            __global REAL* s = gates + gOff + b * G3 + u;
            s[0] = rg;
            s[H] = zg;
            s[2 * H] = ng;
            hnSave[hnOff + b * H + u] = hn;
        }
    }
}

/* Units u0 .. u0+VW of rows b0 .. b0+VROWS for one step: the body of gru_step_vec and gru_sweep_vec. */
inline void gru_units_vec(const int B, const int H, const int stepIndex, const int reverse, __global const int* lengths,
                          __global const REAL* xw, const int xwOff, __global const REAL* whhP, __global const REAL* bhh,
                          __global REAL* hs, const int hIn, const int hOut,
                          __global REAL* y, const int yCol, const int yW,
                          const int train, __global REAL* gates, const int gOff, __global REAL* hnSave, const int hnOff,
                          const int b0, const int u0)
{
    const int G3 = 3 * H;
    int hRow[VROWS];
    #pragma unroll
    for (int r = 0; r < VROWS; r++) hRow[r] = hIn + min(b0 + r, B - 1) * H; /* clamped: edge rows compute, never store */

    REALV acc[VROWS][3];
    #pragma unroll
    for (int r = 0; r < VROWS; r++)
        #pragma unroll
        for (int g = 0; g < 3; g++) acc[r][g] = (REALV) (0);
    /* W_hh packed in panels (ClLayer.pack): [H/VW][H][3 gates][VW], one contiguous stream per work-item */
    __global const REAL* w = whhP + (u0 / VW) * H * 3 * VW;
    for (int k = 0; k < H; k++, w += 3 * VW) {
        const REALV w0 = VLOAD(0, w), w1 = VLOAD(0, w + VW), w2 = VLOAD(0, w + 2 * VW);
        #pragma unroll
        for (int r = 0; r < VROWS; r++) {
            const REALV hv = (REALV) (hs[hRow[r] + k]);
            acc[r][0] = fma(w0, hv, acc[r][0]);
            acc[r][1] = fma(w1, hv, acc[r][1]);
            acc[r][2] = fma(w2, hv, acc[r][2]);
        }
    }

    #pragma unroll
    for (int r = 0; r < VROWS; r++) {
        const int b = b0 + r;
        if (b >= B) break;
        const int len = lengths[b];
        const REALV hp = VLOAD(0, hs + hIn + b * H + u0);
        if (stepIndex >= len) {
            VSTORE(hp, 0, hs + hOut + b * H + u0);
            continue;
        }
        const int t = time_of(stepIndex, len, reverse);
        __global const REAL* a = xw + xwOff + b * G3 + u0;
        const REALV rg = sigmv(VLOAD(0, a) + acc[r][0] + VLOAD(0, bhh + u0));
        const REALV zg = sigmv(VLOAD(0, a + H) + acc[r][1] + VLOAD(0, bhh + H + u0));
        const REALV hn = acc[r][2] + VLOAD(0, bhh + 2 * H + u0);
        const REALV ng = tanh(VLOAD(0, a + 2 * H) + rg * hn);
        const REALV h = ((REALV) (1) - zg) * ng + zg * hp;
        VSTORE(h, 0, hs + hOut + b * H + u0);
        VSTORE(h, 0, y + (t * B + b) * yW + yCol + u0);
        if (train) {
            __global REAL* s = gates + gOff + b * G3 + u0;
            VSTORE(rg, 0, s);
            VSTORE(zg, 0, s + H);
            VSTORE(ng, 0, s + 2 * H);
            VSTORE(hn, 0, hnSave + hnOff + b * H + u0);
        }
    }
}

__kernel void gru_step_vec(const int B, const int H, const int stepIndex, const int reverse, __global const int* lengths,
                           __global const REAL* xw, const int xwOff, __global const REAL* whhP, __global const REAL* bhh,
                           __global REAL* hs, const int hIn, const int hOut,
                           __global REAL* y, const int yCol, const int yW,
                           const int train, __global REAL* gates, const int gOff, __global REAL* hnSave, const int hnOff)
{
    /* dimension 0 walks row blocks: work-items a CPU thread runs back to back reuse one W panel from cache */
    const int b0 = get_global_id(0) * VROWS, u0 = get_global_id(1) * VW;
    if (u0 >= H || b0 >= B) return;
    gru_units_vec(B, H, stepIndex, reverse, lengths, xw, xwOff, whhP, bhh, hs, hIn, hOut, y, yCol, yW,
                  train, gates, gOff, hnSave, hnOff, b0, u0);
}

/*
 * All steps in one launch of ONE work-group (trivially resident; a work-group barrier orders the
 * steps), for small batches where per-step launches cost more than the arithmetic. Slots as the
 * host's per-step loop: h slot k in training, k % 2 otherwise.
 */
__kernel void gru_sweep_vec(const int B, const int H, const int steps, const int reverse, __global const int* lengths,
                            __global const REAL* xw, __global const REAL* whhP, __global const REAL* bhh,
                            __global REAL* hs, __global REAL* y, const int yCol, const int yW,
                            const int train, __global REAL* gates, __global REAL* hnSave)
{
    for (int k = 0; k < steps; k++) {
        const int sIn = train ? k : k & 1, sOut = train ? k + 1 : (k + 1) & 1;
        for (int u0 = get_local_id(0) * VW; u0 < H; u0 += get_local_size(0) * VW)
            for (int b0 = 0; b0 < B; b0 += VROWS)
                gru_units_vec(B, H, k, reverse, lengths, xw, k * B * 3 * H, whhP, bhh,
                              hs, sIn * B * H, sOut * B * H, y, yCol, yW,
                              train, gates, k * B * 3 * H, hnSave, k * B * H, b0, u0);
        barrier(CLK_GLOBAL_MEM_FENCE);
    }
}

/* Reset-before-linear, phase 1: r and z into gates, r⊙h_prev into rh. */
__kernel __attribute__((reqd_work_group_size(UNITS, 1, 1)))
void gru_rz(const int B, const int H, const int stepIndex, __global const int* lengths,
            __global const REAL* xw, const int xwOff, __global const REAL* whhT, __global const REAL* bhh,
            __global const REAL* hs, const int hIn,
            __global REAL* gates, const int gOff, __global REAL* rh, const int rhOff)
{
    __local REAL hTile[ROWS][KTILE];
    REAL acc[ROWS][3];
    const int u = get_global_id(0), b0 = get_group_id(1) * ROWS;
    recurrent(2, 0, acc, hTile, B, H, hs, hIn, whhT, u, get_local_id(0), b0);
    if (u >= H) return;
    const int G3 = 3 * H;
    #pragma unroll
    for (int r = 0; r < ROWS; r++) {
        const int b = b0 + r;
        if (b >= B) break;
        if (stepIndex >= lengths[b]) continue;
        __global const REAL* a = xw + xwOff + b * G3 + u;
        const REAL rg = sigm(a[0] + acc[r][0] + bhh[u]);
        const REAL zg = sigm(a[H] + acc[r][1] + bhh[H + u]);
        gates[gOff + b * G3 + u] = rg;
        gates[gOff + b * G3 + H + u] = zg;
        rh[rhOff + b * H + u] = rg * hs[hIn + b * H + u];
    }
}

/* Reset-before-linear, phase 2: hn = W_hn (r⊙h) + b_hn, n, h'. */
__kernel __attribute__((reqd_work_group_size(UNITS, 1, 1)))
void gru_n(const int B, const int H, const int stepIndex, const int reverse, __global const int* lengths,
           __global const REAL* xw, const int xwOff, __global const REAL* whhT, __global const REAL* bhh,
           __global REAL* hs, const int hIn, const int hOut,
           __global const REAL* rh, const int rhOff,
           __global REAL* y, const int yCol, const int yW,
           const int train, __global REAL* gates, const int gOff, __global REAL* hnSave, const int hnOff)
{
    __local REAL hTile[ROWS][KTILE];
    REAL acc[ROWS][3];
    const int u = get_global_id(0), b0 = get_group_id(1) * ROWS;
    recurrent(1, 2, acc, hTile, B, H, rh, rhOff, whhT, u, get_local_id(0), b0);
    if (u >= H) return;
    const int G3 = 3 * H;
    #pragma unroll
    for (int r = 0; r < ROWS; r++) {
        const int b = b0 + r;
        if (b >= B) break;
        const int len = lengths[b];
        const REAL hp = hs[hIn + b * H + u];
        if (stepIndex >= len) {
            hs[hOut + b * H + u] = hp;
            continue;
        }
        const int t = time_of(stepIndex, len, reverse);
        const REAL hn = acc[r][0] + bhh[2 * H + u];
        const REAL ng = tanh(xw[xwOff + b * G3 + 2 * H + u] + hn);
        const REAL zg = gates[gOff + b * G3 + H + u];
        const REAL h = ((REAL) 1 - zg) * ng + zg * hp;
        hs[hOut + b * H + u] = h;
        y[(t * B + b) * yW + yCol + u] = h;
        if (train) {
            gates[gOff + b * G3 + 2 * H + u] = ng;
            hnSave[hnOff + b * H + u] = hn;
        }
    }
}

/*
 * acc[r][g] = Σ_k src[srcOff + (b0+r)·H + k] · W_hh[(gate0+g)·H + u0 .. +VW, k] for g < nGates (1 or 2):
 * the vector rung's partial recurrences for reset-before-linear, whose n gate reads r⊙h, not h.
 */
inline void gru_dot_vec(const int nGates, const int gate0, REALV acc[VROWS][3], const int B, const int H,
                        __global const REAL* src, const int srcOff, __global const REAL* whhP, const int b0, const int u0)
{
    const int G3 = 3 * H;
    int row[VROWS];
    REALV a0[VROWS], a1[VROWS];
    #pragma unroll
    for (int r = 0; r < VROWS; r++) {
        row[r] = srcOff + min(b0 + r, B - 1) * H; /* clamped: edge rows compute, never store */
        a0[r] = (REALV) (0);
        a1[r] = (REALV) (0);
    }
    __global const REAL* w = whhP + (u0 / VW) * H * 3 * VW + gate0 * VW; /* panels as in gru_units_vec */
    if (nGates == 2) {
        for (int k = 0; k < H; k++, w += 3 * VW) {
            const REALV w0 = VLOAD(0, w), w1 = VLOAD(0, w + VW);
            #pragma unroll
            for (int r = 0; r < VROWS; r++) {
                const REALV hv = (REALV) (src[row[r] + k]);
                a0[r] = fma(w0, hv, a0[r]);
                a1[r] = fma(w1, hv, a1[r]);
            }
        }
    } else {
        for (int k = 0; k < H; k++, w += 3 * VW) {
            const REALV w0 = VLOAD(0, w);
            #pragma unroll
            for (int r = 0; r < VROWS; r++) a0[r] = fma(w0, (REALV) (src[row[r] + k]), a0[r]);
        }
    }
    #pragma unroll
    for (int r = 0; r < VROWS; r++) {
        acc[r][0] = a0[r];
        acc[r][1] = a1[r];
    }
}

/* gru_rz's vector rung: same arguments and results; H % VW == 0. */
__kernel void gru_rz_vec(const int B, const int H, const int stepIndex, __global const int* lengths,
                         __global const REAL* xw, const int xwOff, __global const REAL* whhP, __global const REAL* bhh,
                         __global const REAL* hs, const int hIn,
                         __global REAL* gates, const int gOff, __global REAL* rh, const int rhOff)
{
    const int b0 = get_global_id(0) * VROWS, u0 = get_global_id(1) * VW;
    if (u0 >= H || b0 >= B) return;
    REALV acc[VROWS][3];
    gru_dot_vec(2, 0, acc, B, H, hs, hIn, whhP, b0, u0);
    const int G3 = 3 * H;
    #pragma unroll
    for (int r = 0; r < VROWS; r++) {
        const int b = b0 + r;
        if (b >= B) break;
        if (stepIndex >= lengths[b]) continue;
        __global const REAL* a = xw + xwOff + b * G3 + u0;
        const REALV rg = sigmv(VLOAD(0, a) + acc[r][0] + VLOAD(0, bhh + u0));
        const REALV zg = sigmv(VLOAD(0, a + H) + acc[r][1] + VLOAD(0, bhh + H + u0));
        VSTORE(rg, 0, gates + gOff + b * G3 + u0);
        VSTORE(zg, 0, gates + gOff + b * G3 + H + u0);
        VSTORE(rg * VLOAD(0, hs + hIn + b * H + u0), 0, rh + rhOff + b * H + u0);
    }
}

/* gru_n's vector rung: same arguments and results; H % VW == 0. */
__kernel void gru_n_vec(const int B, const int H, const int stepIndex, const int reverse, __global const int* lengths,
                        __global const REAL* xw, const int xwOff, __global const REAL* whhP, __global const REAL* bhh,
                        __global REAL* hs, const int hIn, const int hOut,
                        __global const REAL* rh, const int rhOff,
                        __global REAL* y, const int yCol, const int yW,
                        const int train, __global REAL* gates, const int gOff, __global REAL* hnSave, const int hnOff)
{
    const int b0 = get_global_id(0) * VROWS, u0 = get_global_id(1) * VW;
    if (u0 >= H || b0 >= B) return;
    REALV acc[VROWS][3];
    gru_dot_vec(1, 2, acc, B, H, rh, rhOff, whhP, b0, u0);
    const int G3 = 3 * H;
    #pragma unroll
    for (int r = 0; r < VROWS; r++) {
        const int b = b0 + r;
        if (b >= B) break;
        const int len = lengths[b];
        const REALV hp = VLOAD(0, hs + hIn + b * H + u0);
        if (stepIndex >= len) {
            VSTORE(hp, 0, hs + hOut + b * H + u0);
            continue;
        }
        const int t = time_of(stepIndex, len, reverse);
        const REALV hn = acc[r][0] + VLOAD(0, bhh + 2 * H + u0);
        const REALV ng = tanh(VLOAD(0, xw + xwOff + b * G3 + 2 * H + u0) + hn);
        const REALV zg = VLOAD(0, gates + gOff + b * G3 + H + u0);
        const REALV h = ((REALV) (1) - zg) * ng + zg * hp;
        VSTORE(h, 0, hs + hOut + b * H + u0);
        VSTORE(h, 0, y + (t * B + b) * yW + yCol + u0);
        if (train) {
            VSTORE(ng, 0, gates + gOff + b * G3 + 2 * H + u0);
            VSTORE(hn, 0, hnSave + hnOff + b * H + u0);
        }
    }
}
