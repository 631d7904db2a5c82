package io.fusedrnn.serve;

import io.fusedrnn.Backend;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;
import io.fusedrnn.model.PreparedRnn;
import io.fusedrnn.model.RnnConfig;
import io.fusedrnn.model.RnnOutput;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;

/**
 * Step-level batching for a unidirectional model: the rows in flight advance together a segment of
 * at most {@code segmentSteps} steps per sweep, each from its own state, and between segments
 * finished rows leave and newly queued ones join. A request therefore waits for the end of the
 * current segment, not of the current batch. Each row's h (and c) is carried on the host from one
 * segment to the next as the sweep's h_n (c_n), so a row gets exactly the steps of the sequence run
 * alone, in the same order (the model's stream, {@link io.fusedrnn.model.RnnStream}, rests on the same
 * property); tested bitwise against the row alone.
 */
final class SegmentRunner {
    private final PreparedRnn model;
    private final RnnConfig cfg;
    private final int segmentSteps;
    private final boolean lstm;
    /** Sweeps run on a batch rounded up to a multiple of this many rows (see {@link #run}). */
    private static final int ROUND_ROWS = 8;
    private final List<Slot> slots = new ArrayList<>();
    private final ReusedTensor xTensor = new ReusedTensor(), hTensor = new ReusedTensor(), cTensor = new ReusedTensor();
    private float[] x = new float[0];
    /** The last segment's y, [steps, B, D·H_out], reused while its size repeats (a fresh one per segment was up to 2 MB). */
    private float[] y = new float[0];
    /** The states of the rows in flight, [L·D, B, ·], exactly the sweep's size (the tensors' write and read take whole arrays). */
    private double[] h = new double[0], c = new double[0];

    /** A row in flight: its request, steps done, and its state and y so far. */
    private static final class Slot {
        final Pending pending;
        /** h and c as doubles: exact for an fp32 model's state and for an fp64 one's. */
        final double[] h, c;
        /** y so far, [T][D·H_out], the answer's own rows; null when y is not wanted. */
        final float[][] y;
        int done;

        Slot(Pending pending, double[] h, double[] c, float[][] y) {
            this.pending = pending;
            this.h = h;
            this.c = c;
            this.y = y;
        }

        int remaining() {
            return pending.steps() - done;
        }
    }

    /** A row that finished in the last segment, with its answer. */
    record Finished(Pending pending, RnnResult result) {
    }

    SegmentRunner(PreparedRnn model, int segmentSteps) {
        this.model = model;
        this.cfg = model.config();
        this.segmentSteps = segmentSteps;
        this.lstm = cfg.cell().gates() == 4;
    }

    /** {@return whether a model can be run a segment at a time: unidirectional, forward in time} */
    static boolean supports(RnnConfig cfg) {
        return !cfg.bidirectional() && !cfg.reverse();
    }

    /** {@return rows in flight} */
    int size() {
        return slots.size();
    }

    boolean isEmpty() {
        return slots.isEmpty();
    }

    /** Takes a checked request in: its state from h0/c0 (zeros without), and room for y if it wants y. */
    void admit(Pending p) {
        int n = cfg.sweeps(), out = cfg.outputSize(), hs = cfg.hiddenSize();
        RnnRequest q = p.request();
        double[] hs0 = flatten(q.h0(), n, out), cs0 = lstm ? flatten(q.c0(), n, hs) : null;
        float[][] y = p.outputs().contains(Output.Y) ? new float[p.steps()][cfg.outputWidth()] : null;
        slots.add(new Slot(p, hs0, cs0, y));
    }

    /** Drops the rows whose future completed while they were in flight (cancelled, timed out), passing each to {@code dropped}. */
    void dropDone(Consumer<Pending> dropped) {
        for (Iterator<Slot> it = slots.iterator(); it.hasNext(); ) {
            Slot s = it.next();
            if (s.pending.future().isDone()) {
                it.remove();
                dropped.accept(s.pending);
            }
        }
    }

    /** Removes every row in flight (after a failed segment), passing each to {@code failed}. */
    void clear(Consumer<Pending> failed) {
        for (Slot s : slots) failed.accept(s.pending);
        slots.clear();
    }

