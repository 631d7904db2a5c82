package io.fusedrnn.vector;

import io.fusedrnn.Backend;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;

/**
 * A heap tensor of the vector backend: a float[] (fp32) or double[] (fp64) the kernels read in place.
 * Heap arrays, not off-heap segments: C2 hoists their bounds checks in the micro-kernels reliably.
 */
final class VecTensor extends Tensor {
    /** float[] or double[], by precision. */
    final Object data;

    VecTensor(Backend owner, Precision precision, int[] shape) {
        super(owner, precision, shape);
        int n = Math.toIntExact(size());
        data = precision == Precision.FP32 ? new float[n] : new double[n];
    }

    @Override
    protected void writeDoubles(double[] src) {
        if (data instanceof float[] f) for (int i = 0; i < src.length; i++) f[i] = (float) src[i];
        else System.arraycopy(src, 0, data, 0, src.length);
    }

    @Override
    protected void writeFloats(float[] src) {
        if (data instanceof float[] f) System.arraycopy(src, 0, f, 0, src.length);
        else {
            double[] d = (double[]) data;
            for (int i = 0; i < src.length; i++) d[i] = src[i];
        }
    }

    @Override
    protected double[] readDoubles() {
        if (data instanceof double[] d) return d.clone();
        float[] f = (float[]) data;
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) out[i] = f[i];
        return out;
    }

    @Override
    protected float[] readFloats() {
        if (data instanceof float[] f) return f.clone();
        double[] d = (double[]) data;
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) out[i] = (float) d[i];
        return out;
    }

    @Override
    protected void release() {
        // heap memory: the collector frees it once unreachable
    }
}
