package io.fusedrnn.vector;

import io.fusedrnn.Backend;
import io.fusedrnn.BackendContract;

/** The contract on the Vector API backend, with two workers so the step barriers are exercised. */
class VectorBackendTest extends BackendContract {
    @Override
    protected Backend open() {
        return new VectorBackend(2);
    }
}
