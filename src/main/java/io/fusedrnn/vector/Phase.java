package io.fusedrnn.vector;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * A piece of work done once per step in chunks (e.g. panels of hidden units), shared by the workers
 * without a barrier: each worker claims its own chunks first (so its slice of W_hh stays in its
 * cache), then any chunk still unclaimed, and the step is over when all chunks are done. A worker
 * descheduled by other load on the machine therefore delays a step by at most the chunk it holds;
 * the others take over the rest, and it catches up by finding the chunks of past steps taken.
 */
final class Phase {
    /** Work on one chunk at one step. */
    interface Body {
        void run(int chunk);
    }

    final int chunks;
    private final int workers;
    private final WorkerPool pool;
    /** Per chunk: how many steps have claimed it, so step k claims it by moving k to k + 1. */
    private final AtomicIntegerArray stamp;
    /** Chunks finished over all steps. */
    private final AtomicInteger done = new AtomicInteger();

    Phase(WorkerPool pool, int chunks) {
        this.pool = pool;
        this.workers = pool.size();
        this.chunks = chunks;
        this.stamp = new AtomicIntegerArray(chunks);
    }

    /** Runs step k on worker w: claims and runs chunks until none is left, then waits for the others'. */
    void run(int w, int k, Body body) {
        int own = StepTimes.split(chunks, w, workers);
        for (int i = 0; i < chunks; i++) {
            int c = own + i < chunks ? own + i : own + i - chunks;
            if (stamp.get(c) == k && stamp.compareAndSet(c, k, k + 1)) {
                body.run(c);
                if (done.incrementAndGet() == chunks * (k + 1)) pool.wakeParked();
            }
        }
        pool.await(w, done, chunks * (k + 1));
    }
}
