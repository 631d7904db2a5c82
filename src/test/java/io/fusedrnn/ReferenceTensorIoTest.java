package io.fusedrnn;

import io.fusedrnn.reference.ReferenceBackend;

/** Host copies of the reference backend's float64-stored tensors. */
class ReferenceTensorIoTest extends TensorIoContract {
    @Override
    protected Backend open() {
        return new ReferenceBackend();
    }
}
