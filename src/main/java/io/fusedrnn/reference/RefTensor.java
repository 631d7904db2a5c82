package io.fusedrnn.reference;

import io.fusedrnn.Backend;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;

/** A heap tensor of the reference backend: float64 storage, rounded to float32 on every store in fp32. */
final class RefTensor extends Tensor {
    final double[] data;

    RefTensor(Backend owner, Precision precision, int[] shape) {
        super(owner, precision, shape);
        data = new double[Math.toIntExact(size())];
    }

    /** Stores v at i, rounded to this tensor's precision. */
    void set(int i, double v) {
        data[i] = precision() == Precision.FP32 ? (float) v : v;
    }

    @Override
    protected void writeDoubles(double[] src) {
        for (int i = 0; i < src.length; i++) set(i, src[i]);
    }

    @Override
    protected void writeFloats(float[] src) {
        for (int i = 0; i < src.length; i++) data[i] = src[i];
    }

    @Override
    protected double[] readDoubles() {
        return data.clone();
    }

    @Override
    protected float[] readFloats() {
        float[] out = new float[data.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) data[i];
        return out;
    }

    @Override
    protected void release() {
    }
}
