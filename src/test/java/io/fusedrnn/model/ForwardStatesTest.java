package io.fusedrnn.model;

import io.fusedrnn.Backend;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link PreparedRnn#forwardStates}: h_n and c_n bit for bit those of {@link PreparedRnn#forward}
 * (ragged rows, states, several layers, both directions, repeated and alternating shapes so that kept
 * scratch tensors are reused), no y, and every scratch tensor freed by the model's close, on every backend.
 */
class ForwardStatesTest {

    @TestFactory
    List<DynamicTest> statesEqualForwardsAndScratchIsFreedOnClose() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String b : Fixtures.BACKENDS) tests.add(DynamicTest.dynamicTest(b, () -> check(b)));
        return tests;
    }

    private static void check(String backendName) {
        Precision p = Precision.FP32;
        Random r = new Random(12);
        try (Backend be = Fixtures.openOrSkip(backendName)) {
            long base = be.liveObjects();
            for (RnnConfig cfg : List.of(RnnConfig.lstm(3, 5, 0, 2, true), RnnConfig.gru(3, 4, 1, false, true))) {
                try (PreparedRnn rnn = RnnModel.random(cfg, 3).prepare(be, p)) {
                    // six shapes in turn, each twice: more than the scratch keeps, and some taken again
                    int[][] shapes = {{6, 3}, {6, 3}, {4, 2}, {7, 3}, {4, 2}, {5, 1}, {8, 2}, {6, 3}, {3, 4}, {3, 4}, {7, 3}, {5, 1}};
                    for (int[] tb : shapes) {
                        int steps = tb[0], batch = tb[1];
                        int[] lengths = new int[batch];
                        for (int b = 0; b < batch; b++) lengths[b] = 1 + r.nextInt(steps);
                        lengths[0] = steps;
                        try (Tensor x = be.upload(p, random(r, steps * batch * 3), steps, batch, 3);
                             Tensor h0 = be.upload(p, random(r, cfg.sweeps() * batch * cfg.outputSize()), cfg.sweeps(), batch, cfg.outputSize());
                             RnnOutput full = rnn.forward(x, h0, null, lengths);
                             RnnOutput states = rnn.forwardStates(x, h0, null, lengths)) {
                            String where = cfg.describe() + " T=" + steps + " B=" + batch;
                            assertNull(states.y(), where);
                            assertArrayEquals(full.hN().toFloatArray(), states.hN().toFloatArray(), "h_n " + where);
                            if (full.cN() == null) assertNull(states.cN(), where);
                            else assertArrayEquals(full.cN().toFloatArray(), states.cN().toFloatArray(), "c_n " + where);
                        }
                    }
                    try (Tensor x = be.allocate(p, 4, 2, 3); Tensor bad = be.allocate(p, 4, 3, 2)) {
                        assertThrows(FusedRnnException.class, () -> rnn.forwardStates(x, bad, null, null));
                        assertThrows(FusedRnnException.class, () -> rnn.forwardStates(x, null, null, new int[] {4, 5}));
                    }
                }
                assertEquals(base, be.liveObjects(), backendName + ": live objects after closing the model");
            }
        }
    }

    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }
}
