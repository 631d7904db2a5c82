package io.fusedrnn.serve;

import io.fusedrnn.FusedRnnException;

import java.time.Duration;

/**
 * How {@link RnnService} forms batches.
 *
 * @param maxBatch      most requests in one batch (≥ 1)
 * @param maxWait       how long the oldest waiting request may wait for others to join its batch
 * @param queueCapacity most requests waiting at once; more are rejected with {@link QueueFullException}
 * @param sweepCost     the fixed cost of one sweep in rows' worth of work: a batch sorted by length is
 *                      split into sweeps where the padding saved outweighs this ({@code 0}: one sweep per
 *                      distinct length; {@link Integer#MAX_VALUE}: always one sweep)
 * @param maxHold       how long a batch that is ready may still be held while the HTTP front end
 *                      ({@link RnnHttpServer}) is reading requests or writing answers, so that the sweep
 *                      does not share the cores with that work and the requests being read join it; never
 *                      longer than the previous batch took ({@link Duration#ZERO}: never hold; in-process
 *                      callers are never held)
 * @param segmentSteps  step-level batching for unidirectional models: the rows in flight advance at most
 *                      this many steps per sweep, and between sweeps finished rows leave and queued
 *                      requests join, so a request arriving under load waits for the current segment
 *                      rather than the current batch ({@code 0}: whole sequences per batch, as for
 *                      bidirectional and reverse models, which always batch whole sequences)
 */
public record ServiceOptions(int maxBatch, Duration maxWait, int queueCapacity, int sweepCost, Duration maxHold, int segmentSteps) {

    /** The default {@code maxHold}, of {@link #DEFAULTS} and of the four-field constructor. */
    private static final Duration DEFAULT_HOLD = Duration.ofMillis(50);

    /** The default {@code segmentSteps}, of {@link #DEFAULTS} and of the shorter constructors. */
    private static final int DEFAULT_SEGMENT = 32;

    /**
     * The defaults of {@code fusedrnn serve}: 64 rows, 2 ms, 10 000 waiting, sweep cost 64 rows (so a
     * batch of up to 64 runs as one sweep; measured: benchmarks/RESULTS.md, "Serving, round 3"), hold
     * up to 50 ms and the previous batch's time ("Serving, round 5"), segments of 32 steps for unidirectional
     * models ("Serving, round 10").
     */
    public static final ServiceOptions DEFAULTS = new ServiceOptions(64, Duration.ofMillis(2), 10_000, 64, DEFAULT_HOLD, DEFAULT_SEGMENT);

    /** Checks each field; a bad one is a {@link FusedRnnException} naming it. */
    public ServiceOptions {
        if (maxBatch < 1) throw new FusedRnnException("max batch: expected >= 1, found " + maxBatch);
        if (maxWait == null || maxWait.isNegative()) throw new FusedRnnException("max wait: expected >= 0, found " + maxWait);
        if (queueCapacity < 1) throw new FusedRnnException("queue capacity: expected >= 1, found " + queueCapacity);
        if (sweepCost < 0) throw new FusedRnnException("sweep cost: expected >= 0, found " + sweepCost);
        if (maxHold == null || maxHold.isNegative()) throw new FusedRnnException("max hold: expected >= 0, found " + maxHold);
        if (segmentSteps < 0) throw new FusedRnnException("segment steps: expected >= 0 (0: whole sequences), found " + segmentSteps);
    }

    /**
     * Options with the default segment ({@link #DEFAULTS}' {@code segmentSteps}).
     *
     * @param maxBatch      most requests in one batch (≥ 1)
     * @param maxWait       how long the oldest waiting request may wait for others
     * @param queueCapacity most requests waiting at once
     * @param sweepCost     the fixed cost of one sweep in rows
     * @param maxHold       how long a ready batch may wait for the HTTP front end
     */
    public ServiceOptions(int maxBatch, Duration maxWait, int queueCapacity, int sweepCost, Duration maxHold) {
        this(maxBatch, maxWait, queueCapacity, sweepCost, maxHold, DEFAULT_SEGMENT);
    }

    /**
     * Options with the default hold ({@link #DEFAULTS}' {@code maxHold}).
     *
     * @param maxBatch      most requests in one batch (≥ 1)
     * @param maxWait       how long the oldest waiting request may wait for others
     * @param queueCapacity most requests waiting at once
     * @param sweepCost     the fixed cost of one sweep in rows
     */
    public ServiceOptions(int maxBatch, Duration maxWait, int queueCapacity, int sweepCost) {
        this(maxBatch, maxWait, queueCapacity, sweepCost, DEFAULT_HOLD, DEFAULT_SEGMENT);
    }

    /**
     * These options with another maximum batch size.
     *
     * @param n most requests in one batch
     * @return a copy with the new maximum
     */
    public ServiceOptions withMaxBatch(int n) {
        return new ServiceOptions(n, maxWait, queueCapacity, sweepCost, maxHold, segmentSteps);
    }

    /**
     * These options with another maximum wait.
     *
     * @param d how long the oldest request may wait for others
     * @return a copy with the new wait
     */
    public ServiceOptions withMaxWait(Duration d) {
        return new ServiceOptions(maxBatch, d, queueCapacity, sweepCost, maxHold, segmentSteps);
    }

    /**
     * These options with another queue capacity.
     *
     * @param n most requests waiting at once
     * @return a copy with the new capacity
     */
    public ServiceOptions withQueueCapacity(int n) {
        return new ServiceOptions(maxBatch, maxWait, n, sweepCost, maxHold, segmentSteps);
    }

    /**
     * These options with another sweep cost.
     *
     * @param rows the fixed cost of one sweep, in rows
     * @return a copy with the new cost
     */
    public ServiceOptions withSweepCost(int rows) {
        return new ServiceOptions(maxBatch, maxWait, queueCapacity, rows, maxHold, segmentSteps);
    }

    /**
     * These options with another hold limit.
     *
     * @param d how long a ready batch may wait for the HTTP front end's work in hand ({@link Duration#ZERO}: never)
     * @return a copy with the new limit
     */
    public ServiceOptions withMaxHold(Duration d) {
        return new ServiceOptions(maxBatch, maxWait, queueCapacity, sweepCost, d, segmentSteps);
    }

    /**
     * These options with another segment length.
     *
     * @param steps most steps per sweep for step-level batching ({@code 0}: whole sequences)
     * @return a copy with the new segment length
     */
    public ServiceOptions withSegmentSteps(int steps) {
        return new ServiceOptions(maxBatch, maxWait, queueCapacity, sweepCost, maxHold, steps);
    }
}
