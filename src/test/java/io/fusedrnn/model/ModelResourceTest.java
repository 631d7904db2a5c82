package io.fusedrnn.model;

import io.fusedrnn.Backend;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The model layer frees every tensor, prepared layer and reserve it makes, on success and on failure:
 * the backend's live-object count returns to where it started after each cycle, on every backend.
 */
class ModelResourceTest {
    static final int CYCLES = 20;

    @TestFactory
    List<DynamicTest> modelCyclesLeaveNoLiveObjects() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String b : Fixtures.BACKENDS) tests.add(DynamicTest.dynamicTest(b, () -> cycles(b)));
        return tests;
    }

    static void cycles(String backendName) {
        RnnModel lstm = RnnModel.random(RnnConfig.lstm(3, 4, 2, 2, true), 1);
        RnnModel gru = RnnModel.random(RnnConfig.gru(3, 4, 2, false, true), 2);
        Precision p = Precision.FP64;
        try (Backend be = Fixtures.openOrSkip(backendName)) {
            long base = be.liveObjects();
            for (int i = 0; i < CYCLES; i++) {
                try (PreparedRnn rnn = lstm.prepare(be, p);
                     Tensor x = be.allocate(p, 4, 2, 3);
                     Tensor h0 = be.allocate(p, 4, 2, 2);
                     Tensor c0 = be.allocate(p, 4, 2, 4);
                     Tensor bad = be.allocate(p, 4, 3, 2)) {
                    try (RnnTrace t = rnn.forwardTraining(x, h0, c0, new int[] {4, 2}); RnnGradients g = rnn.backward(t, null, null, null)) {
                        assertEquals(4, g.weights().size());
                    }
                    try (RnnOutput out = rnn.forward(x, null, c0, null)) {
                        assertEquals(2, out.y().dim(1));
                    }
                    assertThrows(FusedRnnException.class, () -> rnn.forward(x, bad, null, null));
                    // fails in the first sweep's operand checks, after layer 0's y was allocated
                    assertThrows(FusedRnnException.class, () -> rnn.forward(x, h0, c0, new int[] {4, 5}));
                }
                try (PreparedRnn rnn = gru.prepare(be, p); RnnStream s = rnn.stream(2, null, null); Tensor x = be.allocate(p, 1, 2, 3)) {
                    for (int k = 0; k < 3; k++) s.step(x).close();
                    s.hN().close();
                }
                assertEquals(base, be.liveObjects(), backendName + ": live objects after cycle " + i);
            }
        }
    }
}
