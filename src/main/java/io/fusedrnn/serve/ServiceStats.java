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
    private final Histogram batchRows = new Histogram(1, 2, 4, 8, 16, 32, 64, 128, 256);
    private final Histogram queueSeconds = new Histogram(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5);
    private final Histogram computeSeconds = new Histogram(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5);

    ServiceStats() {
    }

    /** {@return requests accepted into the queue} */
    public long accepted() {
        return accepted.sum();
    }

    /** {@return requests refused because the queue was full} */
    public long rejected() {
        return rejected.sum();
    }

    /** {@return requests answered with a result} */
    public long answered() {
        return answered.sum();
    }

    /** {@return requests whose batch failed (the backend threw)} */
    public long failed() {
        return failed.sum();
    }

    /** {@return requests that timed out before their answer} */
    public long timedOut() {
        return timedOut.sum();
    }

    /** {@return requests cancelled by their caller} */
    public long cancelled() {
        return cancelled.sum();
    }

    /** {@return sweeps run (one per length bucket of a batch)} */
    public long sweeps() {
        return sweeps.sum();
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