    /**
     * Runs one segment: every row in flight advances min(segment, its remaining steps) steps.
     *
     * @return the rows that finished, with their answers (they have left)
     */
    List<Finished> run() {
        Backend be = model.backend();
        Precision p = model.precision();
        int rows = slots.size(), in = cfg.inputSize(), n = cfg.sweeps(), out = cfg.outputSize(), hs = cfg.hiddenSize();
        // B above ROUND_ROWS rounded up to a multiple of it with rows of length 0, so that the shapes of x, the
        // states and the model's scratch y repeat from segment to segment as rows come and go (a new
        // shape is a fresh allocation of up to a few MB: 19% of an HTTP run's samples before this)
        int batch = rows <= ROUND_ROWS ? rows : (rows + ROUND_ROWS - 1) / ROUND_ROWS * ROUND_ROWS; // a few rows: as they are (B = 1 stays one row)
        int[] lengths = new int[batch];
        int steps = 0;
        boolean ragged = batch != rows, wantY = false;
        for (int b = 0; b < rows; b++) {
            Slot s = slots.get(b);
            lengths[b] = Math.min(segmentSteps, s.remaining());
            if (b > 0 && lengths[b] != lengths[0]) ragged = true;
            steps = Math.max(steps, lengths[b]);
            wantY |= s.y != null;
        }
        int count = steps * batch * in;
        if (x.length < count) x = new float[count];
        if (h.length != n * batch * out) h = new double[n * batch * out];
        if (lstm && c.length != n * batch * hs) c = new double[n * batch * hs];
        for (int t = 0; t < steps; t++) Arrays.fill(x, (t * batch + rows) * in, (t + 1) * batch * in, 0f); // the padding rows
        for (int l = 0; l < n; l++) { // and their states (the arrays still hold the last segment's)
            Arrays.fill(h, (l * batch + rows) * out, (l + 1) * batch * out, 0);
            if (lstm) Arrays.fill(c, (l * batch + rows) * hs, (l + 1) * batch * hs, 0);
        }
        for (int b = 0; b < rows; b++) {
            Slot s = slots.get(b);
            float[][] seq = s.pending.request().x();
            for (int t = 0; t < lengths[b]; t++) System.arraycopy(seq[s.done + t], 0, x, (t * batch + b) * in, in);
            for (int t = lengths[b]; t < steps; t++) Arrays.fill(x, (t * batch + b) * in, (t * batch + b + 1) * in, 0f);
            for (int l = 0; l < n; l++) {
                System.arraycopy(s.h, l * out, h, (l * batch + b) * out, out);
                if (lstm) System.arraycopy(s.c, l * hs, c, (l * batch + b) * hs, hs);
            }
        }
        Tensor xt = xTensor.write(be, p, FloatBuffer.wrap(x, 0, count), steps, batch, in);
        Tensor ht = hTensor.write(be, p, h, n, batch, out);
        Tensor ct = lstm ? cTensor.write(be, p, c, n, batch, hs) : null;
        int[] lens = ragged ? lengths : null;
        try (RnnOutput o = wantY ? model.forward(xt, ht, ct, lens) : model.forwardStates(xt, ht, ct, lens)) {
            if (wantY) {
                if (y.length != o.y().size()) y = new float[Math.toIntExact(o.y().size())];
                o.y().read(y);
            }
            o.hN().read(h);
            if (lstm) o.cN().read(c);
        }
        int width = cfg.outputWidth();
        List<Finished> finished = new ArrayList<>();
        for (int b = 0; b < rows; b++) {
            Slot s = slots.get(b);
            for (int l = 0; l < n; l++) {
                System.arraycopy(h, (l * batch + b) * out, s.h, l * out, out);
                if (lstm) System.arraycopy(c, (l * batch + b) * hs, s.c, l * hs, hs);
            }
            if (s.y != null) {
                for (int t = 0; t < lengths[b]; t++) System.arraycopy(y, (t * batch + b) * width, s.y[s.done + t], 0, width);
            }
            s.done += lengths[b];
        }
        for (Iterator<Slot> it = slots.iterator(); it.hasNext(); ) {
            Slot s = it.next();
            if (s.remaining() > 0) continue;
            it.remove();
            finished.add(new Finished(s.pending, answer(s, n, out, hs)));
        }
        return finished;
    }

    private RnnResult answer(Slot s, int n, int out, int hs) {
        var want = s.pending.outputs();
        return new RnnResult(
                s.y,
                want.contains(Output.H_N) ? rows(s.h, n, out) : null,
                want.contains(Output.C_N) && lstm ? rows(s.c, n, hs) : null);
    }

    /** Frees the kept tensors (the batcher calls this once it stops). */
    void close() {
        xTensor.close();
        hTensor.close();
        cTensor.close();
    }

    private static double[] flatten(float[][] rows, int count, int width) {
        double[] f = new double[count * width];
        if (rows != null) {
            for (int i = 0; i < count; i++) for (int j = 0; j < width; j++) f[i * width + j] = rows[i][j];
        }
        return f;
    }

    private static float[][] rows(double[] flat, int count, int width) {
        float[][] r = new float[count][width];
        for (int i = 0; i < count; i++) for (int j = 0; j < width; j++) r[i][j] = (float) flat[i * width + j];
        return r;
    }
}
