package io.fusedrnn.vector;

import io.fusedrnn.FusedRnnException;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static io.fusedrnn.Cell.N;
import static io.fusedrnn.vector.StepTimes.split;

/**
 * One sweep of one layer-direction on the worker pool: what LSTM and GRU share. The sweep is one
 * pool job: the input projection of all steps (one GEMM; an inference split by rows projects each
 * step's rows in the step instead, {@link #projectSteps}), then the recurrent steps, each a
 * {@link Phase} (or two or three) over chunks of hidden units of every gate (whole panels of W_hhᵀ;
 * a worker takes its own chunks first, so its slice of W_hh stays in its cache for all T steps; at a
 * small batch it waits for a late owner before taking over, see {@link #PATIENT_BELOW}). From 8 rows
 * per worker and a small W_hh the steps are split by rows instead ({@link #byRows}): each worker runs
 * its own rows through every step, with no barrier between steps (a forward of equal lengths: groups of
 * rows claimed a few steps at a time, {@link #forwardByGroups}).
 * Backward ends with the weight gradients as GEMMs over all T·B rows. Work split by units is handed
 * out in chunks, so a worker slowed by other load on the machine delays the rest by one chunk (at a
 * small batch, by one chunk and the patience).
 */
abstract class Recurrence<A> {
    final VecLayer<A> layer;
    final VecMath<A> math;
    final Workspace<A> ws;
    /** Which time each row reads at each step. */
    final StepTimes times;
    final WorkerPool pool;
    final int workers, batch, rows, in, hs, out, proj, gh, nr;
    /**
     * The user's hidden and output sizes: the units of the tensors handed in and out (x, y, states,
     * gradients), of which the layer's padded {@link #hs} and {@link #out} are the first ({@link VecLayer}).
     */
    final int hsU, outU;
    /** The sweep's input x, [T·B, I]. */
    final A input;
    /** Chunks of hidden units (and of h's columns, which are the same for all but LSTMP). */
    final Cols units, outs;

    // forward operands
    /**
     * A ragged inference projects only the steps it computes: x's computed rows gathered step by step
     * ({@link StepTimes#compact}), and xp in that order ({@link #xpRow}); training keeps xp in
     * [T·B] order, as the reserve holds it.
     */
    boolean compact;
    A y;
    int yWidth, yCol;
    VecReserve.Store<A> res;

    // backward operands
    Workspace.Back<A> bk;
    A dy, dx, dWih, dWhh, dBih, dBhh, dWhr;
    int dyWidth, dyCol;

    Recurrence(VecLayer<A> layer, StepTimes times, WorkerPool pool, Split split, boolean stepProjection, A input) {
        this.layer = layer;
        this.split = split;
        this.stepProjection = stepProjection;
        this.math = layer.math;
        this.times = times;
        this.pool = pool;
        this.input = input;
        this.ws = layer.workspace(times.steps, times.batch);
        workers = pool.size();
        batch = times.batch;
        rows = times.steps * times.batch;
        in = layer.in;
        hs = layer.hs;
        out = layer.out;
        proj = layer.proj;
        gh = layer.gh;
        hsU = layer.userHs;
        outU = layer.userOut;
        nr = math.panelWidth();
        byRows = splitByRows();
        groups = byRows && split != Split.ROWS ? groupCount() : 0;
        rowStart = new int[workers];
        groupState = groups > 0 ? new AtomicIntegerArray(groups * GROUP_PAD) : null;
        units = stepCols(hs);
        outs = stepCols(out);
    }

    /** Columns 0..n in chunks of whole panels: chunk c covers panels p0(c)..p1(c), columns j0(c)..j1(c). */
    record Cols(int n, int panels, int group, int nr) {
        int count() {
            return (panels + group - 1) / group;
        }

        int p0(int c) {
            return c * group;
        }

        int p1(int c) {
            return Math.min(panels, c * group + group);
        }

        int j0(int c) {
            return Math.min(n, p0(c) * nr);
        }

        int j1(int c) {
            return Math.min(n, p1(c) * nr);
        }
    }

    /**
     * Below this batch a step is bound by streaming W_hh (2·B FLOPs per weight read): its phases are
     * patient ({@link Phase#patient}), one chunk per worker; from it on, chunks are taken when free.
     */
    static final int PATIENT_BELOW = 8;

    /** Whether this sweep's step phases are patient (small batch). */
    final boolean patient() {
        return batch < PATIENT_BELOW;
    }

