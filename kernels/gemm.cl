/*
 * gemm.cl: C[M,N] = A[M,K]·B[K,N] (+ bias[n]) (+ C when accumulating), every operand addressed through
 * strides, so one kernel serves the input projection x·W_ihᵀ of all T·B rows, the recurrent
 * dh_prev = dA·W_hh of a backward step, dx += dA·W_ih and the weight gradients dAᵀ·x over all T·B rows.
 *
 * Work-items: a work-group computes a TSM×TSN tile of C. It is (TSN/WPTN) × (TSM/WPTM) work-items; the
 * work-item (tx, ty) keeps WPTM×WPTN accumulators in registers for rows ty + i·(TSM/WPTM) and columns
 * tx + j·(TSN/WPTN) (strided, so neighbouring work-items touch neighbouring columns). K advances in
 * tiles of TK values of A and B staged in local memory.
 *
 * CHUNKED (a GPU's layout): the work-item's rows and columns come in runs of 4 instead, rows
 * ty·4 + i + h·4·(TSM/WPTM) for i < 4, h < WPTM/4 (columns alike), so each k reads them from local
 * memory as REAL4 vectors: WPTM/4 + WPTN/4 loads for WPTM·WPTN FMAs instead of WPTM + WPTN. The
 * neighbouring work-items' runs are neighbours (no bank conflicts); the staged tiles' rows are padded
 * by 4 so staging along k does not put a warp's stores in one bank. Needs WPTM % 4 == 0 == WPTN % 4.
 *
 * PREFETCH: the next K tile's loads go to registers before this tile is multiplied and are stored to
 * local memory after, so a work-group's global loads overlap its FMAs instead of waiting at the barrier.
 *
 * Preconditions: TSM % WPTM == 0 and TSN % WPTN == 0; the host rounds the global size up to whole
 * groups and the edges are checked here, so any M, N, K ≥ 0 works.
 *
 * Split K: with S work-groups along dimension 2, group z reduces over its own slice of K (whole TK
 * tiles) and writes its partial sums to C + z·M·ldc, without bias or accumulation; gemm_sum then
 * adds the S slices into the real C. A GPU gets the parallelism a small M×N lacks this way (the
 * recurrent gradient of a backward step is B × H outputs over 4H); S = 1 is the plain GEMM.
 *
 * gemm_vec, the CPU rung of the ladder: no local memory and no barriers (a CPU OpenCL compiler keeps
 * values that live across a barrier in memory, which starves the FMA units); instead each work-item
 * computes RM rows × 2·VW columns with explicit VW-wide vectors, 2·RM vector accumulators in
 * registers (docs/DESIGN.md, OpenCL kernel ladder); VW is the device's preferred vector width.
 * Precondition: B's rows are contiguous (sbn == 1); the right edge (fewer than 2·VW columns left)
 * runs scalar. Or B is packed in panels of 2·VW columns (packedB: sbn is the panel stride, N % (2·VW) == 0), as the
 * host packs W_ihᵀ for the input projection.
 */
#ifndef TSM
#define TSM 32
#endif
#ifndef TSN
#define TSN 32
#endif
#ifndef TK
#define TK 16
#endif
#ifndef WPTM
#define WPTM 4
#endif
#ifndef WPTN
#define WPTN 4
#endif
#define RTSM (TSM / WPTM)
#define RTSN (TSN / WPTN)
#ifndef CHUNKED
#define CHUNKED 0
#endif
#if CHUNKED
#define PAD 4
/* local row (column) of the work-item's i-th row (j-th column) */
#define ROW_OF(i) (((i) / 4) * 4 * RTSM + ty * 4 + (i) % 4)
#define COL_OF(j) (((j) / 4) * 4 * RTSN + tx * 4 + (j) % 4)
#else
#define PAD 0
#define ROW_OF(i) (ty + (i) * RTSM)
#define COL_OF(j) (tx + (j) * RTSN)
#endif
#define LDA (TSM + PAD)
#define LDB (TSN + PAD)
#ifndef PREFETCH
#define PREFETCH 0
#endif
#define THREADS (RTSM * RTSN)
#define PER_A ((TK * TSM + THREADS - 1) / THREADS)
#define PER_B ((TK * TSN + THREADS - 1) / THREADS)

/*
 * Element e (< TK·TSM) of the A tile from k0: its place in the staged tile (*at) and its value (0 past
 * the edges). Staging walks whichever index is contiguous in memory, so neighbouring work-items' loads
 * coalesce. stage_b alike for B (< TK·TSN).
 */
inline REAL stage_a(const int e, const int k0, const int kEnd, const int m0, const int M,
                    __global const REAL* A, const int aOff, const int sam, const int sak, int* at)
{
    const int kk = sak == 1 ? e % TK : e / TSM;
    const int mm = sak == 1 ? e / TK : e % TSM;
    const int m = m0 + mm, k = k0 + kk;
    *at = kk * LDA + mm;
    return (m < M && k < kEnd) ? A[aOff + m * sam + k * sak] : (REAL) 0;
}

