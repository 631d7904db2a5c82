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

/*
 * Row b, unit u of a GRU step once its recurrent sums are in: h' = (1−z)⊙n + z⊙h into hOut and y (time
 * t), and in training n and hn (and r, z when computed here); an inactive row keeps its h. With full
 * (linear-before-reset's fused step), accR, accZ and accN are the three recurrent sums and r, z are
 * computed here; without (reset-before-linear's phase 2), accN = W_hn (r⊙h) already holds r, so r is 1
 * and z is read back from gates. Takes the step's slices: xw, h in and out, gates and hn of this step,
 * y from column yCol (the kernels take buffers and offsets: the host cannot pass an interior pointer).
 */
inline void gru_row(const int full, const REAL accR, const REAL accZ, const REAL accN,
                    const int B, const int H, const int stepIndex, const int reverse, __global const int* lengths,
                    __global const REAL* xw, __global const REAL* bhh, __global const REAL* hIn, __global REAL* hOut,
                    __global REAL* y, const int yW, const int train, __global REAL* gates, __global REAL* hnSave,
                    const int b, const int u)
{
    const int len = lengths[b];
    const REAL hp = hIn[b * H + u];
    if (stepIndex >= len) {
        hOut[b * H + u] = hp;
        return;
    }
    const int t = time_of(stepIndex, len, reverse);
    __global const REAL* a = xw + b * 3 * H + u;
    __global REAL* s = gates + b * 3 * H + u;
    const REAL rg = full ? sigm(a[0] + accR + bhh[u]) : (REAL) 1;
    const REAL zg = full ? sigm(a[H] + accZ + bhh[H + u]) : s[H];
    const REAL hn = accN + bhh[2 * H + u];
    const REAL ng = tanh(a[2 * H] + rg * hn);
    const REAL h = ((REAL) 1 - zg) * ng + zg * hp;
    hOut[b * H + u] = h;
    y[(t * B + b) * yW + u] = h;
    if (train) {
        if (full) {
            s[0] = rg;
            s[H] = zg;
        }
        s[2 * H] = ng;
        hnSave[b * H + u] = hn;
    }
}

/* Linear-before-reset (PyTorch's GRU): the whole step in one launch. */
__kernel __attribute__((reqd_work_group_size(UNITS, KSPLIT, 1)))
void gru_step(const int B, const int H, const int stepIndex, const int reverse, __global const int* lengths,
              __global const REAL* xw, const int xwOff, __global const REAL* whhT, __global const REAL* bhh,
              __global REAL* hs, const int hIn, const int hOut,
              __global REAL* y, const int yCol, const int yW,
              const int train, __global REAL* gates, const int gOff, __global REAL* hnSave, const int hnOff)
{
    STEP_LOCALS;
    REAL acc[ROWS][4];
    const int u = get_global_id(0), b0 = get_group_id(1) * ROWS;
    recurrent(3, 0, 3, acc, hTile, part, B, H, H, hs, hIn, whhT, u, get_local_id(0), b0);
    if (u >= H || get_local_id(1) != 0) return;
    #pragma unroll
    for (int r = 0; r < ROWS; r++) {
        if (b0 + r >= B) break;
        gru_row(1, acc[r][0], acc[r][1], acc[r][2], B, H, stepIndex, reverse, lengths, xw + xwOff, bhh, hs + hIn, hs + hOut,
                y + yCol, yW, train, gates + gOff, hnSave + hnOff, b0 + r, u);
    }
}

/* gru_row on VW units u0 .. u0+VW at once: the vector rung's row. */
inline void gru_row_vec(const int full, const REALV accR, const REALV accZ, const REALV accN,
                        const int B, const int H, const int stepIndex, const int reverse, __global const int* lengths,
                        __global const REAL* xw, __global const REAL* bhh, __global const REAL* hIn, __global REAL* hOut,
                        __global REAL* y, const int yW, const int train, __global REAL* gates, __global REAL* hnSave,
                        const int b, const int u0)
{
    const int len = lengths[b];
    const REALV hp = VLOAD(0, hIn + b * H + u0);
    if (stepIndex >= len) {
        VSTORE(hp, 0, hOut + b * H + u0);
        return;
    }
    const int t = time_of(stepIndex, len, reverse);
    __global const REAL* a = xw + b * 3 * H + u0;
    __global REAL* s = gates + b * 3 * H + u0;
    const REALV rg = full ? sigmv(VLOAD(0, a) + accR + VLOAD(0, bhh + u0)) : (REALV) (1);
    const REALV zg = full ? sigmv(VLOAD(0, a + H) + accZ + VLOAD(0, bhh + H + u0)) : VLOAD(0, s + H);
    const REALV hn = accN + VLOAD(0, bhh + 2 * H + u0);
    const REALV ng = tanh(VLOAD(0, a + 2 * H) + rg * hn);
    const REALV h = ((REALV) (1) - zg) * ng + zg * hp;
    VSTORE(h, 0, hOut + b * H + u0);
    VSTORE(h, 0, y + (t * B + b) * yW + u0);
    if (train) {
        if (full) {
            VSTORE(rg, 0, s);
            VSTORE(zg, 0, s + H);
        }
        VSTORE(ng, 0, s + 2 * H);
        VSTORE(hn, 0, hnSave + b * H + u0);
    }
}

