package io.fusedrnn.vector;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * A piece of work done once per step in chunks (e.g. panels of hidden units), shared by the workers
 * in one of two ways. Claimed ({@link #Phase}): each worker claims its own chunks first (so its slice
 * of W_hh stays in its cache), then any chunk still unclaimed, and the step is over when all chunks
 * are done; a worker descheduled by other load on the machine delays a step by at most the chunk it
 * holds, the others take over the rest, and it catches up by finding the chunks of past steps taken.
 * Owned ({@link #owned}): worker w runs chunk w and nothing else, then waits for every other worker
 * to arrive; no claims, and each worker signals on a cache line of its own, which the others only
 * read. For small batches, where a chunk is a few microseconds of streaming its W_hh slice from the
 * owner's L2: a chunk taken over would cost as much to fetch from the other core as to wait for.
 */
final class Phase {
    /** Work on one chunk at one step. */
    interface Body {
        void run(int chunk);
    }

    /** ints between two workers' arrival counters: 128 bytes, past the adjacent-line prefetch. */
    private static final int PAD = 32;

    final int chunks;
    private final int workers;
    private final WorkerPool pool;
    /** Claimed: per chunk, how many steps have claimed it, so step k claims it by moving k to k + 1. */
    private final AtomicIntegerArray stamp;
    /** Claimed: chunks finished over all steps. */
    private final AtomicInteger done;
    /** Owned: at (w + 1)·PAD, the steps worker w has finished. */
    private final AtomicIntegerArray arrived;

    /** A claimed phase of the given number of chunks. */
    Phase(WorkerPool pool, int chunks) {
        this(pool, chunks, false);
    }

    private Phase(WorkerPool pool, int chunks, boolean owned) {
        this.pool = pool;
        this.workers = pool.size();
        this.chunks = chunks;
        if (owned && chunks > workers) throw new IllegalArgumentException("owned phase: " + chunks + " chunks for " + workers + " workers");
        this.stamp = owned ? null : new AtomicIntegerArray(chunks);
        this.done = owned ? null : new AtomicInteger();
        this.arrived = owned ? new AtomicIntegerArray((workers + 2) * PAD) : null;
    }

    /** An owned phase: chunk w is worker w's (at most one chunk per worker). */
    static Phase owned(WorkerPool pool, int chunks) {
        return new Phase(pool, chunks, true);
    }

    /** Runs step k on worker w: its chunks (owned), or claims and runs chunks until none is left (claimed); then waits for the others. */
    void run(int w, int k, Body body) {
        if (arrived != null) {
            if (w < chunks) body.run(w);
            arrived.set((w + 1) * PAD, k + 1);
            pool.wakeParked();
            for (int v = 0; v < workers; v++) if (v != w) pool.await(w, arrived, (v + 1) * PAD, k + 1);
            return;
        }
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
