/*
 * preamble.cl: what every kernel file shares. ProgramCache prepends it to each file it builds,
 * followed by a #line directive, so compiler messages name the kernel file's own lines.
 *
 * REAL is the element type (float; double with -D REAL=double -D USE_FP64, which needs
 * cl_khr_fp64). VW is the vector width of the CPU rung, read from the device by the host
 * (CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT or _DOUBLE; 2, 4, 8 or 16); REALV is the VW-wide vector
 * of REAL, with VLOAD and VSTORE. sigm and sigmv are the logistic function on scalars and vectors.
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
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define REALV CAT(REAL, VW)
#define VLOAD CAT(vload, VW)
#define VSTORE CAT(vstore, VW)

inline REAL sigm(const REAL v) { return (REAL) 1 / ((REAL) 1 + exp(-v)); }
inline REALV sigmv(const REALV v) { return (REALV) (1) / ((REALV) (1) + exp(-v)); }

/* The time index a row of length len reads at step k of a sweep (k < len). */
inline int time_of(const int k, const int len, const int reverse) { return reverse ? len - 1 - k : k; }

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
