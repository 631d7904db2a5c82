/*
 * preamble.cl: what every kernel file shares. ProgramCache prepends it to each file it builds,
 * followed by a #line directive, so compiler messages name the kernel file's own lines.
 *
 * REAL is the element type (float; double with -D REAL=double -D USE_FP64, which needs
 * cl_khr_fp64). VW is the vector width of the CPU rung, read from the device by the host
 * (CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT or _DOUBLE; 2, 4, 8 or 16); REALV is the VW-wide vector
 * of REAL, with VLOAD and VSTORE; REAL4 the 4-wide one (the chunked GEMM's local loads). sigm and
 * sigmv are the logistic function on scalars and vectors.
 * time_of is the step-to-time map of docs/DESIGN.md, Semantics: row b at step k reads time
 * len[b]-1-k when the sweep runs in reverse, else k (io.fusedrnn.Sweep#timeOf on the host).
 *
 * OpenCL C 1.2 only: no C11, and fp64 only under the extension pragma. No parameter takes a
 * built-in's name: PoCL reports a parameter called step (the built-in step()) as _cl_step, so the
 * step kernels call theirs stepIndex.
 */
#ifdef USE_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif
#ifndef REAL
#define REAL float
#endif
#ifndef VW
#define VW 8
#endif
/* The step kernels' work-group shape (ClOps passes the ones it launches with): UNITS hidden units ×
 * KSPLIT slices of the recurrent sum per work-group, each work-item ROWS batch rows, h staged in
 * KTILE-wide slices; the vector rung's VROWS rows per work-item. */
#ifndef UNITS
#define UNITS 32
#endif
#ifndef ROWS
#define ROWS 4
#endif
#ifndef KTILE
#define KTILE 64
#endif
#ifndef KSPLIT
#define KSPLIT 1
#endif
/* The local memory of a tiled step kernel: the staged h slice and the K split's partial sums. */
#define STEP_LOCALS __local REAL hTile[ROWS][KTILE]; __local REAL part[KSPLIT][ROWS][4][UNITS]
#ifndef VROWS
#define VROWS 2
#endif
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define REALV CAT(REAL, VW)
#define REAL4 CAT(REAL, 4)
#define VLOAD CAT(vload, VW)
#define VSTORE CAT(vstore, VW)

inline REAL sigm(const REAL v) { return (REAL) 1 / ((REAL) 1 + exp(-v)); }
inline REALV sigmv(const REALV v) { return (REALV) (1) / ((REALV) (1) + exp(-v)); }

/* The time index a row of length len reads at step k of a sweep (k < len). */
inline int time_of(const int k, const int len, const int reverse) { return reverse ? len - 1 - k : k; }

/*
 * The tiled rung's recurrent sums for rows b0 .. b0+ROWS and unit u: acc[r][g] = Σ_k src[srcOff + (b0+r)·K + k]
 * · whhT[k·G·H + (gate0+g)·H + u] for g < nGates (at most 4), with W_hhᵀ [K, G·H] (G gates per unit) and
 * h of width K (H, or P with a projection), staged in local memory KTILE columns at a time. The
 * work-group's KSPLIT rows of work-items (local id 1) take every KSPLIT-th k of a slice and add their
 * partial sums through part[] at the end: only local id 1 = 0 holds the whole sums (a GPU needs the
 * extra work-items; a CPU runs KSPLIT = 1). Called by every work-item of the group (it holds
 * barriers); u ≥ H only helps with the staging. nGates is a constant at every call, so the unrolled
 * gate loops keep only its gates.
 */
