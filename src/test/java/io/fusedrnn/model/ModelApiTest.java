package io.fusedrnn.model;

import io.fusedrnn.Backend;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;
import io.fusedrnn.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model API checks its operands (naming operand, expected and found), and its lifetimes. */
class ModelApiTest {
    private static final Precision P = Precision.FP64;

    private static void fails(String message, Executable e) {
        FusedRnnException ex = assertThrows(FusedRnnException.class, e);
        assertTrue(ex.getMessage().contains(message), "expected '" + message + "' in: " + ex.getMessage());
    }

    @Test
    void operandsWithTheWrongShapeAreNamed() {
        try (Backend be = new ReferenceBackend();
             PreparedRnn lstm = RnnModel.random(RnnConfig.lstm(3, 4, 2, 2, true), 1).prepare(be, P);
             PreparedRnn gru = RnnModel.random(RnnConfig.gru(3, 4, 1, false, true), 1).prepare(be, P);
             Tensor x = be.allocate(P, 5, 2, 3);
             Tensor x4 = be.allocate(P, 5, 2, 4);
             Tensor h0 = be.allocate(P, 4, 2, 2);
             Tensor h0bad = be.allocate(P, 2, 2, 2);
             Tensor c0bad = be.allocate(P, 4, 2, 2);
             Tensor gruH = be.allocate(P, 1, 2, 4);
             Tensor x32 = be.allocate(Precision.FP32, 5, 2, 3)) {
            fails("x: expected [T>=1, B>=1, 3], found [5, 2, 4]", () -> lstm.forward(x4, null, null, null));
            fails("h0: expected [4, 2, 2], found [2, 2, 2]", () -> lstm.forward(x, h0bad, null, null));
            fails("c0: expected [4, 2, 4], found [4, 2, 2]", () -> lstm.forward(x, h0, c0bad, null));
            fails("c0: expected none for GRU", () -> gru.forward(x, gruH, gruH, null));
            fails("lengths[1]: expected 0..5 (T), found 6", () -> lstm.forward(x, null, null, new int[] {5, 6}));
            fails("lengths: expected 2 values (B), found 1", () -> gru.forward(x, null, null, new int[] {5}));
            fails("x: expected fp64 like the model, found fp32", () -> lstm.forward(x32, null, null, null));
            try (RnnTrace t = lstm.forwardTraining(x, h0, null, null); Tensor dyBad = be.allocate(P, 5, 2, 3)) {
                fails("dy: expected [5, 2, 4], found [5, 2, 3]", () -> lstm.backward(t, dyBad, null, null));
                fails("trace: expected one made by forwardTraining of this model", () -> gru.backward(t, null, null, null));
                try (RnnGradients g = lstm.backward(t, null, null, null)) {
                    assertEquals(List.of(5, 2, 3), List.of(g.dx().dim(0), g.dx().dim(1), g.dx().dim(2)));
                    assertEquals(4, g.weights().size());
                }
            }
            try (RnnOutput out = gru.forward(x, null, null, null)) {
                assertNull(out.cN());
                assertEquals(List.of(1, 2, 4), List.of(out.hN().dim(0), out.hN().dim(1), out.hN().dim(2)));
            }
        }
    }

    @Test
    void modelsRejectWeightsOfTheWrongLayerShape() {
        RnnConfig cfg = RnnConfig.lstm(3, 4, 0, 2, false);
        LayerWeights l0 = LayerWeights.random(LayerSpec.lstm(3, 4), 1);
        fails("model weights: expected 2 layer-directions (L·D), found 1", () -> new RnnModel(cfg, List.of(l0)));
        fails("model weights l1: expected lstm I=4 H=4, found lstm I=3 H=4", () -> new RnnModel(cfg, List.of(l0, l0)));
    }

    @Test
    void useAfterCloseIsAnIllegalStateAndClosingTwiceIsHarmless() {
        Backend be = new ReferenceBackend();
        PreparedRnn rnn = RnnModel.random(RnnConfig.gru(2, 3, 1, false, false), 1).prepare(be, P);
        Tensor x = be.allocate(P, 2, 1, 2);
        RnnTrace trace = rnn.forwardTraining(x, null, null, null);
        trace.close();
        trace.close();
        assertThrows(IllegalStateException.class, () -> rnn.backward(trace, null, null, null));
        RnnStream s = rnn.stream(1, null, null);
        s.close();
        s.close();
        assertThrows(IllegalStateException.class, () -> s.step(x));
        rnn.close();
        rnn.close();
        assertThrows(IllegalStateException.class, () -> rnn.forward(x, null, null, null));
        be.close();
    }
}
