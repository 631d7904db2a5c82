package io.fusedrnn.opencl;

import io.fusedrnn.BackendContract;
import io.fusedrnn.check.ContractCase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;

/**
 * The tiled step kernels with 16 batch rows per work-item ({@value ClOps#STEP_ROWS_PROPERTY}, a GPU's
 * tuning at large batches), the K split and the chunked GEMM, on batches the contract's cases (B ≤ 7)
 * never reach ({@link ContractCase#wide()}: 19 to 70 rows, so the last row block is partial), forward
 * and gradients against the float64 reference.
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
        return ContractCase.wide();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void sixteenRowsPerWorkItemAgreeWithTheReference(ContractCase c) {
        BackendContract.assertAgreesWithTheReference(cl, c);
    }
}
