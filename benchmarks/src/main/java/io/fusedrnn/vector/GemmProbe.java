package io.fusedrnn.vector;

/**
 * The vector backend's float GEMM (its register tile over packed B panels) on one problem, for the
 * benchmarks' GEMM ceiling and GEMM JMH benchmark. It lives in the library's package because the GEMM
 * is package-private there; it is part of the benchmarks jar, never of the library.
 */
public final class GemmProbe {
    private final FloatMath kernels = new FloatMath();
    private final int m, k, n;
    private final boolean transposedA;
    private final float[] a, packedB, c;

    /**
     * A problem C[M, N] = A[M, K] · B[K, N] with B packed once, as the backend packs its weights.
     *
     * @param transposedA A stored column-major, as the weight gradients read it
     */
    public GemmProbe(int m, int k, int n, boolean transposedA) {
        this.m = m;
        this.k = k;
        this.n = n;
        this.transposedA = transposedA;
        a = new float[m * k];
        c = new float[m * n];
        float[] b = new float[k * n];
        for (int i = 0; i < a.length; i++) a[i] = (i % 7) * 0.1f;
        for (int i = 0; i < b.length; i++) b[i] = (i % 5) * 0.1f;
        packedB = new float[kernels.packedSize(k, n)];
        kernels.pack(b, 0, n, 1, k, n, packedB, 0, kernels.panels(n));
    }

    /** One product on the calling thread. */
    public void run() {
        if (transposedA) kernels.gemm(a, 0, 1, m, m, k, packedB, 0, n, 0, kernels.panels(n), c, 0, n, false, null);
        else kernels.gemm(a, 0, k, 1, m, k, packedB, 0, n, 0, kernels.panels(n), c, 0, n, false, null);
    }

    /** FLOPs of one product: 2·M·K·N. */
    public double flops() {
        return 2.0 * m * k * n;
    }

    /** One element of C, so a caller can keep the work alive. */
    public float probe() {
        return c[c.length / 2];
    }
}