inline REAL stage_b(const int e, const int k0, const int kEnd, const int n0, const int N,
                    __global const REAL* B, const int bOff, const int sbk, const int sbn, int* at)
{
    const int kk = sbn == 1 ? e / TSN : e % TK;
    const int nn = sbn == 1 ? e % TSN : e / TK;
    const int n = n0 + nn, k = k0 + kk;
    *at = kk * LDB + nn;
    return (n < N && k < kEnd) ? B[bOff + k * sbk + n * sbn] : (REAL) 0;
}

/* acc += the staged A tile's rows × the staged B tile's columns of this work-item, over the TK k. */
inline void multiply_tiles(REAL acc[WPTM][WPTN], __local const REAL4* As4, __local const REAL4* Bs4, const int tx, const int ty)
{
    __local const REAL* As = (__local const REAL*) As4;
    __local const REAL* Bs = (__local const REAL*) Bs4;
    for (int kk = 0; kk < TK; kk++) {
        REAL a[WPTM], b[WPTN];
#if CHUNKED
        #pragma unroll
        for (int h = 0; h < WPTM / 4; h++) {
            const REAL4 v = As4[(kk * LDA + h * 4 * RTSM + ty * 4) / 4];
            a[4 * h] = v.x; a[4 * h + 1] = v.y; a[4 * h + 2] = v.z; a[4 * h + 3] = v.w;
        }
        #pragma unroll
        for (int h = 0; h < WPTN / 4; h++) {
            const REAL4 v = Bs4[(kk * LDB + h * 4 * RTSN + tx * 4) / 4];
            b[4 * h] = v.x; b[4 * h + 1] = v.y; b[4 * h + 2] = v.z; b[4 * h + 3] = v.w;
        }
#else
        #pragma unroll
        for (int i = 0; i < WPTM; i++) a[i] = As[kk * LDA + ROW_OF(i)];
        #pragma unroll
        for (int j = 0; j < WPTN; j++) b[j] = Bs[kk * LDB + COL_OF(j)];
#endif
        #pragma unroll
        for (int i = 0; i < WPTM; i++)
            #pragma unroll
            for (int j = 0; j < WPTN; j++) acc[i][j] = fma(a[i], b[j], acc[i][j]);
    }
}

