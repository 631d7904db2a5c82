package io.fusedrnn.serve;

import io.fusedrnn.FusedRnnException;
import io.fusedrnn.model.PreparedRnn;
import io.fusedrnn.model.RnnConfig;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Scores sequences as they arrive, batching concurrent requests into one sweep: the in-process
 * dynamic batcher of {@code fusedrnn serve}, thread-safe, over a {@link PreparedRnn} it does not own.
 *
 * <p>{@link #submit} checks the request in the caller's thread and queues it. One batcher thread
 * takes the oldest request, gathers more until {@link ServiceOptions#maxBatch} or until the oldest has
 * waited {@link ServiceOptions#maxWait} (and, behind {@link RnnHttpServer}, while the front end still has
 * requests to read or answers to write, up to {@link ServiceOptions#maxHold}), sorts the batch by length, splits it into sweeps where that
 * saves padding ({@link ServiceOptions#sweepCost}) and runs each sweep with per-row lengths. Each answer
 * is that sequence's result as if it ran alone (bitwise on the reference, vector and OpenCL backends,
 * tested; with segments, below, the fp32 reference is within one float32 ulp, as it carries a sweep's
 * state in double).
 *
 * <p>For a unidirectional model ({@link ServiceOptions#segmentSteps} above 0, the default) batching is
 * step-level once rows are in flight: the batch gathered as above starts, and then each sweep advances
 * every row in flight by at most that many steps, after which finished rows are answered and queued
 * requests join (up to the max batch) without waiting, each continuing from its own state. A request
 * arriving under load then waits for one segment instead of a whole batch, and a row in flight whose
 * future was cancelled or timed out leaves at the next segment.
 *
 * <p>A full queue rejects with {@link QueueFullException}; a request's timeout completes its future
 * with {@link TimeoutException}; a cancelled or timed-out request that has not started is skipped.
 * {@link #close()} answers everything already accepted, then stops; later submits throw
 * {@link IllegalStateException}.
 */
public final class RnnService implements AutoCloseable {
    private static final long IDLE_POLL_MS = 50;
    /** While holding, the batcher re-reads the front end's count this often. */
    private static final long HOLD_POLL_NANOS = 100_000;
    /**
     * A hold lasts this long after the front end's count was last seen above zero: between the last answer
     * written and a closed-loop client's next request reaching the server the count is briefly zero.
     */
    private static final long SETTLE_NANOS = 500_000;

    private final PreparedRnn model;
    private final RnnConfig cfg;
    private final ServiceOptions options;
    private final BlockingQueue<Pending> queue;
    private final SweepRunner runner;
    /** Step-level batching's rows in flight, or null where whole sequences are batched. */
    private final SegmentRunner segments;
    private final ServiceStats stats = new ServiceStats();
    private final Thread batcher;
    private final Object submitLock = new Object();
    private volatile boolean closed;
    /**
     * Work the HTTP front end has in hand ({@link RnnHttpServer} counts it): exchanges dispatched whose
     * request is not yet submitted, and answered requests whose answer is not yet written. Sweeps run
     * on every core, so a sweep started beside that work waits on it; the batcher holds a ready batch
     * while this is above zero ({@link ServiceOptions#maxHold}).
     */
    final AtomicInteger frontEndWork = new AtomicInteger();
    /** Wall time of the batcher's previous batch: no batch is held longer. */
    private long lastBatchNanos;

    /**
     * Starts the batcher thread.
     *
     * @param model   the prepared model (the caller closes it, after this service)
     * @param options batch size, wait, queue capacity, sweep cost
     */
    public RnnService(PreparedRnn model, ServiceOptions options) {
        if (model == null) throw new FusedRnnException("model: expected a prepared model, found null");
        this.model = model;
        this.cfg = model.config();
        this.options = options == null ? ServiceOptions.DEFAULTS : options;
        this.queue = new LinkedBlockingQueue<>(this.options.queueCapacity());
        this.runner = new SweepRunner(model);
        this.segments = this.options.segmentSteps() > 0 && SegmentRunner.supports(cfg) ? new SegmentRunner(model, this.options.segmentSteps()) : null;
        this.batcher = Thread.ofPlatform().name("fusedrnn-batcher").daemon(true).unstarted(this::loop);
        batcher.start();
    }

    /** {@return the model's configuration} */
    public RnnConfig config() {
        return cfg;
    }

    /** {@return live counters} */
    public ServiceStats stats() {
        return stats;
    }

    /** {@return requests waiting for a batch now} */
    public int queued() {
        return queue.size();
    }

    /**
     * Scores x alone (zero initial states, every output, no timeout).
     *
     * @param x the input sequence, T rows of I floats
     * @return a future for the result
     */
    public CompletableFuture<RnnResult> submit(float[][] x) {
        return submit(RnnRequest.of(x));
    }

    /**
     * Queues a request. The future completes with the result, with {@link TimeoutException} after the
     * request's timeout, or with the backend's exception if its sweep failed; cancelling it before its
     * sweep starts keeps it out of the batch.
     *
     * @param request the input, states, outputs wanted and timeout
     * @return a future for the result
     * @throws FusedRnnException     for a malformed request (one line: field, expected, found)
     * @throws QueueFullException    when the queue is full
     * @throws IllegalStateException after {@link #close()}
     */
    public CompletableFuture<RnnResult> submit(RnnRequest request) {
        Set<Output> outputs = RequestCheck.check(cfg, request);
        CompletableFuture<RnnResult> future = new CompletableFuture<>();
        Pending p = new Pending(request, outputs, future, System.nanoTime());
        synchronized (submitLock) {
            if (closed) throw new IllegalStateException("service: closed; expected submits before close()");
            if (!queue.offer(p)) {
                stats.rejected.increment();
                throw new QueueFullException(options.queueCapacity());
            }
        }
        stats.accepted.increment();
        if (request.timeout() != null) future.orTimeout(Math.max(1, request.timeout().toNanos()), TimeUnit.NANOSECONDS);
        return future;
    }

    private void loop() {
        List<Pending> batch = new ArrayList<>(options.maxBatch());
        while (true) {
            if (segments != null && !segments.isEmpty()) {
                segments.dropDone(this::count); // cancelled or timed out in flight: their rows leave
                long now = System.nanoTime();
                for (Pending next; segments.size() < options.maxBatch() && (next = queue.poll()) != null; ) {
                    if (!skipped(next)) admit(next, now);
                }
                if (!segments.isEmpty()) runSegment();
                continue;
            }
            if (!gather(batch)) {
                runner.close();
                if (segments != null) segments.close();
                return;
            }
            if (batch.isEmpty()) continue;
            long start = System.nanoTime();
            if (segments != null) {
                for (Pending p : batch) admit(p, start);
                runSegment();
            } else {
                runBatch(batch);
            }
            lastBatchNanos = System.nanoTime() - start;
            batch.clear();
        }
    }

    /**
     * Waits for the oldest request and gathers a batch behind it (max batch, max wait, the front end's
     * hold) into {@code batch}, which stays empty when nothing came or the first was skipped.
     *
     * @return false once the service is closed and its queue empty
     */
    private boolean gather(List<Pending> batch) {
        long maxWait = options.maxWait().toNanos(), maxHold = options.maxHold().toNanos();
        Pending first;
        try {
            first = queue.poll(IDLE_POLL_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            return true; // only close() stops the loop, once the queue is empty
        }
        if (first == null) return !(closed && queue.isEmpty());
        if (skipped(first)) return true;
        batch.add(first);
        long deadline = first.queuedNanos() + maxWait;
        long holdUntil = System.nanoTime() + Math.min(maxHold, lastBatchNanos), busyAt = 0;
        boolean busy = false, held = false; // held: waited past the deadline for the front end
        LongAdder launch = stats.launchedFull;
        while (batch.size() < options.maxBatch()) {
            Pending next = queue.poll();
            if (next == null) {
                if (closed) break;
                long now = System.nanoTime();
                if (frontEndWork.get() > 0) {
                    busy = true;
                    busyAt = now;
                }
                boolean hold = busy && now - holdUntil < 0 && now - busyAt < SETTLE_NANOS;
                long wait = Math.max(deadline - now, hold ? Math.min(HOLD_POLL_NANOS, holdUntil - now) : 0);
                if (wait <= 0) {
                    launch = !held ? stats.launchedWaited : now - holdUntil >= 0 ? stats.launchedBound : stats.launchedIdle;
                    break;
                }
                held |= hold && deadline - now <= 0;
                try {
                    next = queue.poll(wait, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    break;
                }
                if (next == null) continue; // the deadline or a hold poll: look again
            }
            if (!skipped(next)) batch.add(next);
        }
        launch.increment();
        return true;
    }

    /** A request joins the rows in flight (step-level batching). */
    private void admit(Pending p, long now) {
        stats.queueSeconds().observe((now - p.queuedNanos()) * 1e-9);
        segments.admit(p);
    }

    /** One segment of the rows in flight; those that finish are answered. */
    private void runSegment() {
        long start = System.nanoTime();
        stats.batchRows().observe(segments.size());
        stats.sweeps.increment();
        List<SegmentRunner.Finished> finished;
        try {
            finished = segments.run();
        } catch (RuntimeException | Error e) {
            segments.clear(p -> fail(p, e));
            if (e instanceof Error err) throw err;
            return;
        } finally {
            stats.computeSeconds().observe((System.nanoTime() - start) * 1e-9);
        }
        for (SegmentRunner.Finished f : finished) answer(f.pending(), f.result());
    }

    private void runBatch(List<Pending> batch) {
        batch.sort(Comparator.comparingInt(Pending::steps));
        int[] lengths = new int[batch.size()];
        for (int i = 0; i < lengths.length; i++) lengths[i] = batch.get(i).steps();
        int[] starts = Buckets.split(lengths, options.sweepCost());
        for (int s = 0; s + 1 < starts.length; s++) {
            List<Pending> rows = new ArrayList<>(batch.subList(starts[s], starts[s + 1]));
            rows.removeIf(this::skipped); // timed out or cancelled while earlier sweeps ran
            if (!rows.isEmpty()) runSweep(rows);
        }
    }

    private void runSweep(List<Pending> rows) {
        long start = System.nanoTime();
        for (Pending p : rows) stats.queueSeconds().observe((start - p.queuedNanos()) * 1e-9);
        stats.batchRows().observe(rows.size());
        stats.sweeps.increment();
        RnnResult[] results;
        try {
            results = runner.run(rows);
        } catch (RuntimeException | Error e) {
            for (Pending p : rows) fail(p, e);
            if (e instanceof Error err) throw err;
            return;
        } finally {
            stats.computeSeconds().observe((System.nanoTime() - start) * 1e-9);
        }
        for (int i = 0; i < rows.size(); i++) answer(rows.get(i), results[i]);
    }

    /** Completes a request with its result (unless its caller or timeout completed it first: then counted as such). */
    private void answer(Pending p, RnnResult result) {
        if (p.future().complete(result)) stats.answered.increment();
        else count(p);
    }

    /** Completes a request with its sweep's failure (unless it was already completed: then counted as such). */
    private void fail(Pending p, Throwable e) {
        if (p.future().completeExceptionally(e)) stats.failed.increment();
        else count(p);
    }

    /**
     * Whether a request was cancelled or timed out before its sweep (then it is counted and left out).
     * Outcomes are counted here, on the batcher thread, so they are all in once {@link #close()} returns.
     */
    private boolean skipped(Pending p) {
        if (!p.future().isDone()) return false;
        count(p);
        return true;
    }

    /** Counts the outcome of a request that was completed by its caller or its timeout. */
    private void count(Pending p) {
        CompletableFuture<RnnResult> f = p.future();
        if (f.isCancelled()) stats.cancelled.increment();
        else if (f.isCompletedExceptionally() && f.exceptionNow() instanceof TimeoutException) stats.timedOut.increment();
        else stats.failed.increment();
    }

    /**
     * Rejects later submits, answers every request already accepted, and stops the batcher thread.
     * Closing twice is harmless. The prepared model stays open.
     */
    @Override
    public void close() {
        synchronized (submitLock) {
            closed = true;
        }
        boolean interrupted = false;
        while (batcher.isAlive()) {
            try {
                batcher.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    /** {@return whether {@link #close()} was called} */
    public boolean isClosed() {
        return closed;
    }
}
