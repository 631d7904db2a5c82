package io.fusedrnn.vector;

import io.fusedrnn.Backend;
import io.fusedrnn.BackendContract;
import io.fusedrnn.LayerSpec;
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
 * (round 16)"): G·H of 32 panels or more, so that the copy pays, which no contract case reaches. Split
 * by rows (each worker's own slots, and groups), by units, and on three workers, with equal and ragged
 * lengths, both directions, against the float64 reference in both precisions (forward and gradients):
 * a tile read from the wrong rows or the wrong step's copy is off by far more than the tolerances. Not
 * bitwise across splits: a fresh JVM's first sweeps take σ and tanh's exp from the Java fallback, which
 * differs from C2's in the last bit (README, Determinism; GRU reset-before H = 352 differed so at
 * round 15's code too). With 256-bit vectors (the pom's avx2 run) no step uses micro-panels and the
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
    void theCopyPaysFromThirtyTwoPanelsWithTheEightRowTile() {
        FloatMath m = new FloatMath();
        assertEquals(FloatGemm.MR == 8, m.tilesPay(32), FloatGemm.describe());
        assertTrue(!m.tilesPay(31), "31 panels");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everySplitAgreesWithTheReference(ContractCase c) {
        for (Recurrence.Split s : Recurrence.Split.values()) {
            try (Backend be = new VectorBackend(2, s)) {
                BackendContract.assertAgreesWithTheReference(be, c);
            }
        }
        try (Backend be = new VectorBackend(3, Recurrence.Split.ROWS)) {
            BackendContract.assertAgreesWithTheReference(be, c);
        }
    }
}
