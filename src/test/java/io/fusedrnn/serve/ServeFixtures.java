package io.fusedrnn.serve;

import io.fusedrnn.Backend;
import io.fusedrnn.Tensor;
import io.fusedrnn.model.PreparedRnn;
import io.fusedrnn.model.RnnConfig;
import io.fusedrnn.model.RnnOutput;

import java.util.Arrays;
import java.util.Random;

/** Random sequences and states for the serve tests, and the oracle: one sequence run alone (B = 1) on the same prepared model. */
final class ServeFixtures {
    private ServeFixtures() {
    }

    static float[][] matrix(Random r, int rows, int cols) {
        float[][] m = new float[rows][cols];
        for (float[] row : m) for (int j = 0; j < cols; j++) row[j] = (float) r.nextGaussian();
        return m;
    }

    /** The request's sequence run alone through {@code rnn}, every output. */
    static RnnResult alone(PreparedRnn rnn, RnnRequest q) {
        Backend be = rnn.backend();
        RnnConfig c = rnn.config();
        int steps = q.x().length, n = c.sweeps();
        try (Tensor x = upload(be, rnn, flat(q.x()), steps, 1, c.inputSize());
             Tensor h0 = q.h0() == null ? null : upload(be, rnn, flat(q.h0()), n, 1, c.outputSize());
             Tensor c0 = q.c0() == null ? null : upload(be, rnn, flat(q.c0()), n, 1, c.hiddenSize());
             RnnOutput o = rnn.forward(x, h0, c0, null)) {
            return new RnnResult(split(o.y().toFloatArray(), steps), split(o.hN().toFloatArray(), n),
                    o.cN() == null ? null : split(o.cN().toFloatArray(), n));
        }
    }

    private static Tensor upload(Backend be, PreparedRnn rnn, float[] data, int... shape) {
        Tensor t = be.allocate(rnn.precision(), shape);
        t.write(data);
        return t;
    }

    static float[] flat(float[][] m) {
        int w = m[0].length;
        float[] out = new float[m.length * w];
        for (int i = 0; i < m.length; i++) System.arraycopy(m[i], 0, out, i * w, w);
        return out;
    }

    static float[][] split(float[] a, int rows) {
        int w = a.length / rows;
        float[][] out = new float[rows][];
        for (int i = 0; i < rows; i++) out[i] = Arrays.copyOfRange(a, i * w, (i + 1) * w);
        return out;
    }
}
