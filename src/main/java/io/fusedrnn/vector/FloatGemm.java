package io.fusedrnn.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-tiled float GEMM over packed B panels (layout in {@link Kernels}): a 4-row × 2-vector tile
 * for row blocks, a 1-row × 4-panel strip for the rows left over (B = 1 is a matrix-vector product).
 * One of a pair: the fp64 file is generated from the fp32 one (see package-info).
 */
final class FloatGemm {
    /** The machine's widest vectors (256-bit AVX2 here); the tiles are counted in vectors, not lanes. */
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Panel width: two vectors, so the 4-row tile holds 8 accumulators (C2 spills beyond ~12 live vectors). */
    static final int NR = 2 * L;
    /** Rows of A per block (mc × KC, 64 KiB: 64 rows), so the block of C they feed also fits in L2. */
    private static final int A_BLOCK_BYTES = 64 * 1024;
    /** K block: a panel's slice (KC × NR floats = 16 KiB) stays in L1 while the row tiles reuse it. */
    private static final int KC = 256;

    private FloatGemm() {
    }

    static void pack(float[] src, int off, int rs, int cs, int k, int n, float[] dst, int p0, int p1) {
        for (int p = p0; p < p1; p++) {
            int j0 = p * NR, w = Math.min(NR, n - j0), d = p * k * NR;
            for (int kk = 0; kk < k; kk++, d += NR) {
                int s = off + kk * rs + j0 * cs;
                if (cs == 1 && w == NR) {
                    System.arraycopy(src, s, dst, d, NR);
                    continue;
                }
                for (int j = 0; j < w; j++) dst[d + j] = src[s + j * cs];
                for (int j = w; j < NR; j++) dst[d + j] = 0;
            }
        }
    }

    static void gemm(float[] a, int aOff, int ars, int acs, int m, int k, float[] b, int bOff, int n, int p0, int p1,
                     float[] c, int cOff, int ldc, boolean acc, float[] bias) {
        if (m <= 0 || p0 >= p1) return;
        int mc = Math.max(4, Math.min(m, A_BLOCK_BYTES / (Float.BYTES * Math.min(k, KC))) & ~3);
        // row-major A is read in place; A given transposed is copied block by block into row-major
        // scratch, since a variable stride in the K loop would keep C2 from hoisting its bounds checks
        float[] ap = acs == 1 ? a : scratch(Math.min(m, mc) * Math.min(k, KC));
        int ps = k * NR;
        // M blocks outside K blocks: a block of C (mc rows of this call's panels) stays in L2 while all
        // of K accumulates into it, instead of going to memory and back once per K block
        for (int m0 = 0; m0 < m; m0 += mc) {
            int m1 = Math.min(m, m0 + mc), rowsIn = m1 - m0, full = rowsIn & ~3;
            for (int k0 = 0; k0 < k; k0 += KC) {
                int kc = Math.min(KC, k - k0), ao, lda;
                boolean more = k0 > 0 || acc;
                float[] bs = k0 == 0 ? bias : null;
                if (acs == 1) {
                    ao = aOff + m0 * ars + k0;
                    lda = ars;
                } else {
                    packA(a, aOff + m0 * ars + k0 * acs, ars, acs, rowsIn, kc, ap);
                    ao = 0;
                    lda = kc;
                }
                for (int p = p0; p < p1; p++) {
                    int col = p * NR, bo = bOff + p * ps + k0 * NR;
                    for (int i = 0; i < full; i += 4) {
                        tile4(ap, ao + i * lda, lda, kc, b, bo, c, cOff + (m0 + i) * ldc + col, ldc, n - col, more, bs, col);
                    }
                }
                for (int i = full; i < rowsIn; i++) {
                    int p = p0, ai = ao + i * lda, co = cOff + (m0 + i) * ldc;
                    for (; p + 4 <= p1; p += 4) {
                        strip4(ap, ai, kc, b, bOff + p * ps + k0 * NR, ps, c, co + p * NR, n - p * NR, more, bs, p * NR);
                    }
                    for (; p < p1; p++) {
                        strip1(ap, ai, kc, b, bOff + p * ps + k0 * NR, c, co + p * NR, n - p * NR, more, bs, p * NR);
                    }
                }
            }
        }
    }