/* Units u0 .. u0+VW of rows b0 .. b0+VROWS for one step, on the step's slices: the body of gru_step_vec and gru_sweep_vec. */
inline void gru_units_vec(const int B, const int H, const int stepIndex, const int reverse, __global const int* lengths,
                          __global const REAL* xw, __global const REAL* whhP, __global const REAL* bhh,
                          __global const REAL* hIn, __global REAL* hOut, __global REAL* y, const int yW,
                          const int train, __global REAL* gates, __global REAL* hnSave, const int b0, const int u0)
{
    REALV acc[VROWS][4];
    recurrent_vec(3, 0, 3, acc, B, H, hIn, whhP, b0, u0);
    #pragma unroll
    for (int r = 0; r < VROWS; r++) {
        if (b0 + r >= B) break;
        gru_row_vec(1, acc[r][0], acc[r][1], acc[r][2], B, H, stepIndex, reverse, lengths, xw, bhh, hIn, hOut,
                    y, yW, train, gates, hnSave, b0 + r, u0);
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
    gru_units_vec(B, H, stepIndex, reverse, lengths, xw + xwOff, whhP, bhh, hs + hIn, hs + hOut, y + yCol, yW,
                  train, gates + gOff, hnSave + hnOff, b0, u0);
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
                gru_units_vec(B, H, k, reverse, lengths, xw + k * B * 3 * H, whhP, bhh,
                              hs + sIn * B * H, hs + sOut * B * H, y + yCol, yW,
                              train, gates + k * B * 3 * H, hnSave + k * B * H, b0, u0);
        barrier(CLK_GLOBAL_MEM_FENCE);
    }
}

/* Reset-before-linear, phase 1: r and z into gates, r⊙h_prev into rh. */
__kernel __attribute__((reqd_work_group_size(UNITS, KSPLIT, 1)))
void gru_rz(const int B, const int H, const int stepIndex, __global const int* lengths,
            __global const REAL* xw, const int xwOff, __global const REAL* whhT, __global const REAL* bhh,
            __global const REAL* hs, const int hIn,
            __global REAL* gates, const int gOff, __global REAL* rh, const int rhOff)
{
    STEP_LOCALS;
    REAL acc[ROWS][4];
    const int u = get_global_id(0), b0 = get_group_id(1) * ROWS;
    recurrent(2, 0, 3, acc, hTile, part, B, H, H, hs, hIn, whhT, u, get_local_id(0), b0);
    if (u >= H || get_local_id(1) != 0) return;
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
__kernel __attribute__((reqd_work_group_size(UNITS, KSPLIT, 1)))
void gru_n(const int B, const int H, const int stepIndex, const int reverse, __global const int* lengths,
           __global const REAL* xw, const int xwOff, __global const REAL* whhT, __global const REAL* bhh,
           __global REAL* hs, const int hIn, const int hOut,
           __global const REAL* rh, const int rhOff,
           __global REAL* y, const int yCol, const int yW,
           const int train, __global REAL* gates, const int gOff, __global REAL* hnSave, const int hnOff)
{
    STEP_LOCALS;
    REAL acc[ROWS][4];
    const int u = get_global_id(0), b0 = get_group_id(1) * ROWS;
    recurrent(1, 2, 3, acc, hTile, part, B, H, H, rh, rhOff, whhT, u, get_local_id(0), b0);
    if (u >= H || get_local_id(1) != 0) return;
    #pragma unroll
    for (int r = 0; r < ROWS; r++) {
        if (b0 + r >= B) break;
        gru_row(0, 0, 0, acc[r][0], B, H, stepIndex, reverse, lengths, xw + xwOff, bhh, hs + hIn, hs + hOut,
                y + yCol, yW, train, gates + gOff, hnSave + hnOff, b0 + r, u);
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
    REALV acc[VROWS][4];
    recurrent_vec(2, 0, 3, acc, B, H, hs + hIn, whhP, b0, u0);
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
    REALV acc[VROWS][4];
    recurrent_vec(1, 2, 3, acc, B, H, rh + rhOff, whhP, b0, u0);
    #pragma unroll
    for (int r = 0; r < VROWS; r++) {
        if (b0 + r >= B) break;
        gru_row_vec(0, (REALV) (0), (REALV) (0), acc[r][0], B, H, stepIndex, reverse, lengths, xw + xwOff, bhh, hs + hIn,
                    hs + hOut, y + yCol, yW, train, gates + gOff, hnSave + hnOff, b0 + r, u0);
    }
}
