package io.fusedrnn.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static io.fusedrnn.Cell.F;
import static io.fusedrnn.Cell.G;
import static io.fusedrnn.Cell.I;
import static io.fusedrnn.Cell.N;
import static io.fusedrnn.Cell.O;
import static io.fusedrnn.Cell.R;
import static io.fusedrnn.Cell.Z;

/**
 * The float primitives: GEMM from {@link FloatGemm}, cells vectorized over units (vector body, one
 * masked tail). σ and tanh are built on the Vector API's EXP (SVML on x86: within 1 ulp, and smooth).
 * One of a pair: the fp64 file is generated from the fp32 one (see package-info).
 */
final class FloatKernels extends Kernels<float[]> {
    private static final VectorSpecies<Float> S = FloatGemm.S;
    private static final int L = FloatGemm.L;

    @Override
    float[] alloc(int n) {
        return new float[n];
    }

    @Override
    int panelWidth() {
        return FloatGemm.NR;
    }

    @Override
    float[] fromDoubles(double[] src, int off, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) src[off + i];
        return a;
    }

    @Override
    void zero(float[] a, int off, int n) {
        java.util.Arrays.fill(a, off, off + n, (float) 0);
    }

    @Override
    void add(float[] src, int so, float[] dst, int dOff, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(S, dst, dOff + i).add(FloatVector.fromArray(S, src, so + i)).intoArray(dst, dOff + i);
        }
        for (; i < n; i++) dst[dOff + i] += src[so + i];
    }

    @Override
    void pack(float[] src, int off, int rs, int cs, int k, int n, float[] dst, int p0, int p1) {
        FloatGemm.pack(src, off, rs, cs, k, n, dst, p0, p1);
    }

    @Override
    void gemm(float[] a, int aOff, int ars, int acs, int m, int k, float[] b, int bOff, int n, int p0, int p1,
              float[] c, int cOff, int ldc, boolean accumulate, float[] bias) {
        FloatGemm.gemm(a, aOff, ars, acs, m, k, b, bOff, n, p0, p1, c, cOff, ldc, accumulate, bias);
    }

    @Override
    void transpose(float[] src, int rows, int cols, int j0, int j1, float[] dst) {
        // 64-row strips: each source line read serves 16 consecutive columns while it is in L1
        for (int i0 = 0; i0 < rows; i0 += 64) {
            int i1 = Math.min(rows, i0 + 64);
            for (int j = j0; j < j1; j++) {
                for (int i = i0; i < i1; i++) dst[j * rows + i] = src[i * cols + j];
            }
        }
    }

    @Override
    void columnSums(float[] src, int off, int ld, int rows, int j0, int j1, float[] dst, int dOff) {
        for (int i = 0; i < rows; i++) add(src, off + i * ld + j0, dst, dOff + j0, j1 - j0);
    }

    // ---- cells ----

    private static FloatVector ld(float[] a, int i, VectorMask<Float> m) {
        return m == null ? FloatVector.fromArray(S, a, i) : FloatVector.fromArray(S, a, i, m);
    }

    private static void st(FloatVector v, float[] a, int i, VectorMask<Float> m) {
        if (m == null) v.intoArray(a, i);
        else v.intoArray(a, i, m);
    }

    private static FloatVector sigmoid(FloatVector v) {
        FloatVector one = FloatVector.broadcast(S, (float) 1);
        return one.div(v.neg().lanewise(VectorOperators.EXP).add(one));
    }

    /**
     * tanh(v) = 1 − 2 / (e^{2v} + 1): one EXP (about 1.3 ns per lane here) instead of TANH (about 4 ns).
     * Near 0 the error is absolute, about one ulp of 1, which the tolerances allow; it is smooth.
     */
    private static FloatVector tanh(FloatVector v) {
        FloatVector one = FloatVector.broadcast(S, (float) 1);
        return one.sub(one.add(one).div(v.add(v).lanewise(VectorOperators.EXP).add(one)));
    }

    /** Mask for the tail u..u1, or null for a full vector. */
    private static VectorMask<Float> tail(int u, int u1) {
        return u + L <= u1 ? null : S.indexInRange(u, u1);
    }

    @Override
    void sigmoidOfSum(float[] a, int ao, float[] b, int bo, int n) {
        for (int j = 0; j < n; j += L) {
            VectorMask<Float> k = tail(j, n);
            st(sigmoid(ld(a, ao + j, k).add(ld(b, bo + j, k))), a, ao + j, k);
        }
    }

    @Override
    void tanhOfSum(float[] a, int ao, float[] b, int bo, int n) {
        for (int j = 0; j < n; j += L) {
            VectorMask<Float> k = tail(j, n);
            st(tanh(ld(a, ao + j, k).add(ld(b, bo + j, k))), a, ao + j, k);
        }
    }

    @Override
    void lstmCell(int hs, int u0, int u1, float[] gates, int go, float[] c, int co, float[] m, int mo) {
        for (int u = u0; u < u1; u += L) {
            VectorMask<Float> k = tail(u, u1);
            FloatVector i = ld(gates, go + I * hs + u, k), f = ld(gates, go + F * hs + u, k);
            FloatVector g = ld(gates, go + G * hs + u, k), o = ld(gates, go + O * hs + u, k);
            FloatVector cn = f.fma(ld(c, co + u, k), i.mul(g));
            st(cn, c, co + u, k);
            st(o.mul(tanh(cn)), m, mo + u, k);
        }
    }

    @Override
    void lstmBackOutput(int hs, int u0, int u1, float[] dm, int dmo, float[] gates, float[] cOut, int ro,
                        float[] dc, int dco, float[] dA, int dao) {
        FloatVector one = FloatVector.broadcast(S, (float) 1);
        for (int u = u0; u < u1; u += L) {
            VectorMask<Float> k = tail(u, u1);
            FloatVector o = ld(gates, ro * 4 * hs + O * hs + u, k), tc = tanh(ld(cOut, ro * hs + u, k));
            FloatVector d = ld(dm, dmo + u, k);
            st(ld(dc, dco + u, k).add(d.mul(o).mul(one.sub(tc.mul(tc)))), dc, dco + u, k);
            st(d.mul(tc).mul(o).mul(one.sub(o)), dA, dao + O * hs + u, k);
        }
    }

    @Override
    void lstmBackGates(int hs, int u0, int u1, float[] gates, float[] cIn, int ro, float[] dc, int dco, float[] dA, int dao) {
        FloatVector one = FloatVector.broadcast(S, (float) 1);
        for (int u = u0; u < u1; u += L) {
            VectorMask<Float> k = tail(u, u1);
            int go = ro * 4 * hs + u;
            FloatVector i = ld(gates, go + I * hs, k), f = ld(gates, go + F * hs, k), g = ld(gates, go + G * hs, k);
            FloatVector cp = ld(cIn, ro * hs + u, k), dcv = ld(dc, dco + u, k);
            st(dcv.mul(f), dc, dco + u, k);
            st(dcv.mul(g).mul(i).mul(one.sub(i)), dA, dao + I * hs + u, k);
            st(dcv.mul(cp).mul(f).mul(one.sub(f)), dA, dao + F * hs + u, k);
            st(dcv.mul(i).mul(one.sub(g.mul(g))), dA, dao + G * hs + u, k);
        }
    }

    @Override
    void gruNew(int hs, int u0, int u1, float[] xp, int xo, float[] hp, int hpo, float[] bhn, float[] h, int ho,
                float[] hNew, int hno) {
        for (int u = u0; u < u1; u += L) {
            VectorMask<Float> k = tail(u, u1);
            FloatVector r = ld(xp, xo + R * hs + u, k), z = ld(xp, xo + Z * hs + u, k);
            FloatVector hnv = ld(hp, hpo + N * hs + u, k).add(ld(bhn, u, k));
            FloatVector n = tanh(r.fma(hnv, ld(xp, xo + N * hs + u, k)));
            st(hnv, hp, hpo + N * hs + u, k);
            st(n, xp, xo + N * hs + u, k);
            st(z.fma(ld(h, ho + u, k).sub(n), n), hNew, hno + u, k);
        }
    }

    @Override
    void gruResetGates(int hs, int u0, int u1, float[] xp, int xo, float[] hp, int hpo, float[] h, int ho,
                       float[] g, int go, float[] rh, int rho) {
        for (int u = u0; u < u1; u += L) {
            VectorMask<Float> k = tail(u, u1);
            FloatVector r = sigmoid(ld(xp, xo + R * hs + u, k).add(ld(hp, hpo + R * hs + u, k)));
            FloatVector z = sigmoid(ld(xp, xo + Z * hs + u, k).add(ld(hp, hpo + Z * hs + u, k)));
            st(r, g, go + R * hs + u, k);
            st(z, g, go + Z * hs + u, k);
            st(r.mul(ld(h, ho + u, k)), rh, rho + u, k);
        }
    }

    @Override
    void gruResetOutput(int hs, int u0, int u1, float[] xp, int xo, float[] hp, int hpo, float[] g, int go, float[] h, int ho,
                        float[] hNew, int hno) {
        for (int u = u0; u < u1; u += L) {
            VectorMask<Float> k = tail(u, u1);
            FloatVector n = tanh(ld(xp, xo + N * hs + u, k).add(ld(hp, hpo + N * hs + u, k)));
            FloatVector z = ld(g, go + Z * hs + u, k);
            st(n, g, go + N * hs + u, k);
            st(z.fma(ld(h, ho + u, k).sub(n), n), hNew, hno + u, k);
        }
    }

    @Override
    void gruBackward(boolean lbr, int hs, int u0, int u1, float[] dh, int dho, float[] gates, float[] hn, float[] hIn, int ro,
                     float[] dAx, float[] dAh, int dao, float[] dAs, int dso, float[] dhz, int dzo) {
        FloatVector one = FloatVector.broadcast(S, (float) 1);
        for (int u = u0; u < u1; u += L) {
            VectorMask<Float> k = tail(u, u1);
            int go = ro * 3 * hs + u;
            FloatVector r = ld(gates, go + R * hs, k), z = ld(gates, go + Z * hs, k), n = ld(gates, go + N * hs, k);
            FloatVector d = ld(dh, dho + u, k), hp = ld(hIn, ro * hs + u, k);
            FloatVector dan = d.mul(one.sub(z)).mul(one.sub(n.mul(n)));
            FloatVector daz = d.mul(hp.sub(n)).mul(z).mul(one.sub(z));
            st(d.mul(z), dhz, dzo + u, k);
            st(daz, dAx, dao + Z * hs + u, k);
            st(dan, dAx, dao + N * hs + u, k);
            st(daz, dAh, dao + Z * hs + u, k);
            st(daz, dAs, dso + Z * hs + u, k);
            if (lbr) {
                FloatVector dar = dan.mul(ld(hn, ro * hs + u, k)).mul(r).mul(one.sub(r));
                FloatVector dahn = dan.mul(r);
                st(dar, dAx, dao + R * hs + u, k);
                st(dar, dAh, dao + R * hs + u, k);
                st(dar, dAs, dso + R * hs + u, k);
                st(dahn, dAh, dao + N * hs + u, k);
                st(dahn, dAs, dso + N * hs + u, k);
            } else {
                st(dan, dAh, dao + N * hs + u, k);
                st(dan, dAs, dso + N * hs + u, k);
            }
        }
    }

    @Override
    void gruResetBackward(int hs, int u0, int u1, float[] drh, int dro, float[] gates, float[] hIn, int ro,
                          float[] dAx, float[] dAh, int dao, float[] dAs, int dso, float[] dhz, int dzo, float[] dhp, int dpo) {
        FloatVector one = FloatVector.broadcast(S, (float) 1);
        for (int u = u0; u < u1; u += L) {
            VectorMask<Float> k = tail(u, u1);
            FloatVector r = ld(gates, ro * 3 * hs + R * hs + u, k);
            FloatVector d = ld(drh, dro + u, k);
            FloatVector dar = d.mul(ld(hIn, ro * hs + u, k)).mul(r).mul(one.sub(r));
            st(dar, dAx, dao + R * hs + u, k);
            st(dar, dAh, dao + R * hs + u, k);
            st(dar, dAs, dso + R * hs + u, k);
            st(d.fma(r, ld(dhz, dzo + u, k)), dhp, dpo + u, k);
        }
    }
}
