package io.fusedrnn.vector;

import io.fusedrnn.Backend;
import io.fusedrnn.BackendContract;

/**
 * The contract with every step split by rows ({@link Recurrence#byRows}), three workers each taking
 * every third slot. The default splits by rows only from a batch of 8 rows per worker, which few
 * contract cases reach. Ragged cases leave a worker with no running row at some steps (in backward
 * its carry must still add dy for its rows that start at the next step).
 */
class VectorBackendRowSplitTest extends BackendContract {
    @Override
    protected Backend open() {
        return new VectorBackend(3, Recurrence.Split.ROWS);
    }
}