inline void recurrent(const int nGates, const int gate0, const int G, REAL acc[ROWS][4], __local REAL hTile[ROWS][KTILE],
                      __local REAL part[KSPLIT][ROWS][4][UNITS],
                      const int B, const int H, const int K, __global const REAL* src, const int srcOff,
                      __global const REAL* whhT, const int u, const int lu, const int b0)
{
    const int GH = G * H;
    const int ks = get_local_id(1);
    #pragma unroll
    for (int r = 0; r < ROWS; r++)
        #pragma unroll
        for (int g = 0; g < 4; g++) acc[r][g] = 0;
    for (int k0 = 0; k0 < K; k0 += KTILE) {
        for (int e = ks * UNITS + lu; e < ROWS * KTILE; e += UNITS * KSPLIT) {
            const int r = e / KTILE, kk = e % KTILE, b = b0 + r, k = k0 + kk;
            hTile[r][kk] = (b < B && k < K) ? src[srcOff + b * K + k] : (REAL) 0;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        if (u < H) {
            const int kn = min(KTILE, K - k0);
            __global const REAL* w = whhT + (k0 + ks) * GH + gate0 * H + u;
            for (int kk = ks; kk < kn; kk += KSPLIT, w += KSPLIT * GH) {
                REAL wg[4];
                #pragma unroll
                for (int g = 0; g < 4; g++) wg[g] = g < nGates ? w[g * H] : (REAL) 0;
                #pragma unroll
                for (int r = 0; r < ROWS; r++) {
                    const REAL hv = hTile[r][kk];
                    #pragma unroll
                    for (int g = 0; g < 4; g++)
                        if (g < nGates) acc[r][g] = fma(wg[g], hv, acc[r][g]);
                }
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
#if KSPLIT > 1
    if (ks > 0) {
        #pragma unroll
        for (int r = 0; r < ROWS; r++)
            #pragma unroll
            for (int g = 0; g < 4; g++)
                if (g < nGates) part[ks][r][g][lu] = acc[r][g];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    if (ks == 0) {
        for (int s = 1; s < KSPLIT; s++)
            #pragma unroll
            for (int r = 0; r < ROWS; r++)
                #pragma unroll
                for (int g = 0; g < 4; g++)
                    if (g < nGates) acc[r][g] += part[s][r][g][lu];
    }
#endif
}

/*
 * The vector rung's recurrent sums for rows b0 .. b0+VROWS and units u0 .. u0+VW: acc[r][g] = Σ_k
 * src[(b0+r)·K + k] · W_hh[(gate0+g)·H + u0 .. +VW, k] for g < nGates (at most 4), with W_hh packed
 * in panels [H/VW][K][G][VW] (ClLayer.pack: the weights of VW units, all G gates, one k after another,
 * one contiguous stream per work-item) and h of width K. No local memory or barriers (a CPU compiler
 * keeps what lives across a barrier in memory). nGates is a constant at every call.
 */
inline void recurrent_vec(const int nGates, const int gate0, const int G, REALV acc[VROWS][4], const int B, const int K,
                          __global const REAL* src, __global const REAL* whhP, const int b0, const int u0)
{
    int row[VROWS];
    #pragma unroll
    for (int r = 0; r < VROWS; r++) {
        row[r] = min(b0 + r, B - 1) * K; /* clamped: edge rows compute, never store */
        #pragma unroll
        for (int g = 0; g < 4; g++) acc[r][g] = (REALV) (0);
    }
    __global const REAL* w = whhP + (u0 / VW) * K * G * VW + gate0 * VW;
    for (int k = 0; k < K; k++, w += G * VW) {
        REALV wg[4];
        #pragma unroll
        for (int g = 0; g < 4; g++) wg[g] = g < nGates ? VLOAD(0, w + g * VW) : (REALV) (0);
        #pragma unroll
        for (int r = 0; r < VROWS; r++) {
            const REALV hv = (REALV) (src[row[r] + k]);
            #pragma unroll
            for (int g = 0; g < 4; g++)
                if (g < nGates) acc[r][g] = fma(wg[g], hv, acc[r][g]);
        }
    }
}

/* dh_prev += dA · W_hh for one step (docs/DESIGN.md, Backward): nxt[b, j] += Σ_g dA[b, g] · w[g, j]
 * for the work-group's columns j (VW at a time, the work-item's share); dA holds B rows of G gates. */
inline void add_da_times_whh(const int B, const int H, const int G, __global const REAL* dA,
                             __global const REAL* w, __global REAL* nxt, const int lid, const int lsz) {
    for (int j0 = lid * VW; j0 < H; j0 += lsz * VW) {
        for (int b = 0; b < B; b++) {
            __global const REAL* d = dA + b * G;
            REALV acc = VLOAD(0, nxt + b * H + j0);
            for (int g = 0; g < G; g++) acc = fma((REALV) (d[g]), VLOAD(0, w + g * H + j0), acc);
            VSTORE(acc, 0, nxt + b * H + j0);
        }
    }
}