    /**
     * Chunks for a recurrent step. Patient: one run of whole panels per worker (an even split, so a
     * worker's GEMM is one call over its slice). Split by rows: one chunk, as each worker runs all of a
     * step's units on its own rows anyway (one GEMM call per step and row group). Otherwise up to 4
     * panels (the 1-row strip's width), at least two per worker.
     */
    final Cols stepCols(int n) {
        int np = math.panels(n);
        if (byRows) return new Cols(n, np, np, nr);
        if (patient()) return new Cols(n, np, Math.max(1, (np + workers - 1) / workers), nr);
        return new Cols(n, np, Math.max(1, Math.min(4, np / (2 * workers))), nr);
    }

    /**
     * Chunks for the backward's weight-gradient GEMMs and dx, which share one phase (so three or four
     * GEMMs' chunks balance the workers): one per worker and GEMM, at least 4 panels each. Each chunk
     * streams all of its A (dA or its transpose, [T·B, G·H]: 26 MB for LSTM `batch`) from memory, so
     * narrow chunks read it many times: measured on Zen 5 (one thread, that shape, all chunks in turn)
     * 166 / 188 / 195 / 202 / 202 GFLOP/s with 1 / 2 / 4 / 8 / 16 panels per chunk (chunks of about six per worker gave
     * 2); training steps on 2 workers (one JVM alternating) 0.986 (LSTM) and 0.969 (GRU) with 4 panels,
     * and with 8 (one chunk per worker) 0.976 and 0.995 of that.
     */
    final Cols gradientCols(int n) {
        int np = math.panels(n);
        return new Cols(n, np, Math.min(np, Math.max(4, (np + workers - 1) / workers)), nr);
    }

    /** The phase of a recurrent step over chunks c (made by {@link #stepCols}). */
    final Phase phase(Cols c) {
        return patient() ? Phase.patient(pool, c.count()) : new Phase(pool, c.count());
    }

    /**
     * Whether this sweep's steps split the batch between the workers instead of the units: worker w
     * runs the slots w, w + W, w + 2W, ... (slots are by length, so each worker keeps about a W-th of
     * the rows still running) through every step for all units, and the workers never meet between
     * steps (forward and backward; they meet after the input projection and before the weight gradients).
     * Each then reads all of W_hh per step instead of its own slice, so it pays only while W_hh is
     * small ({@link #ROWS_MAX_WHH_BYTES}) and each worker has a whole GEMM tile of rows (docs/DESIGN.md,
     * Vector backend).
     */
    final boolean byRows;

    /** A piece of a step's work: chunk c for the slots b0, b0 + stride, ... (n of them). */
    interface Rows {
        void run(int c, int b0, int stride, int n);
    }

    /**
     * Runs phase ph on worker w for the k-th step of a job, whose first {@code live} slots are running:
     * split by rows, every chunk over the worker's own slots among them; else the shared phase over
     * all of them.
     */
    final void step(Phase ph, int w, int k, int live, Rows body) {
        if (!byRows) {
            ph.run(w, k, c -> body.run(c, 0, 1, live));
            return;
        }
        // a worker with no running slot still runs its chunks: the backward's carry adds dy for its
        // slots that start at the next step
        int b0 = rowStart[w], st = rowStride, n = rowCount(w, live);
        for (int c = 0; c < ph.chunks; c++) body.run(c, b0, st, n);
    }

    /** Split by rows: how many of worker w's slots (rowStart[w], then every rowStride-th) are among the first {@code live}. */
    private int rowCount(int w, int live) {
        int b0 = rowStart[w];
        return live > b0 ? (live - b0 + rowStride - 1) / rowStride : 0;
    }

    /**
     * The rows of h at step kk that worker w's GEMM calls read, as the GEMM's micro-panels, or null (no
     * whole 8-row tile, 256-bit vectors; split by units also the first step and a projected LSTM). Split by
     * rows: the worker's slots in hCur (width {@link #out}), copied here once for all of the step's
     * calls ({@link VecMath#rowTiles}); split by units: the tiles the step before wrote ({@link #tileUnits}).
     */
    final A hTiles(int w, int kk, A hCur) {
        if (!tilesPay) return null;
        if (byRows) return math.rowTiles(0, hCur, rowStart[w] * out, rowStride * out, rowCount(w, times.live(kk)), out);
        return unitTiles && kk > 0 ? ws.hTiles(kk % 2) : null;
    }

