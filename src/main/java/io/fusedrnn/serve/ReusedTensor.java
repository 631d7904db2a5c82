package io.fusedrnn.serve;

import io.fusedrnn.Backend;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * One input tensor a batcher refills sweep after sweep: kept while the shape repeats, replaced (the
 * old one closed) when it changes. Used by one thread.
 */
final class ReusedTensor implements AutoCloseable {
    private Tensor tensor;

    /** {@return the tensor of this shape holding {@code data} (its remaining values)} */
    Tensor write(Backend be, Precision p, FloatBuffer data, int... shape) {
        Tensor t = shaped(be, p, shape);
        t.write(data);
        return t;
    }

    /** {@return the tensor of this shape holding {@code data}} */
    Tensor write(Backend be, Precision p, double[] data, int... shape) {
        Tensor t = shaped(be, p, shape);
        t.write(data);
        return t;
    }

    private Tensor shaped(Backend be, Precision p, int[] shape) {
        if (tensor != null && !tensor.isClosed() && Arrays.equals(tensor.shape(), shape)) return tensor;
        close();
        tensor = be.allocate(p, shape);
        return tensor;
    }

    /** Frees the kept tensor; the next write allocates again. */
    @Override
    public void close() {
        if (tensor != null) tensor.close();
        tensor = null;
    }
}
