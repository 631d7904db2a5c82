package io.fusedrnn.vector;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * A piece of work done once per step in chunks (e.g. panels of hidden units), shared by the workers
 * without a barrier of its own: each worker claims its own chunks first (so its slice of W_hh stays
 * in its cache), then any chunk still unclaimed, and the step is over when all chunks are done. A
 * worker descheduled by other load on the machine therefore delays a step by at most the chunk it
 * holds; the others take over the rest, and it catches up by finding the chunks of past steps taken.
 * A patient phase ({@link #patient}, small batches) takes another worker's chunk only once that
 * worker is late by the time this one's own chunks took: at B = 1 a chunk is a few microseconds of
 * streaming its slice of W_hh from the owner's L2, and taken over it would cost as much to fetch from
 * the other core as to wait for. Every chunk's claim and completion counters sit on cache lines of
 * their own, so a worker writes only lines the others read, not one line all of them write.
 */
final class Phase {
    /** Work on one chunk at one step. */
    interface Body {
        void run(int chunk);
    }

    /** ints between two chunks' counters: 128 bytes, past the adjacent-line prefetch. */
    private static final int PAD = 32;
    /** A patient worker waits at least this long for another worker's chunk. */
    private static final long MIN_PATIENCE_NANOS = 2_000;

    final int chunks;
    private final int workers;
    private final WorkerPool pool;
    private final boolean patient;
    /** At (c + 1)·PAD: how many steps have claimed chunk c, so step k claims it by moving k to k + 1. */
    private final AtomicIntegerArray stamp;
    /** At (c + 1)·PAD: how many steps have finished chunk c. */
    private final AtomicIntegerArray finished;

    /** A phase whose chunks are taken over as soon as they are free (the other workers' last). */
    Phase(WorkerPool pool, int chunks) {
        this(pool, chunks, false);
    }

    private Phase(WorkerPool pool, int chunks, boolean patient) {
        this.pool = pool;
        this.workers = pool.size();
        this.chunks = chunks;
        this.patient = patient;
        this.stamp = new AtomicIntegerArray((chunks + 2) * PAD);
        this.finished = new AtomicIntegerArray((chunks + 2) * PAD);
    }

    /** A phase whose chunks another worker takes over only when their own worker is late. */
    static Phase patient(WorkerPool pool, int chunks) {
        return new Phase(pool, chunks, true);
    }

    /** Runs step k on worker w: claims and runs chunks until none is left, then waits for the others'. */
    void run(int w, int k, Body body) {
        int own = StepTimes.split(chunks, w, workers), end = StepTimes.split(chunks, w + 1, workers);
        long t0 = patient ? System.nanoTime() : 0;
        for (int c = own; c < end; c++) claim(c, k, body);
        long patience = patient ? Math.max(MIN_PATIENCE_NANOS, System.nanoTime() - t0) : 0;
        for (int i = end - own; i < chunks; i++) {
            int c = own + i < chunks ? own + i : own + i - chunks;
            if (patient) {
                long t1 = System.nanoTime();
                while (stamp.get((c + 1) * PAD) == k && System.nanoTime() - t1 < patience) Thread.onSpinWait();
            }
            claim(c, k, body);
        }
        for (int c = 0; c < chunks; c++) pool.await(w, finished, (c + 1) * PAD, k + 1);
    }

    private void claim(int c, int k, Body body) {
        int at = (c + 1) * PAD;
        if (stamp.get(at) == k && stamp.compareAndSet(at, k, k + 1)) {
            body.run(c);
            finished.set(at, k + 1);
            pool.wakeParked();
        }
    }
}
