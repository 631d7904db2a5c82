package io.fusedrnn.serve;

import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters of an {@link RnnService}: requests accepted, rejected (queue full), answered,
 * failed, timed out and cancelled; rows per sweep, time queued per request and compute time per sweep.
 */
public final class ServiceStats {
    final LongAdder accepted = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder answered = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder timedOut = new LongAdder();
    final LongAdder cancelled = new LongAdder();
    final LongAdder sweeps = new LongAdder();
    final LongAdder launchedFull = new LongAdder();
    final LongAdder launchedWaited = new LongAdder();
    final LongAdder launchedIdle = new LongAdder();
    final LongAdder launchedBound = new LongAdder();
    private final Histogram batchRows = new Histogram(1, 2, 4, 8, 16, 32, 64, 128, 256);
    private final Histogram queueSeconds = new Histogram(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5);
    private final Histogram computeSeconds = new Histogram(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5);

    ServiceStats() {
    }

    /**
     * The request counters at one moment (each read once, so they add up as well as requests still in
     * flight allow: accepted = answered + failed + timed out + cancelled + those still queued or computing).
     *
     * @param accepted  requests accepted into the queue
     * @param rejected  requests refused because the queue was full
     * @param answered  requests answered with a result
     * @param failed    requests whose sweep failed (the backend threw)
     * @param timedOut  requests that timed out before their answer
     * @param cancelled requests cancelled by their caller
     * @param sweeps    sweeps run
     */
    public record Counts(long accepted, long rejected, long answered, long failed, long timedOut, long cancelled, long sweeps) {
    }

    /** {@return the request counters now} */
    public Counts counts() {
        return new Counts(accepted.sum(), rejected.sum(), answered.sum(), failed.sum(), timedOut.sum(), cancelled.sum(), sweeps.sum());
    }

    /**
     * Why batches started, counted once per batch.
     *
     * @param full   the batch reached {@link ServiceOptions#maxBatch}
     * @param waited the oldest request had waited {@link ServiceOptions#maxWait} and the HTTP front end had no work
     * @param idle   held for the HTTP front end until it had no work left ({@link ServiceOptions#maxHold})
     * @param bound  held for the HTTP front end until the hold's limit (max hold, or the previous batch's time)
     */
    public record Launches(long full, long waited, long idle, long bound) {
    }

    /** {@return why batches started, so far} */
    public Launches launches() {
        return new Launches(launchedFull.sum(), launchedWaited.sum(), launchedIdle.sum(), launchedBound.sum());
    }

    /** {@return rows per sweep} */
    public Histogram batchRows() {
        return batchRows;
    }

    /** {@return seconds from submit until the request's sweep started} */
    public Histogram queueSeconds() {
        return queueSeconds;
    }

    /** {@return seconds per sweep: upload, forward and download} */
    public Histogram computeSeconds() {
        return computeSeconds;
    }
}