    /**
     * Split by units, whether the steps after the first read h from micro-panels that the step before
     * wrote, each chunk its units' columns after its cells ({@link #tileUnits}): 8-row tiles, 8 rows or
     * more, h written by the cells (no projection). Measured: benchmarks/RESULTS.md, "Round 16".
     */
    private boolean unitTiles;

    /**
     * Whether a step's rows copied into micro-panels pay: the step's calls over them cover G·H columns,
     * at least the GEMM's threshold for copying per call ({@link VecMath#tilesPay}). LSTM I1024 H128
     * (16 panels) at B64 measured 1.04 with the copy stored element by element, 0.92 through registers
     * (round 19).
     */
    private boolean tilesPay;

    /** Split by units: columns j0..j1 of h' (slots 0..n) into the micro-panels step kk + 1 reads ({@link #unitTiles}). */
    final void tileUnits(int kk, A hNext, int j0, int j1, int n) {
        if (unitTiles && kk + 1 < times.maxLen) math.packColumns(hNext, j0, j1, out, n, ws.hTiles((kk + 1) % 2), out);
    }

    /**
     * As {@link #hTiles}, for the rows of x_t that {@link #projectStep} reads (null unless this sweep
     * projects its steps), split by rows or on one worker (all rows; `infer`'s chunk B304 T100 H256 on
     * one worker 0.868, the serving shape B64 I64 H256 0.981, one JVM alternating).
     */
    final A xTiles(int w, int kk) {
        if (!projectSteps || !tilesPay) return null; // projecting its steps, a sweep is split by rows or on one worker
        int b0 = rowStart[w], n = rowCount(w, times.live(kk));
        if (n <= 0) return null; // a worker without a running slot (b0 may be past the batch)
        return math.rowTiles(1, stepX(), stepXRow(kk, b0), rowStride * in, n, in);
    }

    /** Where a sweep that projects its steps reads x_t: a ragged one's gathered rows ({@link #step(int, int)}), else the input. */
    private A stepX() {
        return stepInput != null ? stepInput : input;
    }

    /** Where slot b's row of x_t at step kk starts in {@link #stepX}. */
    private int stepXRow(int kk, int b) {
        return (stepInput != null ? b : times.slotRow(kk, b)) * in;
    }

    /**
     * Split by rows, the slots worker w runs from (w, or in a forward by groups the group it holds) and
     * the stride between them (the workers, or the groups).
     */
    private final int[] rowStart;
    private int rowStride;

    /** Row groups of a forward split by groups ({@link Split#GROUPS}), else 0. */
    final int groups;
    /** Per group at g·GROUP_PAD: 2 × the next step it runs, plus 1 while a worker holds it (null without groups). */
    private final AtomicIntegerArray groupState;
    private static final int GROUP_PAD = 32;
    /** Steps a worker runs a group for per claim ({@code -Dfusedrnn.vector.groupSteps}, default 5). */
    static final int GROUP_STEPS = Integer.getInteger("fusedrnn.vector.groupSteps", 5);

    /**
     * Groups of about {@link #GROUP_ROWS} slots, at least two per worker; by default only where each
     * group keeps a whole 8-row GEMM tile and the rows have equal lengths (else 0: the worker's own
     * slots), forced ({@link Split#GROUPS}, tests) at any size. Ragged, a group's rows thin out as the
     * short ones end, its GEMMs run on fewer rows than a worker's half would: LSTM H512 ragged
     * measured 1.03 of the static split, and the serving benchmark (ragged batches) 5–6% more CPU per
     * request at the same throughput (benchmarks/RESULTS.md, "Round 9, CPU").
     */
    private int groupCount() {
        int g = Math.max(2 * workers, batch / GROUP_ROWS);
        if (split == Split.GROUPS) return Math.min(batch, g);
        return batch / g >= 8 && !times.ragged() ? g : 0;
    }

    /**
     * Slots per group ({@code -Dfusedrnn.vector.groupRows}, default 16). Measured on Zen 5, 2 workers,
     * LSTM B64 T50 H512 forward, groups ÷ each worker's own half (SplitAB, one JVM, alternating): 8 rows
     * 0.97, 16 rows 0.92–0.94 (benchmarks/RESULTS.md, "Round 9, CPU").
     */
    static final int GROUP_ROWS = Integer.getInteger("fusedrnn.vector.groupRows", 16);

