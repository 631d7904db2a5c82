package io.fusedrnn;

import io.fusedrnn.reference.ReferenceBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The operand checks every backend inherits from {@link Backend}: each names the operand, expected and found. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BackendChecksTest {
    private final Backend backend = new ReferenceBackend();
    private PreparedLayer lstm;
    private final Precision p = Precision.FP64;

    @BeforeAll
    void prepare() {
        lstm = backend.prepare(LayerWeights.random(LayerSpec.lstm(5, 4, 3), 1), p);
    }

    @AfterAll
    void close() {
        backend.close();
    }

    private String forwardError(Tensor x, Tensor h0, Tensor c0, int[] lengths, Tensor y, int column) {
        FusedRnnException e = assertThrows(FusedRnnException.class,
                () -> backend.forward(lstm, new Sweep(x, h0, c0, lengths, false), y, column, false));
        return e.getMessage();
    }

    @Test
    void mismatchedShapesNameTheOperandTheExpectedAndTheFound() {
        try (Tensor x = backend.allocate(p, 6, 2, 5); Tensor bad = backend.allocate(p, 6, 2, 4);
             Tensor y = backend.allocate(p, 6, 2, 3); Tensor h0 = backend.allocate(p, 2, 4);
             Tensor c0 = backend.allocate(p, 2, 3)) {
            assertEquals("x: expected [T>=1, B>=1, 5], found [6, 2, 4]", forwardError(bad, null, null, null, y, 0));
            assertEquals("h0: expected [2, 3], found [2, 4]", forwardError(x, h0, null, null, y, 0));
            assertEquals("c0: expected [2, 4], found [2, 3]", forwardError(x, null, c0, null, y, 0));
            assertEquals("y: expected [6, 2, >=4] written from column 1, found [6, 2, 3]", forwardError(x, null, null, null, y, 1));
            assertEquals("lengths: expected 2 values (B), found 3", forwardError(x, null, null, new int[] {1, 2, 3}, y, 0));
            assertEquals("lengths[1]: expected 0..6 (T), found 7", forwardError(x, null, null, new int[] {1, 7}, y, 0));
        }
    }

    @Test
    void tensorsMustMatchTheLayersPrecisionAndBackend() {
        try (Tensor x32 = backend.allocate(Precision.FP32, 1, 1, 5); Tensor y = backend.allocate(p, 1, 1, 3);
             Backend other = new ReferenceBackend(); Tensor foreign = other.allocate(p, 1, 1, 5)) {
            assertEquals("x: expected fp64 like the layer, found fp32", forwardError(x32, null, null, null, y, 0));
            assertEquals("x: expected a tensor of backend reference, found one of reference", forwardError(foreign, null, null, null, y, 0));
        }
    }

    @Test
    void weightsOfTheWrongSizeAreRejectedAtConstruction() {
        LayerSpec s = LayerSpec.gru(3, 2, true);
        FusedRnnException e = assertThrows(FusedRnnException.class,
                () -> new LayerWeights(s, new double[18], new double[11], new double[6], new double[6], null));
        assertEquals("weight_hh: expected 6x2 = 12 values, found 11", e.getMessage());
        FusedRnnException proj = assertThrows(FusedRnnException.class, () -> new LayerSpec(Cell.GRU, 3, 4, 2, true));
        assertEquals("proj size: only LSTM has a projection, found proj size 2 for GRU", proj.getMessage());
    }

    @Test
    void backwardNeedsTheReserveOfThisLayersTrainingForward() {
        try (Tensor x = backend.allocate(p, 2, 1, 5); Tensor y = backend.allocate(p, 2, 1, 3);
             Tensor dx = backend.allocate(p, 2, 1, 5)) {
            Sweep sweep = Sweep.of(x);
            try (SweepResult inference = backend.forward(lstm, sweep, y, 0, false)) {
                FusedRnnException e = assertThrows(FusedRnnException.class,
                        () -> backend.backward(lstm, sweep, inference.reserve(), y, 0, null, null, dx));
                assertTrue(e.getMessage().startsWith("reserve: expected the reserve of a training-mode forward"), e.getMessage());
            }
        }
    }

    @Test
    void closedBackendThrowsIllegalState() {
        Backend b = new ReferenceBackend();
        b.close();
        b.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.allocate(p, 1));
        assertEquals("backend reference was used after close", e.getMessage());
    }
}