    /** Copies a rows × kc block of A (element (i, kk) at a[off + i·rs + kk·cs]) into row-major ap. */
    private static void packA(float[] a, int off, int rs, int cs, int rows, int kc, float[] ap) {
        for (int kk = 0; kk < kc; kk++) {
            int s = off + kk * cs;
            for (int i = 0; i < rows; i++) ap[i * kc + kk] = a[s + i * rs];
        }
    }

    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[1][0]);

    /** Per-thread A-packing buffer (workers are long-lived, so it is allocated once). */
    private static float[] scratch(int n) {
        float[][] h = SCRATCH.get();
        if (h[0].length < n) h[0] = new float[n];
        return h[0];
    }

    /** 4 rows × NR columns: 8 accumulators, 2 B loads and 4 broadcasts per k. */
    private static void tile4(float[] a, int ao, int lda, int k, float[] b, int bo, float[] c, int co, int ldc,
                              int w, boolean acc, float[] bias, int bc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        int a1 = ao + lda, a2 = a1 + lda, a3 = a2 + lda;
        for (int kk = 0; kk < k; kk++) {
            int bi = bo + kk * NR;
            FloatVector b0 = FloatVector.fromArray(S, b, bi), b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector x = FloatVector.broadcast(S, a[ao + kk]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + kk]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + kk]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + kk]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        if (w >= NR) {
            // whole panels inline: a call to store() would box the eight accumulators (C2 does not
            // inline it here, the call site being cold relative to the K loop)
            int o1 = co + ldc, o2 = o1 + ldc, o3 = o2 + ldc;
            if (bias != null) {
                FloatVector b0 = FloatVector.fromArray(S, bias, bc), b1 = FloatVector.fromArray(S, bias, bc + L);
                c00 = c00.add(b0);
                c01 = c01.add(b1);
                c10 = c10.add(b0);
                c11 = c11.add(b1);
                c20 = c20.add(b0);
                c21 = c21.add(b1);
                c30 = c30.add(b0);
                c31 = c31.add(b1);
            }
            if (acc) {
                c00 = c00.add(FloatVector.fromArray(S, c, co));
                c01 = c01.add(FloatVector.fromArray(S, c, co + L));
                c10 = c10.add(FloatVector.fromArray(S, c, o1));
                c11 = c11.add(FloatVector.fromArray(S, c, o1 + L));
                c20 = c20.add(FloatVector.fromArray(S, c, o2));
                c21 = c21.add(FloatVector.fromArray(S, c, o2 + L));
                c30 = c30.add(FloatVector.fromArray(S, c, o3));
                c31 = c31.add(FloatVector.fromArray(S, c, o3 + L));
            }
            c00.intoArray(c, co);
            c01.intoArray(c, co + L);
            c10.intoArray(c, o1);
            c11.intoArray(c, o1 + L);
            c20.intoArray(c, o2);
            c21.intoArray(c, o2 + L);
            c30.intoArray(c, o3);
            c31.intoArray(c, o3 + L);
            return;
        }
        store(c00, c, co, w, acc, bias, bc);
        store(c01, c, co + L, w - L, acc, bias, bc + L);
        store(c10, c, co + ldc, w, acc, bias, bc);
        store(c11, c, co + ldc + L, w - L, acc, bias, bc + L);
        store(c20, c, co + 2 * ldc, w, acc, bias, bc);
        store(c21, c, co + 2 * ldc + L, w - L, acc, bias, bc + L);
        store(c30, c, co + 3 * ldc, w, acc, bias, bc);
        store(c31, c, co + 3 * ldc + L, w - L, acc, bias, bc + L);
    }

    /** 1 row × 4 panels (stride ps): 8 independent accumulators hide the FMA latency a single row would expose. */
    private static void strip4(float[] a, int ao, int k, float[] b, int bo, int ps, float[] c, int co,
                               int w, boolean acc, float[] bias, int bc) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        int q1 = bo + ps, q2 = bo + 2 * ps, q3 = bo + 3 * ps;
        for (int kk = 0; kk < k; kk++) {
            FloatVector x = FloatVector.broadcast(S, a[ao + kk]);
            int o = kk * NR;
            c0 = x.fma(FloatVector.fromArray(S, b, bo + o), c0);
            c1 = x.fma(FloatVector.fromArray(S, b, bo + o + L), c1);
            c2 = x.fma(FloatVector.fromArray(S, b, q1 + o), c2);
            c3 = x.fma(FloatVector.fromArray(S, b, q1 + o + L), c3);
            c4 = x.fma(FloatVector.fromArray(S, b, q2 + o), c4);
            c5 = x.fma(FloatVector.fromArray(S, b, q2 + o + L), c5);
            c6 = x.fma(FloatVector.fromArray(S, b, q3 + o), c6);
            c7 = x.fma(FloatVector.fromArray(S, b, q3 + o + L), c7);
        }
        if (w >= 4 * NR) {
            // whole panels inline, as in tile4: a call to store() would box the accumulators
            if (bias != null) {
                c0 = c0.add(FloatVector.fromArray(S, bias, bc));
                c1 = c1.add(FloatVector.fromArray(S, bias, bc + L));
                c2 = c2.add(FloatVector.fromArray(S, bias, bc + 2 * L));
                c3 = c3.add(FloatVector.fromArray(S, bias, bc + 3 * L));
                c4 = c4.add(FloatVector.fromArray(S, bias, bc + 4 * L));
                c5 = c5.add(FloatVector.fromArray(S, bias, bc + 5 * L));
                c6 = c6.add(FloatVector.fromArray(S, bias, bc + 6 * L));
                c7 = c7.add(FloatVector.fromArray(S, bias, bc + 7 * L));
            }
            if (acc) {
                c0 = c0.add(FloatVector.fromArray(S, c, co));
                c1 = c1.add(FloatVector.fromArray(S, c, co + L));
                c2 = c2.add(FloatVector.fromArray(S, c, co + 2 * L));
                c3 = c3.add(FloatVector.fromArray(S, c, co + 3 * L));
                c4 = c4.add(FloatVector.fromArray(S, c, co + 4 * L));
                c5 = c5.add(FloatVector.fromArray(S, c, co + 5 * L));
                c6 = c6.add(FloatVector.fromArray(S, c, co + 6 * L));
                c7 = c7.add(FloatVector.fromArray(S, c, co + 7 * L));
            }
            c0.intoArray(c, co);
            c1.intoArray(c, co + L);
            c2.intoArray(c, co + 2 * L);
            c3.intoArray(c, co + 3 * L);
            c4.intoArray(c, co + 4 * L);
            c5.intoArray(c, co + 5 * L);
            c6.intoArray(c, co + 6 * L);
            c7.intoArray(c, co + 7 * L);
            return;
        }
        store(c0, c, co, w, acc, bias, bc);
        store(c1, c, co + L, w - L, acc, bias, bc + L);
        store(c2, c, co + NR, w - NR, acc, bias, bc + NR);
        store(c3, c, co + NR + L, w - NR - L, acc, bias, bc + NR + L);
        store(c4, c, co + 2 * NR, w - 2 * NR, acc, bias, bc + 2 * NR);
        store(c5, c, co + 2 * NR + L, w - 2 * NR - L, acc, bias, bc + 2 * NR + L);
        store(c6, c, co + 3 * NR, w - 3 * NR, acc, bias, bc + 3 * NR);
        store(c7, c, co + 3 * NR + L, w - 3 * NR - L, acc, bias, bc + 3 * NR + L);
    }

    /**
     * 1 row × 1 panel. K runs in order in one accumulator pair, as in {@link #tile4} and {@link #strip4},
     * so a row's result never depends on which kernel its block fell to (a chunked sweep equals the whole one).
     */
    private static void strip1(float[] a, int ao, int k, float[] b, int bo, float[] c, int co,
                               int w, boolean acc, float[] bias, int bc) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0;
        for (int kk = 0; kk < k; kk++) {
            int o = bo + kk * NR;
            FloatVector x = FloatVector.broadcast(S, a[ao + kk]);
            c0 = x.fma(FloatVector.fromArray(S, b, o), c0);
            c1 = x.fma(FloatVector.fromArray(S, b, o + L), c1);
        }
        if (w >= NR) {
            if (bias != null) {
                c0 = c0.add(FloatVector.fromArray(S, bias, bc));
                c1 = c1.add(FloatVector.fromArray(S, bias, bc + L));
            }
            if (acc) {
                c0 = c0.add(FloatVector.fromArray(S, c, co));
                c1 = c1.add(FloatVector.fromArray(S, c, co + L));
            }
            c0.intoArray(c, co);
            c1.intoArray(c, co + L);
            return;
        }
        store(c0, c, co, w, acc, bias, bc);
        store(c1, c, co + L, w - L, acc, bias, bc + L);
    }

    /** Stores the first w (&le; L) lanes of v at c[co..], adding bias and the old C when asked. */
    private static void store(FloatVector v, float[] c, int co, int w, boolean acc, float[] bias, int bc) {
        if (w >= L) {
            if (bias != null) v = v.add(FloatVector.fromArray(S, bias, bc));
            if (acc) v = v.add(FloatVector.fromArray(S, c, co));
            v.intoArray(c, co);
        } else if (w > 0) {
            VectorMask<Float> m = S.indexInRange(0, w);
            if (bias != null) v = v.add(FloatVector.fromArray(S, bias, bc, m));
            if (acc) v = v.add(FloatVector.fromArray(S, c, co, m));
            v.intoArray(c, co, m);
        }
    }
}