    /**
     * The forward's steps split by groups: the slots g, g + G, ... are independent of the other
     * groups' for the whole sweep, so a worker claims a group that no one holds (its own first, then
     * the one furthest behind), runs it for {@link #GROUP_STEPS} steps and hands it back. A worker that
     * the machine slows down then delays the sweep by one claim, not by its share of the rows. A worker
     * that finds no free group leaves: every unfinished group then has a holder that will finish it.
     */
    private void forwardByGroups(int w) {
        while (true) {
            int best = -1, bestNext = Integer.MAX_VALUE;
            boolean pending = false;
            for (int i = 0; i < groups; i++) {
                int g = (w + i) % groups; // own groups (g ≡ w mod workers) come up first among equals
                int state = groupState.get(g * GROUP_PAD), next = state >> 1;
                if (next >= times.maxLen) continue;
                pending = true;
                boolean own = g % workers == w;
                if ((state & 1) == 0 && (next < bestNext || next == bestNext && own)) {
                    best = g;
                    bestNext = next;
                }
            }
            // No free group: each unfinished one is held by another worker, who keeps claiming it to its
            // end, so this worker has nothing left to do here and leaves the cores to others (serving's
            // request threads) instead of spinning until the sweep ends.
            if (!pending || best < 0) return;
            if (!groupState.compareAndSet(best * GROUP_PAD, bestNext << 1, (bestNext << 1) | 1)) continue;
            rowStart[w] = best;
            int end = Math.min(times.maxLen, bestNext + GROUP_STEPS);
            for (int kk = bestNext; kk < end; kk++) step(w, kk);
            groupState.set(best * GROUP_PAD, end << 1);
        }
    }

    /** Arrivals at {@link #meet} (a sweep is one job: one counter per sweep). */
    private final AtomicIntegerArray arrived = new AtomicIntegerArray(1);

    /** Split by rows, waits until every worker has come here (the steps have no barrier of their own). */
    final void meet(int w) {
        if (!byRows) return;
        arrived.incrementAndGet(0);
        pool.wakeParked();
        pool.await(w, arrived, 0, workers);
    }

    /** How a backend's sweeps split a step between the workers ({@link #byRows}). */
    enum Split {
        /**
         * By rows at a large enough batch and a small enough W_hh ({@link #ROWS_FROM}, {@link #ROWS_MAX_WHH_BYTES}),
         * the forward's rows in claimed groups where each keeps a whole tile ({@link #groups}); else by units.
         */
        AUTO,
        /** By rows whenever there are two workers, each worker its own slots (tests, benchmarks). */
        ROWS,
        /** Always by units (the split before round 8). */
        UNITS,
        /** By rows whenever there are two workers, the forward's rows in claimed groups of any size (tests, benchmarks). */
        GROUPS;

        /** From {@code -Dfusedrnn.vector.split=auto|rows|units|groups} (default auto). */
        static Split fromProperty() {
            String v = System.getProperty("fusedrnn.vector.split", "auto");
            for (Split s : values()) if (s.name().equalsIgnoreCase(v)) return s;
            throw new FusedRnnException("-Dfusedrnn.vector.split: expected auto, rows, units or groups, found '" + v + "'");
        }
    }