__kernel __attribute__((reqd_work_group_size(RTSN, RTSM, 1)))
void gemm(const int M, const int N, const int K,
          __global const REAL* A, const int aOff, const int sam, const int sak,
          __global const REAL* B, const int bOff, const int sbk, const int sbn,
          __global REAL* C, const int cOff, const int ldc,
          __global const REAL* bias, const int useBias, const int accumulate)
{
    /* declared as vectors so the chunked reads are aligned vector loads */
    __local REAL4 As4[(TK * LDA + 3) / 4], Bs4[(TK * LDB + 3) / 4];
    __local REAL* As = (__local REAL*) As4;
    __local REAL* Bs = (__local REAL*) Bs4;
    const int tx = get_local_id(0), ty = get_local_id(1);
    const int n0 = get_group_id(0) * TSN, m0 = get_group_id(1) * TSM;
    const int tid = ty * RTSN + tx;
    const int slices = get_num_groups(2), z = get_group_id(2);
    const int kPer = ((K + slices - 1) / slices + TK - 1) / TK * TK;
    const int kBegin = z * kPer, kEnd = min(K, kBegin + kPer);

    REAL acc[WPTM][WPTN];
    #pragma unroll
    for (int i = 0; i < WPTM; i++)
        #pragma unroll
        for (int j = 0; j < WPTN; j++) acc[i][j] = 0;

#if PREFETCH
    /* the next tiles wait in registers while this one is multiplied: their loads overlap the FMAs */
    REAL pa[PER_A], pb[PER_B];
    int ia[PER_A], ib[PER_B];
    #pragma unroll
    for (int l = 0; l < PER_A; l++)
        if (tid + l * THREADS < TK * TSM) pa[l] = stage_a(tid + l * THREADS, kBegin, kEnd, m0, M, A, aOff, sam, sak, &ia[l]);
    #pragma unroll
    for (int l = 0; l < PER_B; l++)
        if (tid + l * THREADS < TK * TSN) pb[l] = stage_b(tid + l * THREADS, kBegin, kEnd, n0, N, B, bOff, sbk, sbn, &ib[l]);
    for (int k0 = kBegin; k0 < kEnd; k0 += TK) {
        #pragma unroll
        for (int l = 0; l < PER_A; l++)
            if (tid + l * THREADS < TK * TSM) As[ia[l]] = pa[l];
        #pragma unroll
        for (int l = 0; l < PER_B; l++)
            if (tid + l * THREADS < TK * TSN) Bs[ib[l]] = pb[l];
        barrier(CLK_LOCAL_MEM_FENCE);
        if (k0 + TK < kEnd) {
            #pragma unroll
            for (int l = 0; l < PER_A; l++)
                if (tid + l * THREADS < TK * TSM) pa[l] = stage_a(tid + l * THREADS, k0 + TK, kEnd, m0, M, A, aOff, sam, sak, &ia[l]);
            #pragma unroll
            for (int l = 0; l < PER_B; l++)
                if (tid + l * THREADS < TK * TSN) pb[l] = stage_b(tid + l * THREADS, k0 + TK, kEnd, n0, N, B, bOff, sbk, sbn, &ib[l]);
        }
        multiply_tiles(acc, As4, Bs4, tx, ty);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
#else
    for (int k0 = kBegin; k0 < kEnd; k0 += TK) {
        int at;
        for (int e = tid; e < TK * TSM; e += THREADS) {
            const REAL v = stage_a(e, k0, kEnd, m0, M, A, aOff, sam, sak, &at);
            As[at] = v;
        }
        for (int e = tid; e < TK * TSN; e += THREADS) {
            const REAL v = stage_b(e, k0, kEnd, n0, N, B, bOff, sbk, sbn, &at);
            Bs[at] = v;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        multiply_tiles(acc, As4, Bs4, tx, ty);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
#endif

    #pragma unroll
    for (int i = 0; i < WPTM; i++) {
        const int m = m0 + ROW_OF(i);
        if (m >= M) continue;
        #pragma unroll
        for (int j = 0; j < WPTN; j++) {
            const int n = n0 + COL_OF(j);
            if (n >= N) continue;
            REAL v = acc[i][j];
            if (useBias) v += bias[n];
            const int at = cOff + z * M * ldc + m * ldc + n;
            C[at] = accumulate ? C[at] + v : v;
        }
    }
}

/* C[m, n] (+)= Σ_z P[z·M·N + m·N + n] (+ bias[n]): the S partial products of a split-K gemm. */
__kernel void gemm_sum(const int M, const int N, const int S, __global const REAL* P,
                       __global REAL* C, const int cOff, const int ldc,
                       __global const REAL* bias, const int useBias, const int accumulate)
{
    const int n = get_global_id(0), m = get_global_id(1);
    if (n >= N || m >= M) return;
    REAL v = 0;
    for (int z = 0; z < S; z++) v += P[z * M * N + m * N + n];
    if (useBias) v += bias[n];
    const int at = cOff + m * ldc + n;
    C[at] = accumulate ? C[at] + v : v;
}

#ifndef RM
#define RM 4
#endif

__kernel void gemm_vec(const int M, const int N, const int K,
                       __global const REAL* A, const int aOff, const int sam, const int sak,
                       __global const REAL* B, const int bOff, const int sbk, const int sbn,
                       __global REAL* C, const int cOff, const int ldc,
                       __global const REAL* bias, const int useBias, const int accumulate, const int packedB)
{
    /* dimension 0 walks rows: the work-items a CPU thread runs one after another share one B panel */
    const int m0 = get_global_id(0) * RM, n0 = get_global_id(1) * 2 * VW;
    if (n0 >= N || m0 >= M) return;
    int aRow[RM];
    #pragma unroll
    for (int i = 0; i < RM; i++) aRow[i] = aOff + min(m0 + i, M - 1) * sam; /* clamped: edge rows compute, never store */

    if (n0 + 2 * VW <= N) {
        REALV acc0[RM], acc1[RM];
        #pragma unroll
        for (int i = 0; i < RM; i++) {
            acc0[i] = (REALV) (0);
            acc1[i] = (REALV) (0);
        }
        /* packed B: panels of 2·VW columns, sbn apart, each [K][2·VW] (sbk = 2·VW): one stream per work-item */
        __global const REAL* b = packedB ? B + bOff + (n0 / (2 * VW)) * sbn : B + bOff + n0;
        for (int k = 0; k < K; k++, b += sbk) {
            const REALV b0 = VLOAD(0, b), b1 = VLOAD(0, b + VW);
            #pragma unroll
            for (int i = 0; i < RM; i++) {
                const REALV a = (REALV) (A[aRow[i] + k * sak]);
                acc0[i] = fma(a, b0, acc0[i]);
                acc1[i] = fma(a, b1, acc1[i]);
            }
        }
        #pragma unroll
        for (int i = 0; i < RM; i++) {
            if (m0 + i >= M) break;
            __global REAL* c = C + cOff + (m0 + i) * ldc + n0;
            REALV v0 = acc0[i], v1 = acc1[i];
            if (useBias) {
                v0 += VLOAD(0, bias + n0);
                v1 += VLOAD(0, bias + n0 + VW);
            }
            if (accumulate) {
                v0 += VLOAD(0, c);
                v1 += VLOAD(0, c + VW);
            }
            VSTORE(v0, 0, c);
            VSTORE(v1, 0, c + VW);
        }
    } else {
        #pragma unroll
        for (int i = 0; i < RM; i++) {
            if (m0 + i >= M) break;
            for (int n = n0; n < N; n++) {
                REAL v = 0;
                for (int k = 0; k < K; k++) v = fma(A[aRow[i] + k * sak], B[bOff + k * sbk + n], v);
                if (useBias) v += bias[n];
                const int at = cOff + (m0 + i) * ldc + n;
                C[at] = accumulate ? C[at] + v : v;
            }
        }
    }
}
