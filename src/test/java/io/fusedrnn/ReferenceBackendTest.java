package io.fusedrnn;

import io.fusedrnn.reference.ReferenceBackend;

/** The contract on the scalar reference backend (the oracle must pass its own suite). */
class ReferenceBackendTest extends BackendContract {
    @Override
    protected Backend open() {
        return new ReferenceBackend();
    }
}
