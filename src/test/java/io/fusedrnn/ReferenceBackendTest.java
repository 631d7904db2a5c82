package io.fusedrnn;

import io.fusedrnn.reference.ReferenceBackend;

/**
 * The contract on the scalar reference backend. Its float64 results are the yardstick the other
 * backends are compared with, so here they answer to independent checks only: PyTorch's float64
 * fixtures and the central-difference gradient check (the self-comparison is skipped).
 */
class ReferenceBackendTest extends BackendContract {
    @Override
    protected Backend open() {
        return new ReferenceBackend();
    }

    @Override
    protected boolean isTheReference() {
        return true;
    }
}
