package io.fusedrnn.vector;

import io.fusedrnn.Backend;
import io.fusedrnn.BackendContract;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.Precision;
import io.fusedrnn.check.ReferenceComparison;
import io.fusedrnn.check.SweepProblem;
import io.fusedrnn.check.Tolerances;
import io.fusedrnn.reference.ReferenceBackend;
import io.fusedrnn.check.ContractCase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Steps whose rows the GEMM reads from micro-panels (docs/DESIGN.md, Vector backend, "A in micro-panels
 * (round 16)"): G·H of 8 panels or more (since round 19; 32 before, which no contract case reached). Split
 * by rows (each worker's own slots, and groups), by units, on three workers and on one, with equal and ragged
 * lengths, both directions, against the float64 reference in both precisions, training (forward and
 * gradients) and inference (whose steps may also copy x_t's rows): a tile read from the wrong rows or
 * the wrong step's copy is off by far more than the tolerances. Splits against each other bitwise:
 * VectorBackendGroupsTest. With 256-bit vectors (the pom's avx2 run) no step uses micro-panels and the
 * same checks hold.
 */
class VectorMicroPanelTest {
    static List<ContractCase> cases() {
        List<ContractCase> c = new ArrayList<>();
        // LSTM H = 256: G·H = 1024, 32 panels; B = 24: 12 rows per worker (one whole tile and a rest)
        c.add(new ContractCase(LayerSpec.lstm(40, 256), 5, 24, false, true, false, 71));
        c.add(new ContractCase(LayerSpec.lstm(40, 256), 6, 24, true, false, true, 72));
        // B = 64: four groups of 16 rows
        c.add(new ContractCase(LayerSpec.lstm(24, 256), 4, 64, false, true, false, 73));
        // GRU H = 352 (not whole panels: its steps project all rows first), both variants: G·H = 1056, 33 panels
        c.add(new ContractCase(LayerSpec.gru(40, 352, true), 5, 24, false, true, true, 74));
        c.add(new ContractCase(LayerSpec.gru(40, 352, false), 5, 24, true, true, false, 75));
        // GRU H = 384 on whole panels (each step projects its rows): 36 panels, groups of 16
        c.add(new ContractCase(LayerSpec.gru(24, 384, true), 4, 64, false, false, true, 76));
        return c;
    }

    @Test
    void theCopyPaysFromEightPanelsWithTheEightRowTile() {
        FloatMath m = new FloatMath();
        assertEquals(FloatGemm.MR == 8, m.tilesPay(8), FloatGemm.describe());
        assertTrue(!m.tilesPay(7), "7 panels");
    }

    /**
     * The copy itself, both precisions, against its definition (tile t's row r, column kk at
     * mp[mo + t·ts + 8·kk + r]): K from 1 to 40 (whole vectors of 8 and 16 lanes, tails and K below one
     * vector), rows past the last whole tile left alone, a source row stride wider than K, an offset
     * destination inside wider panels.
     */
    @Test
    void rowsGoToMicroPanelsAsDefined() {
        java.util.Random r = new java.util.Random(5);
        for (int kc = 1; kc <= 40; kc++) {
            int rows = 21, rs = kc + 3, off = 2, mo = 8 * 5, ts = kc + 7;
            float[] af = new float[off + rows * rs];
            double[] ad = new double[af.length];
            for (int i = 0; i < af.length; i++) ad[i] = af[i] = r.nextFloat();
            int size = mo + 2 * 8 * ts + 8 * ts;
            float[] mf = new float[size];
            double[] md = new double[size];
            java.util.Arrays.fill(mf, -1f);
            java.util.Arrays.fill(md, -1d);
            FloatGemm.packTiles(af, off, rs, rows, kc, mf, mo, ts);
            DoubleGemm.packTiles(ad, off, rs, rows, kc, md, mo, ts);
            for (int i = 0; i < size; i++) {
                int q = i - mo, t = q < 0 ? -1 : q / (8 * ts), w = q < 0 ? -1 : q % (8 * ts), kk = w / 8, row = w % 8;
                boolean packed = q >= 0 && t < rows / 8 && kk < kc;
                double want = packed ? af[off + (8 * t + row) * rs + kk] : -1;
                assertEquals(want, mf[i], "float, K " + kc + ", element " + i);
                assertEquals(packed ? ad[off + (8 * t + row) * rs + kk] : -1, md[i], "double, K " + kc + ", element " + i);
            }
        }
    }

    /** A backend to open: every split on two workers, three workers by rows, one worker (every row, split by units). */
    private record Config(int workers, Recurrence.Split split) {
        Backend open() {
            return new VectorBackend(workers, split);
        }

        static List<Config> all() {
            List<Config> b = new ArrayList<>();
            for (Recurrence.Split s : Recurrence.Split.values()) b.add(new Config(2, s));
            b.add(new Config(3, Recurrence.Split.ROWS));
            b.add(new Config(1, Recurrence.Split.AUTO));
            return b;
        }
    }

    /** Training: the forward keeps its reserve (h's copies; x projected up front), then the gradients. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void trainingAgreesWithTheReferenceOnEverySplit(ContractCase c) {
        for (Config k : Config.all()) {
            try (Backend be = k.open()) {
                BackendContract.assertAgreesWithTheReference(be, c);
            }
        }
    }

    /** Inference: where H is whole panels, each step also copies its rows of x_t (split by rows, or one worker). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void inferenceAgreesWithTheReferenceOnEverySplit(ContractCase c) {
        SweepProblem problem = new SweepProblem(c);
        double[] want;
        try (Backend ref = new ReferenceBackend()) {
            want = problem.run(ref, Precision.FP64, false).outputs();
        }
        for (Config k : Config.all()) {
            try (Backend be = k.open()) {
                for (Precision p : Precision.values()) {
                    double tol = p == Precision.FP64 ? Tolerances.FP64_VS_REFERENCE : Tolerances.FP32_FORWARD;
                    double e = ReferenceComparison.relativeL2(problem.run(be, p, false).outputs(), want);
                    assertTrue(e <= tol, () -> k + " " + p + ": relative L2 error " + e + " > " + tol + " against the reference, case " + c);
                }
            }
        }
    }
}
