package io.fusedrnn.vector;

import io.fusedrnn.FusedRnnException;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Persistent workers that run one job on every worker at once (the caller is worker 0): a sweep of T
 * steps is one job whose steps synchronize through counters ({@link Phase}), not a task per step.
 * Waiting spins first (a step takes microseconds), then yields, then parks, so idle workers cost nothing.
 */
final class WorkerPool {
    /** Work for one worker; {@link #await} synchronizes with the others. */
    interface Job {
        void run(int worker);
    }

    /** Spins before yielding: covers a recurrent step at small batch without a system call. */
    private static final int SPINS = 1 << 12;
    /** Then yields (a loaded machine may be running the worker we wait for on our core), then parks. */
    private static final int YIELDS = 1 << 8;
    private static final long PARK_NANOS = 100_000;
    /** An idle worker's sleep between sweeps (it is woken explicitly; this only bounds a missed wake-up). */
    private static final long IDLE_PARK_NANOS = 50_000_000;

    private final int size;
    private final Thread[] threads;
    /** 1 while worker w is parked; a wake-up racing with parking costs at most PARK_NANOS. */
    private final AtomicIntegerArray parked;
    private final AtomicInteger done = new AtomicInteger();
    private volatile int jobSeq;
    private volatile Job job;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean shutdown;

    WorkerPool(int size) {
        this.size = size;
        this.threads = new Thread[size];
        this.parked = new AtomicIntegerArray(size);
        for (int w = 1; w < size; w++) {
            int me = w;
            Thread t = new Thread(() -> loop(me), "fusedrnn-vector-" + w);
            t.setDaemon(true);
            threads[w] = t;
            t.start();
        }
    }

    int size() {
        return size;
    }

    /** Runs job on every worker and returns when all are done; rethrows the first failure. */
    synchronized void run(Job j) {
        if (shutdown) throw new IllegalStateException("vector backend worker pool was shut down");
        threads[0] = Thread.currentThread();
        failure.set(null);
        done.set(0);
        job = j;
        jobSeq = jobSeq + 1;
        wakeAll();
        try {
            j.run(0);
        } catch (Aborted e) {
            // another worker failed first; its failure is rethrown below
        } catch (Throwable t) {
            fail(t);
        }
        int spins = 0;
        while (done.get() != size - 1) spins = pause(0, spins);
        job = null;
        Throwable f = failure.get();
        if (f != null) {
            if (f instanceof RuntimeException r) throw r;
            if (f instanceof Error e) throw e;
            throw new FusedRnnException("vector backend worker failed: " + f, f);
        }
    }

    /** Waits until counter[index] reaches target (or another worker fails). */
    void await(int worker, AtomicIntegerArray counter, int index, int target) {
        int spins = 0;
        while (counter.get(index) < target) {
            if (failure.get() != null) throw new Aborted();
            spins = pause(worker, spins);
        }
    }

    /** Wakes the workers that gave up spinning. */
    void wakeParked() {
        wakeAll();
    }

    void shutdown() {
        shutdown = true;
        for (int w = 1; w < size; w++) LockSupport.unpark(threads[w]);
    }

    private void loop(int me) {
        int seen = 0;
        while (true) {
            int spins = 0;
            while (jobSeq == seen) {
                if (shutdown) return;
                if (spins < SPINS + YIELDS) {
                    spins = pause(me, spins);
                    continue;
                }
                // idle between sweeps: sleep until run() unparks us. The flag is set before the
                // re-check, and run() publishes the job before reading the flag, so no wake-up is lost;
                // the timeout is only a safety net
                parked.set(me, 1);
                if (jobSeq == seen && !shutdown) LockSupport.parkNanos(this, IDLE_PARK_NANOS);
                parked.set(me, 0);
            }
            seen = jobSeq;
            try {
                job.run(me);
            } catch (Aborted e) {
                // the failing worker recorded the cause
            } catch (Throwable t) {
                fail(t);
            }
            done.incrementAndGet();
            wakeOne(0);
        }
    }

    private void fail(Throwable t) {
        failure.compareAndSet(null, t);
        wakeAll();
    }

    private int pause(int me, int spins) {
        if (spins < SPINS) {
            Thread.onSpinWait();
            return spins + 1;
        }
        if (spins < SPINS + YIELDS) {
            Thread.yield();
            return spins + 1;
        }
        parked.set(me, 1);
        LockSupport.parkNanos(this, PARK_NANOS);
        parked.set(me, 0);
        return spins;
    }

    private void wakeAll() {
        for (int w = 0; w < size; w++) wakeOne(w);
    }

    private void wakeOne(int w) {
        Thread t = threads[w];
        if (t != null && parked.get(w) != 0) LockSupport.unpark(t);
    }

    /** Thrown out of a wait when another worker has failed, to unwind this one. */
    private static final class Aborted extends RuntimeException {
        Aborted() {
            super(null, null, false, false);
        }
    }
}
