package io.fusedrnn.serve;

import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** A request accepted by {@link RnnService}: checked, with its future, wanted outputs and when it was queued. */
record Pending(RnnRequest request, Set<Output> outputs, CompletableFuture<RnnResult> future, long queuedNanos) {

    /** T, the sequence length. */
    int steps() {
        return request.x().length;
    }
}
