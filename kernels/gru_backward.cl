/*
 * gru_backward.cl: one GRU step of BPTT, both variants (docs/DESIGN.md, Backward); gate order
 * r, z, n as in docs/DESIGN.md, Semantics (io.fusedrnn.Cell). The forward kernels are in gru.cl.
 *
 * gru_backward_step: per (unit u, row b): dh = dh_rec + dy[t], the pre-activation gradients dA_x and
 *   dA_h of the step and dh⊙z towards dh_prev; the recurrent product dh_prev += dA_h·W_hh runs as a
 *   GEMM on the host's queue after it. Row b is active while step < len[b] and then reads time
 *   time_of(step, len[b], reverse); an inactive row passes dh through unchanged.
 * gru_backward_reset: reset-before-linear only, the r gradient from drh = dA_h[n]·W_hn (a GEMM before it).
 * gru_backward_sweep_vec: linear-before-reset, every step in one launch of one work-group (the
 *   counterpart of gru.cl's gru_sweep_vec for small batches on CPUs).
 *
 * Preconditions: the host rounds global sizes up; dA buffers are zero on entry; the vector kernel
 * needs H % VW == 0.
 */

/*
 * One backward step for row b, unit u. The kernels take buffers and offsets (the host cannot pass an
 * interior pointer); this function takes the step's slices: dy from column dyCol (rows of dyW), gates,
 * h_prev and hn [B, ...] of this step, dA_x and dA_h [B, 3H] to write. dhRec [B, H] is dL/dh from
 * step+1; dhNext receives dh⊙z (or all of dh for an inactive row) before GEMMs add dA_h·W_hh; with
 * reset-before-linear the r columns come later from gru_backward_reset.
 */
inline void gru_backward_unit(const int B, const int H, const int stepIndex, const int reverse, __global const int* lengths,
                              __global const REAL* dy, const int dyW, __global const REAL* dhRec, __global REAL* dhNext,
                              __global const REAL* gates, __global const REAL* hPrev, __global const REAL* hn,
                              const int linearBeforeReset, __global REAL* dAx, __global REAL* dAh, const int u, const int b)
{
    const int len = lengths[b];
    const int t = time_of(stepIndex, len, reverse);
    REAL dh = dhRec[b * H + u];
    if (stepIndex >= len) {
        dhNext[b * H + u] = dh;
        return;
    }
    dh += dy[(t * B + b) * dyW + u];
    const int G3 = 3 * H;
    __global const REAL* s = gates + b * G3 + u;
    const REAL rg = s[0], zg = s[H], ng = s[2 * H];
    const REAL hp = hPrev[b * H + u];
    const REAL dan = dh * ((REAL) 1 - zg) * ((REAL) 1 - ng * ng);
    const REAL daz = dh * (hp - ng) * zg * ((REAL) 1 - zg);
    const int at = b * G3 + u;
    dAx[at + H] = daz;
    dAh[at + H] = daz;
    dAx[at + 2 * H] = dan;
    if (linearBeforeReset) {
        const REAL dar = dan * hn[b * H + u] * rg * ((REAL) 1 - rg);
        dAx[at] = dar;
        dAh[at] = dar;
        dAh[at + 2 * H] = dan * rg;
    } else {
        dAh[at + 2 * H] = dan;
    }
    dhNext[b * H + u] = dh * zg;
}

__kernel void gru_backward_step(const int B, const int H, const int stepIndex, const int reverse,
                                __global const int* lengths,
                                __global const REAL* dy, const int dyCol, const int dyW,
                                __global const REAL* dhRec, __global REAL* dhNext,
                                __global const REAL* gates, const int gOff,
                                __global const REAL* hs, const int hIn,
                                __global const REAL* hnSave, const int hnOff, const int linearBeforeReset,
                                __global REAL* dAx, __global REAL* dAh, const int daOff)
{
    const int u = get_global_id(0), b = get_global_id(1);
    if (u >= H || b >= B) return;
    gru_backward_unit(B, H, stepIndex, reverse, lengths, dy + dyCol, dyW, dhRec, dhNext, gates + gOff, hs + hIn,
                      hnSave + hnOff, linearBeforeReset, dAx + daOff, dAh + daOff, u, b);
}

/*
 * Linear-before-reset only: the whole backward recurrence in one launch of ONE work-group (the
 * counterpart of gru_sweep_vec): per step the gate gradients, a barrier, dh_prev += dA_h·W_hh with
 * W_hh [3H, H] rows read as VW-wide vectors, a barrier. dh ping-pongs between dh0 (dL/dh_n on entry)
 * and dh1; the result lands in dh(steps % 2). H % VW == 0.
 */
__kernel void gru_backward_sweep_vec(const int B, const int H, const int steps, const int reverse,
                                     __global const int* lengths,
                                     __global const REAL* dy, const int dyCol, const int dyW,
                                     __global REAL* dh0, __global REAL* dh1,
                                     __global const REAL* gates, __global const REAL* hs, __global const REAL* hnSave,
                                     __global const REAL* whh, __global REAL* dAx, __global REAL* dAh)
{
    const int lid = get_local_id(0), lsz = get_local_size(0), G3 = 3 * H;
    for (int i = 0; i < steps; i++) {
        const int k = steps - 1 - i;
        __global REAL* cur = (i & 1) ? dh1 : dh0;
        __global REAL* nxt = (i & 1) ? dh0 : dh1;
        for (int u = lid; u < H; u += lsz)
            for (int b = 0; b < B; b++)
                gru_backward_unit(B, H, k, reverse, lengths, dy + dyCol, dyW, cur, nxt, gates + k * B * G3,
                                  hs + k * B * H, hnSave + k * B * H, 1, dAx + k * B * G3, dAh + k * B * G3, u, b);
        barrier(CLK_GLOBAL_MEM_FENCE);
        add_da_times_whh(B, H, G3, dAh + k * B * G3, whh, nxt, lid, lsz);
        barrier(CLK_GLOBAL_MEM_FENCE);
    }
}

/*
 * Reset-before-linear only: drh = dA_h[n]·W_hn (a GEMM before this) is dL/d(r⊙h); it gives the r
 * gradient and adds drh⊙r to dh_prev. One work-item per (unit j, row b).
 */
__kernel void gru_backward_reset(const int B, const int H, const int stepIndex, __global const int* lengths,
                                 __global const REAL* drh, __global const REAL* gates, const int gOff,
                                 __global const REAL* hs, const int hIn,
                                 __global REAL* dAx, __global REAL* dAh, const int daOff, __global REAL* dhNext)
{
    const int j = get_global_id(0), b = get_global_id(1);
    if (j >= H || b >= B || stepIndex >= lengths[b]) return;
    const REAL rg = gates[gOff + b * 3 * H + j];
    const REAL d = drh[b * H + j];
    const REAL dar = d * hs[hIn + b * H + j] * rg * ((REAL) 1 - rg);
    dAx[daOff + b * 3 * H + j] = dar;
    dAh[daOff + b * 3 * H + j] = dar;
    dhNext[b * H + j] += d * rg;
}
