package io.fusedrnn;

import io.fusedrnn.vector.VectorBackend;

/** Host copies of the vector backend's heap tensors (bulk copies of float[] and double[]). */
class VectorTensorIoTest extends TensorIoContract {
    @Override
    protected Backend open() {
        return new VectorBackend(2);
    }
}
