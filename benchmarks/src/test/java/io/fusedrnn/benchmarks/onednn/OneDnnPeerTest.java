package io.fusedrnn.benchmarks.onednn;

import io.fusedrnn.Backend;
import io.fusedrnn.Precision;
import io.fusedrnn.PreparedLayer;
import io.fusedrnn.Sweep;
import io.fusedrnn.SweepResult;
import io.fusedrnn.Tensor;
import io.fusedrnn.reference.ReferenceBackend;
import io.fusedrnn.benchmarks.harness.BenchCase;
import io.fusedrnn.benchmarks.harness.BenchCell;
import io.fusedrnn.benchmarks.harness.BenchShape;
import io.fusedrnn.benchmarks.harness.Mode;
import io.fusedrnn.benchmarks.harness.OutputCheck;
import io.fusedrnn.benchmarks.harness.Problem;
import io.fusedrnn.benchmarks.harness.Trial;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OneDnnPeerTest {

    /** Rows and steps beyond the reference's corner, so the whole output is compared too. */
    private static final BenchShape SHAPE = new BenchShape("B=3,T=5,I=7,H=9", 3, 5, 7, 9);

    @Test
    void everyCellMatchesTheFloat64ReferenceIncludingBothGruVariants() {
        try (OneDnnPeer peer = new OneDnnPeer()) {
            for (BenchCell cell : BenchCell.values()) {
                BenchCase c = new BenchCase(cell, SHAPE, Precision.FP32, Mode.INFER);
                assertNull(peer.cannotRun(c), cell.toString());
                Problem p = Problem.of(c);
                try (Trial t = peer.open(p)) {
                    Trial.Outputs got = t.outputs();
                    assertTrue(got.y().length == 5 * 3 * 9 && got.hN().length == 3 * 9, cell.toString());
                    double corner = new OutputCheck(p).errorVsReference(got);
                    assertTrue(corner < 1e-5, cell + ": rel L2 " + corner); // DESIGN's fp32 forward tolerance
                    // the bench's check covers 4 steps; the whole run must match a full float64 run as well
                    double whole = OutputCheck.errorVs(got, reference(p));
                    assertTrue(whole < 1e-5, cell + ": whole run rel L2 " + whole);
                }
            }
        }
    }

    private static Trial.Outputs reference(Problem p) {
        int steps = p.steps(), batch = p.batch(), in = p.benchCase().shape().inputSize(), h = p.benchCase().shape().hiddenSize();
        try (Backend ref = new ReferenceBackend();
             PreparedLayer layer = ref.prepare(p.weights(), Precision.FP64);
             Tensor x = ref.upload(Precision.FP64, p.x(), steps, batch, in);
             Tensor y = ref.allocate(Precision.FP64, steps, batch, h);
             SweepResult r = ref.forward(layer, Sweep.of(x), y, 0, false)) {
            return new Trial.Outputs(y.toDoubleArray(), r.hN().toDoubleArray());
        }
    }

    @Test
    void theWrongGruVariantIsCaught() {
        // oneDNN's lbr_gru on weights the reference runs as reset-before: the check must see it
        BenchCase rb = new BenchCase(BenchCell.GRU_RB, SHAPE, Precision.FP32, Mode.INFER);
        Problem p = Problem.of(rb);
        BenchCase lbr = new BenchCase(BenchCell.GRU, SHAPE, Precision.FP32, Mode.INFER);
        Problem swapped = new Problem(lbr, new io.fusedrnn.LayerWeights(lbr.spec(), p.weights().wIh(), p.weights().wHh(),
                p.weights().bIh(), p.weights().bHh(), p.weights().wHr()), p.x(), null);
        try (OneDnnPeer peer = new OneDnnPeer(); Trial t = peer.open(swapped)) {
            double err = new OutputCheck(p).errorVsReference(t.outputs());
            assertTrue(err > 1e-3, "reset-before and linear-before-reset agree to " + err);
        }
    }

    @Test
    void trainingAndFp64AreRefusedWithTheReason() {
        try (OneDnnPeer peer = new OneDnnPeer()) {
            assertNotNull(peer.cannotRun(new BenchCase(BenchCell.LSTM, SHAPE, Precision.FP32, Mode.TRAIN)));
            assertNotNull(peer.cannotRun(new BenchCase(BenchCell.LSTM, SHAPE, Precision.FP64, Mode.INFER)));
        }
    }
}
