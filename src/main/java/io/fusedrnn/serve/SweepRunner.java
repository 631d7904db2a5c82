package io.fusedrnn.serve;

import io.fusedrnn.Backend;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;
import io.fusedrnn.model.PreparedRnn;
import io.fusedrnn.model.RnnConfig;
import io.fusedrnn.model.RnnOutput;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * Runs requests of different lengths as one batched forward: pads x to [T_max, B, I], passes the
 * per-row lengths, and copies back, per row, only the outputs that row asked for (y up to the row's
 * own length; h_n and c_n are each row's state at its last valid step).
 */
final class SweepRunner {
    private final PreparedRnn model;
    private final RnnConfig cfg;
    /** x of the last sweeps, reused (one batcher thread): a fresh [T, B, I] array per sweep is 1.3 MB at T=80, B=64, I=64. */
    private float[] xBuffer = new float[0];
    /** The x tensor of the last sweep, reused by the next sweep of the same [T, B] (it is overwritten whole). */
    private final ReusedTensor xTensor = new ReusedTensor();

    SweepRunner(PreparedRnn model) {
        this.model = model;
        this.cfg = model.config();
    }

    /** Results in the order of {@code rows}. */
    RnnResult[] run(List<Pending> rows) {
        Backend be = model.backend();
        Precision p = model.precision();
        int batch = rows.size(), in = cfg.inputSize(), n = cfg.sweeps(), out = cfg.outputSize(), hs = cfg.hiddenSize();
        int steps = 0;
        boolean ragged = false, anyH0 = false, anyC0 = false, wantY = false, wantH = false, wantC = false;
        for (Pending r : rows) {
            if (steps != 0 && r.steps() != steps) ragged = true;
            steps = Math.max(steps, r.steps());
            anyH0 |= r.request().h0() != null;
            anyC0 |= r.request().c0() != null;
            wantY |= r.outputs().contains(Output.Y);
            wantH |= r.outputs().contains(Output.H_N);
            wantC |= r.outputs().contains(Output.C_N);
        }
        int[] lengths = new int[batch];
        int count = steps * batch * in;
        if (xBuffer.length < count) xBuffer = new float[count];
        float[] x = xBuffer;
        for (int b = 0; b < batch; b++) {
            float[][] seq = rows.get(b).request().x();
            lengths[b] = seq.length;
            for (int t = 0; t < seq.length; t++) System.arraycopy(seq[t], 0, x, (t * batch + b) * in, in);
            for (int t = seq.length; t < steps; t++) Arrays.fill(x, (t * batch + b) * in, (t * batch + b + 1) * in, 0f); // padding
        }
        float[] h0 = anyH0 ? states(rows, true, n, batch, out) : null;
        float[] c0 = anyC0 ? states(rows, false, n, batch, hs) : null;
        Tensor xt = xTensor.write(be, p, FloatBuffer.wrap(x, 0, count), steps, batch, in);
        try (Tensor h0t = h0 == null ? null : upload(be, p, h0, n, batch, out);
             Tensor c0t = c0 == null ? null : upload(be, p, c0, n, batch, hs);
             RnnOutput o = wantY ? model.forward(xt, h0t, c0t, ragged ? lengths : null) : model.forwardStates(xt, h0t, c0t, ragged ? lengths : null)) {
            float[] y = wantY ? o.y().toFloatArray() : null;
            float[] hN = wantH ? o.hN().toFloatArray() : null;
            float[] cN = wantC && o.cN() != null ? o.cN().toFloatArray() : null;
            RnnResult[] results = new RnnResult[batch];
            int width = cfg.outputWidth();
            for (int b = 0; b < batch; b++) {
                var want = rows.get(b).outputs();
                results[b] = new RnnResult(
                        want.contains(Output.Y) ? rowsOf(y, lengths[b], batch, b, width) : null,
                        want.contains(Output.H_N) ? rowsOf(hN, n, batch, b, out) : null,
                        want.contains(Output.C_N) && cN != null ? rowsOf(cN, n, batch, b, hs) : null);
            }
            return results;
        }
    }

    /** Frees the kept x tensor (the batcher calls this once it stops). */
    void close() {
        xTensor.close();
    }

    private static Tensor upload(Backend be, Precision p, float[] data, int... shape) {
        return upload(be, p, FloatBuffer.wrap(data), shape);
    }

    private static Tensor upload(Backend be, Precision p, FloatBuffer data, int... shape) {
        Tensor t = be.allocate(p, shape);
        try {
            t.write(data);
            return t;
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    /** [L·D, B, size] from each row's h0 (or c0), zeros for rows without. */
    private static float[] states(List<Pending> rows, boolean hidden, int n, int batch, int size) {
        float[] s = new float[n * batch * size];
        for (int b = 0; b < batch; b++) {
            float[][] st = hidden ? rows.get(b).request().h0() : rows.get(b).request().c0();
            if (st == null) continue;
            for (int l = 0; l < n; l++) System.arraycopy(st[l], 0, s, (l * batch + b) * size, size);
        }
        return s;
    }

    /** Row b of a [count, B, width] array, as [count][width]. */
    private static float[][] rowsOf(float[] a, int count, int batch, int b, int width) {
        float[][] r = new float[count][];
        for (int i = 0; i < count; i++) {
            int from = (i * batch + b) * width;
            r[i] = Arrays.copyOfRange(a, from, from + width);
        }
        return r;
    }
}
