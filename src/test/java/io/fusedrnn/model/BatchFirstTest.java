package io.fusedrnn.model;

import io.fusedrnn.Backend;
import io.fusedrnn.BackendUnavailableException;
import io.fusedrnn.Backends;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Batch-first forward is the time-first forward of the transposed input, transposed back, bit for
 * bit on every backend (h_n and c_n unchanged), and leaves nothing open behind it.
 */
class BatchFirstTest {
    private static float[] transpose(float[] v, int a, int b, int c) {
        float[] out = new float[v.length];
        for (int i = 0; i < a; i++) for (int j = 0; j < b; j++) System.arraycopy(v, (i * b + j) * c, out, (j * a + i) * c, c);
        return out;
    }

    @Test
    void batchFirstIsTheTransposedTimeFirstRunOnEveryBackend() {
        int steps = 5, batch = 3, in = 4;
        RnnModel model = RnnModel.random(RnnConfig.lstm(in, 6, 2, 2, true), 3);
        float[] x = new float[steps * batch * in];
        Random r = new Random(11);
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        int[] lengths = {5, 2, 0};
        for (String name : Fixtures.BACKENDS) {
            Backend opened;
            try {
                opened = Backends.open(name);
            } catch (BackendUnavailableException e) {
                continue;
            }
            try (Backend be = opened) {
                long live = be.liveObjects();
                try (PreparedRnn rnn = model.prepare(be, Precision.FP32);
                     Tensor tf = be.upload(Precision.FP32, x, steps, batch, in);
                     Tensor bf = be.upload(Precision.FP32, transpose(x, steps, batch, in), batch, steps, in);
                     RnnOutput want = rnn.forward(tf, null, null, lengths);
                     RnnOutput got = rnn.forward(bf, null, null, lengths, Layout.BATCH_FIRST);
                     RnnOutput same = rnn.forward(tf, null, null, lengths, Layout.TIME_FIRST);
                     Tensor wide = be.allocate(Precision.FP32, 3, 5, 7)) {
                    int width = want.y().dim(2);
                    assertArrayEquals(new int[] {batch, steps, width}, got.y().shape(), name);
                    assertArrayEquals(transpose(want.y().toFloatArray(), steps, batch, width), got.y().toFloatArray(), 0f, name + " y");
                    assertArrayEquals(want.hN().toFloatArray(), got.hN().toFloatArray(), 0f, name + " h_n");
                    assertArrayEquals(want.cN().toFloatArray(), got.cN().toFloatArray(), 0f, name + " c_n");
                    assertArrayEquals(want.y().toFloatArray(), same.y().toFloatArray(), 0f, name + " time-first");
                    FusedRnnException e = assertThrows(FusedRnnException.class, () -> rnn.forward(wide, null, null, null, Layout.BATCH_FIRST));
                    assertEquals("x: expected [B>=1, T>=1, " + in + "] (batch first), found [3, 5, 7]", e.getMessage());
                }
                assertEquals(live, be.liveObjects(), name + ": nothing left open");
            }
        }
    }
}
