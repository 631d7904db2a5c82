package io.fusedrnn.opencl;

import io.fusedrnn.LayerSpec;
import io.fusedrnn.Precision;
import io.fusedrnn.check.ContractCase;
import io.fusedrnn.check.ReferenceComparison;
import io.fusedrnn.check.Tolerances;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tiled step kernels with 16 batch rows per work-item ({@value ClOps#STEP_ROWS_PROPERTY}, a GPU's
 * tuning at large batches), the K split and the chunked GEMM, on batches the contract's cases (B ≤ 7)
 * never reach: 19 and 35 rows, so the last row block is partial, every cell, ragged lengths, both
 * directions, forward and gradients against the float64 reference.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenClStepRowsTest {
    private static final Map<String, String> WIDE = Map.of(ClOps.STEP_ROWS_PROPERTY, "16", ClOps.STEP_SPLIT_PROPERTY, "8",
            ClOps.GEMM_TILE_PROPERTY, "128,16,8", ClOps.GEMM_LAYOUT_PROPERTY, "chunked", ClOps.GEMM_SPLIT_PROPERTY, "16");
    private OpenClBackend cl;

    @BeforeAll
    void open() {
        cl = OpenClPlatform.openTiled(WIDE);
    }

    @AfterAll
    void close() {
        if (cl != null) cl.close();
    }

    static List<ContractCase> cases() {
        return List.of(
                new ContractCase(LayerSpec.lstm(9, 40), 6, 19, false, true, true, 201),
                new ContractCase(LayerSpec.lstm(9, 40, 24), 5, 35, true, true, true, 202),
                new ContractCase(LayerSpec.gru(7, 48, true), 6, 35, true, true, true, 203),
                new ContractCase(LayerSpec.gru(7, 33, false), 5, 19, false, false, true, 204));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void sixteenRowsPerWorkItemAgreeWithTheReference(ContractCase c) {
        for (Precision p : Precision.values()) {
            double forward = p == Precision.FP64 ? Tolerances.FP64_VS_REFERENCE : Tolerances.FP32_FORWARD;
            double backward = p == Precision.FP64 ? Tolerances.FP64_VS_REFERENCE : Tolerances.FP32_BACKWARD;
            for (ReferenceComparison.Error e : ReferenceComparison.run(cl, c, p)) {
                double limit = e.gradient() ? backward : forward;
                assertTrue(e.relative() <= limit, () -> p + " " + e.tensor() + ": relative L2 error " + e.relative() + " > " + limit + ", case " + c);
            }
        }
    }
}
