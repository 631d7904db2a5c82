package io.fusedrnn.vector;

import io.fusedrnn.Backend;
import io.fusedrnn.BackendContract;

/** The contract with more workers than cores and than chunks of most shapes: uneven claims and idle workers. */
class VectorBackendThreeWorkersTest extends BackendContract {
    @Override
    protected Backend open() {
        return new VectorBackend(3);
    }
}
