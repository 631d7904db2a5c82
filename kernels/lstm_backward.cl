/*
 * lstm_backward.cl: one LSTM step of BPTT (docs/DESIGN.md, Backward);
 * gate order i, f, g, o as in docs/DESIGN.md, Semantics (io.fusedrnn.Cell). Forward: lstm.cl.
 *
 * lstm_backward_step: per (unit u, row b): dh = dh_rec + dy[t], the pre-activation gate gradients dA
 *   and dc <- dc·f; with a projection, dm = W_hrᵀ dh and dh is saved for dW_hr. dh_prev = dA·W_hh
 *   follows as a GEMM on the same queue. Row b is active while step < len[b] and reads time
 *   time_of(step, len[b], reverse); an inactive row passes dh and dc through unchanged.
 * lstm_backward_sweep_vec: every backward step in one launch of one work-group, for the small batches
 *   lstm.cl's lstm_sweep_vec serves (no projection; H % VW == 0).
 *
 * Preconditions: OUT <= H; the host rounds global sizes up; dA is zero on entry.
 */

/*
 * One backward step for row b, unit u. The kernels take buffers and offsets (the host cannot pass an
 * interior pointer); this function takes the step's slices: dy from column dyCol (rows of dyW), the
 * gates, c_prev and c of this step, dhSave and dA [B, 4H] to write. dhRec [B, OUT] is dL/dh from
 * step+1; dhNext [B, OUT] receives what passes through to step-1 before the GEMM adds dA·W_hh (all of
 * dh for an inactive row, else 0). dc [B, H] is updated in place. dA must be zero on entry for
 * inactive rows to stay zero. With a projection, dm = W_hrᵀ dh and dh itself is saved for dW_hr.
 */
inline void lstm_backward_unit(const int B, const int H, const int OUT, const int stepIndex, const int reverse,
                               __global const int* lengths, __global const REAL* dy, const int dyW,
                               __global const REAL* dhRec, __global REAL* dhNext, __global REAL* dc,
                               __global const REAL* gates, __global const REAL* cPrev, __global const REAL* cCur,
                               const int project, __global const REAL* whr /* [P, H] */, __global REAL* dhSave,
                               __global REAL* dA, const int u, const int b)
{
    const int len = lengths[b];
    const int active = stepIndex < len;
    const int t = time_of(stepIndex, len, reverse);
    __global const REAL* dyRow = dy + (t * B + b) * dyW;
    if (u < OUT) {
        const REAL d = dhRec[b * OUT + u] + (active ? dyRow[u] : (REAL) 0);
        dhNext[b * OUT + u] = active ? (REAL) 0 : d;
        if (project) dhSave[b * OUT + u] = active ? d : (REAL) 0;
    }
    if (!active) return;

    REAL dm;
    if (project) {
        dm = 0;
        for (int q = 0; q < OUT; q++) dm = fma(dhRec[b * OUT + q] + dyRow[q], whr[q * H + u], dm);
    } else {
        dm = dhRec[b * OUT + u] + dyRow[u];
    }
    const int G4 = 4 * H;
    __global const REAL* s = gates + b * G4 + u;
    const REAL i = s[0], f = s[H], g = s[2 * H], o = s[3 * H];
    const REAL tc = tanh(cCur[b * H + u]);
    const REAL dcv = dc[b * H + u] + dm * o * ((REAL) 1 - tc * tc);
    __global REAL* d = dA + b * G4 + u;
    d[0] = dcv * g * i * ((REAL) 1 - i);
    d[H] = dcv * cPrev[b * H + u] * f * ((REAL) 1 - f);
    d[2 * H] = dcv * i * ((REAL) 1 - g * g);
    d[3 * H] = dm * tc * o * ((REAL) 1 - o);
    dc[b * H + u] = dcv * f;
}

__kernel void lstm_backward_step(const int B, const int H, const int OUT, const int stepIndex, const int reverse,
                                 __global const int* lengths,
                                 __global const REAL* dy, const int dyCol, const int dyW,
                                 __global const REAL* dhRec, __global REAL* dhNext, __global REAL* dc,
                                 __global const REAL* gates, const int gOff,
                                 __global const REAL* cs, const int cPrev, const int cCur,
                                 const int project, __global const REAL* whr,
                                 __global REAL* dhSave, const int dhSaveOff,
                                 __global REAL* dA, const int daOff)
{
    const int u = get_global_id(0), b = get_global_id(1);
    if (u >= H || b >= B) return;
    lstm_backward_unit(B, H, OUT, stepIndex, reverse, lengths, dy + dyCol, dyW, dhRec, dhNext, dc, gates + gOff,
                       cs + cPrev, cs + cCur, project, whr, dhSave + dhSaveOff, dA + daOff, u, b);
}

/*
 * The whole backward recurrence in one launch of ONE work-group (the counterpart of lstm_sweep_vec):
 * per step, the gate gradients of every (unit, row), a work-group barrier, then dh_prev = dA·W_hh
 * with W_hh [4H, H] rows read as VW-wide vectors, and a barrier. dh ping-pongs between dh0 and dh1
 * (dh0 holds dL/dh_n on entry; the result lands in dh(steps % 2)). No projection; H % VW == 0.
 */
__kernel void lstm_backward_sweep_vec(const int B, const int H, const int steps, const int reverse,
                                      __global const int* lengths,
                                      __global const REAL* dy, const int dyCol, const int dyW,
                                      __global REAL* dh0, __global REAL* dh1, __global REAL* dc,
                                      __global const REAL* gates, __global const REAL* cs,
                                      __global const REAL* whh, __global REAL* dA)
{
    const int lid = get_local_id(0), lsz = get_local_size(0), G4 = 4 * H;
    for (int i = 0; i < steps; i++) {
        const int k = steps - 1 - i;
        __global REAL* cur = (i & 1) ? dh1 : dh0;
        __global REAL* nxt = (i & 1) ? dh0 : dh1;
        for (int u = lid; u < H; u += lsz)
            for (int b = 0; b < B; b++)
                lstm_backward_unit(B, H, H, k, reverse, lengths, dy + dyCol, dyW, cur, nxt, dc, gates + k * B * G4,
                                   cs + k * B * H, cs + (k + 1) * B * H, 0, cur, cur, dA + k * B * G4, u, b);
        barrier(CLK_GLOBAL_MEM_FENCE);
        add_da_times_whh(B, H, G4, dA + k * B * G4, whh, nxt, lid, lsz);
        barrier(CLK_GLOBAL_MEM_FENCE);
    }
}