    /**
     * Whether a backend's inferences may project each step's rows in the step ({@link #projectsSteps}):
     * {@code -Dfusedrnn.vector.stepProjection=true|false} (default true).
     */
    static boolean stepProjectionFromProperty() {
        String v = System.getProperty("fusedrnn.vector.stepProjection", "true");
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) return Boolean.parseBoolean(v);
        throw new FusedRnnException("-Dfusedrnn.vector.stepProjection: expected true or false, found '" + v + "'");
    }

    private final Split split;

    /** Whether this sweep runs split by rows ({@link #byRows}). */
    private boolean splitByRows() {
        if (workers < 2) return false;
        return switch (split) {
            case ROWS, GROUPS -> true;
            case UNITS -> false;
            case AUTO -> batch >= ROWS_FROM * workers && (long) gh * out * layer.precision().bytes() <= ROWS_MAX_WHH_BYTES;
        };
    }

    /** Rows per worker from which a sweep splits the batch (auto): one 8-row tile each. */
    static final int ROWS_FROM = 8;
    /**
     * The largest W_hh for which a sweep splits the batch (auto). Split by rows, each worker reads
     * all of W_hh per step, not half: measured on Zen 5 (2 workers, fp32, one JVM alternating the two,
     * benchmarks/RESULTS.md, "Round 8") a gain of 2–8% up to LSTM H = 512 (4 MiB) and a loss of 4–11%
     * from H = 768 (9 MiB), where the second stream of W_hh from L3 costs more than the barrier saved.
     */
    static final long ROWS_MAX_WHH_BYTES = 4L << 20;

    /** The h buffer step kk reads (step kk writes the other one). */
    final A hAt(int kk) {
        return kk % 2 == 0 ? ws.h0 : ws.h1;
    }

    /** Runs the forward; h and c start from h0/c0 (null for zeros) and end in hN/cN. */
    final void forward(A h0, A c0, A y, int yWidth, int yCol, VecReserve.Store<A> res, A hN, A cN) {
        this.y = y;
        this.yWidth = yWidth;
        this.yCol = yCol;
        this.res = res;
        projectSteps = projectsSteps();
        compact = res == null && times.ragged() && !projectSteps;
        // the workspace's arrays made on first use are made here, before the workers share them
        preactivations = res != null ? res.gates : projectSteps ? ws.xs : ws.xp();
        stepInput = projectSteps && times.ragged() ? ws.stepInput() : null;
        tilesPay = math.tilesPay(math.panels(gh));
        unitTiles = !byRows && !patient() && proj == 0 && tilesPay;
        if (unitTiles) ws.hTiles(0); // made here, before the workers share them
        if (compact) times.compact(input, ws.compactInput(), in);
        start(h0, outU, ws.h0, out);
        start(c0, hsU, ws.c, hs);
        times.zeroPadding(math, y, yWidth, yCol, outU);
        if (res != null) {
            // rows a sweep never visits still enter the weight-gradient GEMMs (times a zero gradient)
            times.zeroPadding(math, res.hIn, out, 0, out);
            if (res.m != null) times.zeroPadding(math, res.m, hs, 0, hs);
            if (res.rh != null) times.zeroPadding(math, res.rh, hs, 0, hs);
        }
        makeOneShotPhases(false);
        makeStepPhases(false);
        startRows(groups > 0);
        pool.run(this::forwardJob);
        // a row's h stands in the buffer its last step wrote: step k writes hAt(k + 1)
        for (int b = 0; b < batch; b++) System.arraycopy(hAt(times.len[b]), times.slot(b) * out, hN, b * outU, outU);
        if (cN != null) times.fromSlots(ws.c, hs, cN, hsU);
    }

    /** Runs the backward from dh_n/dc_n (null for zeros) into dx and the weight gradients; leaves dL/dh0 and dL/dc0 in bk.dh and bk.dc. */
    final void backward(VecReserve.Store<A> res, A dy, int dyWidth, int dyCol, A dhN, A dcN, A dx,
                        A dWih, A dWhh, A dBih, A dBhh, A dWhr) {
        this.res = res;
        this.dy = dy;
        this.dyWidth = dyWidth;
        this.dyCol = dyCol;
        this.dx = dx;
        bk = ws.back();
        boolean pad = layer.padded(); // then the weight gradients of the padded layout first, the real parts after
        this.dWih = pad ? bk.gWih : dWih;
        this.dWhh = pad ? bk.gWhh : dWhh;
        this.dBih = pad ? bk.gBih : dBih;
        this.dBhh = pad ? bk.gBhh : dBhh;
        this.dWhr = pad ? bk.gWhr : dWhr;
        if (pad) {
            // the bias gradients are summed into (transposeSums); the user's come zeroed
            math.zero(bk.gBih, 0, gh);
            math.zero(bk.gBhh, 0, gh);
        }
        start(dhN, outU, bk.dh, out);
        start(dcN, hsU, bk.dc, hs);
        times.zeroPadding(math, bk.dAx, gh, 0, gh);
        if (bk.dAh != bk.dAx) times.zeroPadding(math, bk.dAh, hs, 0, hs);
        if (bk.dhs != null) times.zeroPadding(math, bk.dhs, proj, 0, proj);
        for (int i = 0; i < times.live(times.maxLen - 1); i++) addDy(times.maxLen - 1, i, 0, out);
        makeOneShotPhases(true);
        makeStepPhases(true);
        startRows(false);
        pool.run(this::backwardJob);
        if (!pad) return;
        layer.unpadRows(bk.gWih, in, dWih, in);
        layer.unpadRows(bk.gWhh, out, dWhh, outU);
        layer.unpadRows(bk.gBih, 1, dBih, 1);
        layer.unpadRows(bk.gBhh, 1, dBhh, 1);
        for (int p = 0; p < proj; p++) System.arraycopy(bk.gWhr, p * hs, dWhr, p * hsU, hsU);
    }

    /** After {@link #backward}: dL/dh0 and dL/dc0 (null for GRU) in row order. */
    final void initialStateGradients(A dh0, A dc0) {
        times.fromSlots(bk.dh, out, dh0, outU);
        if (dc0 != null) times.fromSlots(bk.dc, hs, dc0, hsU);
    }

    /** Makes the per-step phases of a forward or backward job. */
    abstract void makeStepPhases(boolean backward);

    /** The forward job of worker w: the input projection (unless each step projects its own rows), then every step. */
    final void forwardJob(int w) {
        if (!projectSteps) inputProjection(w);
        if (groups > 0) {
            forwardByGroups(w);
            return;
        }
        for (int kk = 0; kk < times.maxLen; kk++) step(w, kk);
    }

    /** Worker w's part of step kk; a ragged sweep that projects its steps first gathers the worker's rows of x_t. */
    private void step(int w, int kk) {
        if (stepInput != null) {
            for (int i = rowStart[w], live = times.live(kk); i < live; i += rowStride) {
                System.arraycopy(input, times.slotRow(kk, i) * in, stepInput, i * in, in);
            }
        }
        forwardStep(w, kk, hAt(kk), hAt(kk + 1));
    }

    /** Before a job: each worker's rows (split by rows) start at its own index, or are claimed by groups. */
    private void startRows(boolean byGroups) {
        for (int w = 0; w < workers; w++) rowStart[w] = w;
        rowStride = byGroups ? groups : workers;
        for (int g = 0; g < groups; g++) groupState.set(g * GROUP_PAD, 0);
    }

    /** Worker w's part of step kk, from h in hCur to h' in hNext. */
    abstract void forwardStep(int w, int kk, A hCur, A hNext);

    abstract void backwardJob(int w);

    /** A [B, n] state into its slots of width w &ge; n (zeros for null, and past n). */
    private void start(A from, int n, A to, int w) {
        if (from == null || w > n) math.zero(to, 0, batch * w);
        if (from != null) times.toSlots(from, n, to, w);
    }

    /** How many of the units j0 .. j0 + n are the user's (of {@code real}): what y and dy hold of a chunk's. */
    static int real(int j0, int n, int real) {
        return Math.max(0, Math.min(n, real - j0));
    }

    /** The row of xp that holds slot i's step kk (of the step's own rows when an inference projects its steps). */
    final int xpRow(int kk, int i) {
        if (projectSteps) return i; // an inference: the step's own rows
        return compact ? times.compactRow(kk, i) : times.slotRow(kk, i);
    }

    /**
     * Where the input projection goes, [T·B, G·H], and where the cells leave the gate activations in
     * place of the pre-activations: the workspace's xp, or in a training forward the reserve's gate
     * rows, which have xp's layout. The lines are in cache from the cell's read, so keeping the gates
     * adds no separate [T·B, G·H] stream of copies through memory (measured: about a fifth of the LSTM
     * training forward's cell time; GRU training forward ÷ inference forward 1.06–1.08 → 1.03–1.04).
     */
    final A inputPreactivations() {
        return preactivations;
    }

    /** Of a forward: where its input pre-activations go ({@link #inputPreactivations}), and a ragged one's rows of x_t or null. */
    private A preactivations, stepInput;

    /** Whether the backend lets a sweep project its steps ({@link #projectsSteps}). */
    private final boolean stepProjection;
    /** Whether this sweep projects each step's rows in the step ({@link #projectsSteps}); else all steps first. */
    boolean projectSteps;

    /**
     * Whether this sweep projects each step's rows in the step, just before its recurrent GEMM: for
     * the chunk's units, x_t·W_ihᵀ + bias into a [B, G·H] buffer that the cells then read from cache,
     * instead of one GEMM over all T·B rows first, whose [T·B, G·H] result goes to memory and comes
     * back step by step. An inference with each gate on whole panels, split by rows ({@link #byRows}) or
     * on one worker from {@link #PATIENT_BELOW} rows with W_ih and W_hh within {@link #ROWS_MAX_WHH_BYTES}
     * together (the step streams both); a ragged one gathers each worker's rows of x_t per step. A
     * row's bits are the same either way (the GEMM's result for a row does not depend on the rows
     * beside it). Measured on Zen 5 (one JVM alternating, per step ÷ up front;
     * docs/DESIGN.md, Vector backend), 2 workers: B64 T50 H512 LSTM and GRU 0.95–1.0 (within the host's noise), B304 T100 H256
     * (`infer`'s chunk) 0.76–0.87 and 0.83, the serving shape ragged (B64 T20..80 I64 H256) 0.87–0.96
     * and 0.91–0.92; 1 worker: the `infer` chunk 0.88, the serving shape ragged 0.89–0.98 and 0.95. Not where it measured slower or no faster: split by units (B256
     * T25 H1024, 1.02), one worker with 8 or 6 MiB of weights (B64 T50 H512: LSTM 0.97–1.04, GRU
     * 0.97–0.99 by the statistic), a training forward (1.01–1.02: its reserve keeps every step's gates).
     */
    private boolean projectsSteps() {
        if (!stepProjection || res != null || hs % nr != 0) return false;
        return byRows || workers == 1 && !patient() && (long) gh * (in + out) * layer.precision().bytes() <= ROWS_MAX_WHH_BYTES;
    }

    /**
     * Step kk's input projection for the gate's units of chunk c, slots b0, b0 + st, ... (n of them):
     * x_t·W_ihᵀ + bias into xp's rows ({@link #xpRow}). Gate g's units are panels g·H/nr + those of c.
     * xTiles: those rows as micro-panels ({@link #xTiles}), or null.
     */
    final void projectStep(int kk, int gate, int c, int b0, int st, int n, A xTiles) {
        if (n <= 0) return; // a worker without a running slot (b0 may be past the batch)
        int np = hs / nr;
        math.gemm(xTiles, stepX(), stepXRow(kk, b0), st * in, n, in, layer.wihT, 0, gh, gate * np + units.p0(c), gate * np + units.p1(c),
                inputPreactivations(), xpRow(kk, b0) * gh, st * gh, false, layer.biasX);
    }

    /** Runs the input projection x·W_ihᵀ + bias for all T·B rows, sharing its chunks with the other workers. */
    final void inputProjection(int w) {
        A xp = inputPreactivations(), x = compact ? ws.compactInput() : input;
        int m = compact ? times.realRows : rows;
        if (projectionByUnits()) {
            // chunk i: gate i % G of step chunk i / G's units, so a worker projects the columns its own steps read
            int np = math.panels(hs), g = layer.gates;
            xPhase.run(w, 0, i -> math.gemm(x, 0, in, 1, m, in, layer.wihT, 0, gh, i % g * np + units.p0(i / g),
                    i % g * np + units.p1(i / g), xp, 0, gh, false, layer.biasX));
            return;
        }
        // chunks of rows, each over every panel: a chunk's A block is read once and reused by all
        // of W_ih's panels, wide enough for the GEMM's micro-panels (FloatGemm.PACK_FROM_PANELS)
        Cols r = projectionRows(m);
        int np = math.panels(gh);
        xPhase.run(w, 0, i -> math.gemm(x, r.j0(i) * in, in, 1, r.j1(i) - r.j0(i), in, layer.wihT, 0, gh, 0, np,
                xp, r.j0(i) * gh, gh, false, layer.biasX));
    }

    /**
     * Chunks of the input projection's m rows: whole 8-row tiles, about six chunks per worker (so the
     * last one leaves the others idle briefly). Measured against chunks of panels over all rows (each
     * streaming all of x), one JVM alternating (benchmarks/RESULTS.md, "Round 16"): B256 T25 H1024
     * forward 0.96–1.01, training steps at B64 T50 H512 0.98, -XX:UseAVX=2 (no micro-panels)
     * 0.97–1.01.
     */
    private Cols projectionRows(int m) {
        int tiles = (m + 7) / 8;
        return new Cols(m, tiles, Math.max(1, (tiles + 6 * workers - 1) / (6 * workers)), 8);
    }

    /**
     * Whether the input projection is chunked by the steps' units (patient steps, gates on whole
     * panels): each worker's steps then read the projections from its own cache, not from the other
     * core's (measured at B = 1: the cell took 1.0–1.3 µs per step reading them, 0.3 µs hot).
     */
    private boolean projectionByUnits() {
        return patient() && hs % nr == 0;
    }

    private Phase xPhase, tPhase, gPhase;

    /** Makes the one-shot phases before a job starts (every worker must see the same objects). */
    private void makeOneShotPhases(boolean backward) {
        if (!backward) {
            xPhase = projectionByUnits() ? Phase.patient(pool, layer.gates * units.count())
                    : new Phase(pool, projectionRows(compact ? times.realRows : rows).count());
        } else {
            tPhase = new Phase(pool, 2 * workers);
            gPhase = new Phase(pool, gradientChunks());
        }
    }

    /** Adds dy of slot i's step kk into dh columns j0..j1 (and keeps it per row for dW_hr). */
    final void addDy(int kk, int i, int j0, int j1) {
        int r = times.slotRow(kk, i);
        math.add(dy, r * dyWidth + dyCol + j0, bk.dh, i * out + j0, real(j0, j1 - j0, outU)); // dy has no padded units
        if (bk.dhs != null) System.arraycopy(bk.dh, i * out + j0, bk.dhs, r * proj + j0, j1 - j0);
    }

    /**
     * Moves the GEMM's dh_prev into dh for the slots b0, b0 + st, ... that stepped at kk, then adds dy
     * of step kk-1 for those that run at it.
     */
    final void carry(int kk, int j0, int j1, A extra, int b0, int st) {
        int stepped = times.live(kk), next = times.live(kk - 1);
        for (int i = b0; i < stepped; i += st) {
            System.arraycopy(bk.dhNew, i * out + j0, bk.dh, i * out + j0, j1 - j0);
            if (extra != null) math.add(extra, i * out + j0, bk.dh, i * out + j0, j1 - j0);
        }
        for (int i = b0; i < next; i += st) addDy(kk - 1, i, j0, j1);
    }

    private int gradientChunks() {
        return 2 * gradientCols(in).count() + gradientCols(out).count() + (proj > 0 ? gradientCols(hs).count() : 0);
    }

    /**
     * The biases, dW_ih, dx, the h-side weight gradients and dW_hr, after the last step. The
     * pre-activation gradients are transposed first, summing the bias gradients on the way (one
     * pass over dA, not two); then every GEMM's panels are chunks of one phase.
     */
    final void weightGradients(int w) {
        int tc = 2 * workers;
        tPhase.run(w, 0, c -> {
            int j0 = split(gh, c, tc), j1 = split(gh, c + 1, tc);
            math.transposeSums(bk.dAx, rows, gh, j0, j1, bk.dAxT, dBih, 0);
            // both biases see the same gradients but in a linear-before-reset GRU's n block (Workspace.Back#dAh)
            int n0 = bk.dAhT != bk.dAxT ? Math.max(j0, N * hs) : j1;
            System.arraycopy(dBih, j0, dBhh, j0, Math.max(0, Math.min(j1, n0) - j0));
            // dAh holds only the n block, [T·B, H] (Workspace.Back#dAh)
            if (n0 < j1) math.transposeSums(bk.dAh, rows, hs, n0 - N * hs, j1 - N * hs, bk.dAhT, dBhh, N * hs);
        });
        Cols xc = gradientCols(in), hc = gradientCols(out), mc = proj > 0 ? gradientCols(hs) : null;
        int cx = xc.count(), ch = hc.count();
        gPhase.run(w, 0, c -> {
            if (c < cx) {
                int p0 = xc.p0(c), p1 = xc.p1(c);
                math.pack(input, 0, in, 1, rows, in, bk.xPk, p0, p1);
                math.gemm(bk.dAxT, 0, rows, 1, gh, rows, bk.xPk, 0, in, p0, p1, dWih, 0, in, false, null);
            } else if ((c -= cx) < cx) {
                math.gemm(bk.dAx, 0, gh, 1, rows, gh, layer.wih, 0, in, xc.p0(c), xc.p1(c), dx, 0, in, true, null);
            } else if ((c -= cx) < ch) {
                int p0 = hc.p0(c), p1 = hc.p1(c);
                math.pack(res.hIn, 0, out, 1, rows, out, bk.hPk, p0, p1);
                recurrentWeightGradient(p0, p1);
            } else {
                c -= ch;
                int p0 = mc.p0(c), p1 = mc.p1(c);
                math.pack(res.m, 0, hs, 1, rows, hs, bk.mPk, p0, p1);
                math.gemm(bk.dhs, 0, 1, proj, proj, rows, bk.mPk, 0, hs, p0, p1, dWhr, 0, hs, false, null);
            }
        });
    }

    /** dW_hh over output panels p0..p1 from the packed h_in (bk.hPk). */
    abstract void recurrentWeightGradient(int p0, int p1);
}
