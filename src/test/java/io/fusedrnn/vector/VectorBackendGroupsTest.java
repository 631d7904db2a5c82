package io.fusedrnn.vector;

import io.fusedrnn.Backend;
import io.fusedrnn.BackendContract;
import io.fusedrnn.Precision;
import io.fusedrnn.check.ContractCase;
import io.fusedrnn.check.SweepProblem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract with the forward's rows in groups that three workers claim a few steps at a time
 * ({@link Recurrence.Split#GROUPS}, forced at any group size, so even B = 2 runs as two groups), and
 * the default on {@link ContractCase#wide()}'s batches (its groups from 32 rows: 35, 64 and 70) against
 * the float64 reference; on those, every split gives each row bitwise the same result.
 */
class VectorBackendGroupsTest extends BackendContract {
    @Override
    protected Backend open() {
        return new VectorBackend(3, Recurrence.Split.GROUPS);
    }

    static List<ContractCase> wide() {
        return ContractCase.wide();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wide")
    void groupsOfTheDefaultSizeAgreeWithTheReference(ContractCase c) {
        try (Backend be = new VectorBackend(2, Recurrence.Split.AUTO)) {
            BackendContract.assertAgreesWithTheReference(be, c);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wide")
    void everySplitGivesEachRowBitwiseTheSameResult(ContractCase c) {
        SweepProblem p = new SweepProblem(c);
        SweepProblem.Outcome[] got = new SweepProblem.Outcome[3];
        Recurrence.Split[] splits = {Recurrence.Split.UNITS, Recurrence.Split.ROWS, Recurrence.Split.AUTO};
        for (int i = 0; i < splits.length; i++) {
            try (Backend be = new VectorBackend(2, splits[i])) {
                got[i] = p.run(be, Precision.FP32, true);
            }
        }
        for (int i = 1; i < splits.length; i++) {
            String what = splits[i] + " against " + splits[0];
            assertArrayEquals(got[0].y(), got[i].y(), what + ": y");
            assertArrayEquals(got[0].hN(), got[i].hN(), what + ": h_n");
            assertArrayEquals(got[0].dx(), got[i].dx(), what + ": dx");
            for (int k = 0; k < got[0].dW().length; k++) {
                assertTrue(Arrays.equals(got[0].dW()[k], got[i].dW()[k]), what + ": weight gradient " + k);
            }
        }
    }
}
