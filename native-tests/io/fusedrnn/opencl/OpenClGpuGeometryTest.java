package io.fusedrnn.opencl;

import io.fusedrnn.Backend;
import io.fusedrnn.BackendContract;
import io.fusedrnn.FusedRnnException;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backend contract with the kernels shaped as on a GPU, here on PoCL: the tiled rung, each step's
 * recurrent sum split across 8 rows of work-items and added through local memory, the GPU's 64×64
 * GEMM tile with 8×8 accumulators per work-item, and K split into up to 16 slices where the GEMM's grid
 * is small ({@link ClOps#stepSplit}, {@link ClOps#gemmTile}, {@link ClOps#gemmSlices}; PoCL's 2
 * compute units make most of the contract's GEMMs split).
 */
class OpenClGpuGeometryTest extends BackendContract {
    private static final Map<String, String> GPU = Map.of(ClOps.STEP_SPLIT_PROPERTY, "8", ClOps.GEMM_TILE_PROPERTY, "64,16,8",
            ClOps.GEMM_SPLIT_PROPERTY, "16");

    @Override
    protected Backend open() {
        OpenClBackend probe = OpenClPlatform.open(); // skips or fails as OpenClPlatform says
        probe.close();
        Map<String, String> before = new HashMap<>();
        GPU.forEach((k, v) -> before.put(k, System.setProperty(k, v)));
        try {
            return OpenClBackend.open(System.getenv().getOrDefault("FUSEDRNN_OPENCL_DEVICE", ""), true);
        } finally {
            before.forEach((k, v) -> {
                if (v == null) System.clearProperty(k);
                else System.setProperty(k, v);
            });
        }
    }

    @Test
    void theGemmSplitsKOnlyWhereItsGridIsSmall() {
        // the H200 (132 compute units), 64x64 tiles, TK 16: a backward step's dh_prev at the batch shape is
        // 8 work-groups over K = 2048 -> 16 slices; the input projection (3200 x 2048) is 1600: no split
        assertEquals(16, ClOps.gemmSlices(8, 2048, 132, 16, 16));
        assertEquals(1, ClOps.gemmSlices(1600, 512, 132, 16, 16));
        // each slice keeps two K tiles: K = 96 allows 2 slices of 48, not 4 of 24
        assertEquals(2, ClOps.gemmSlices(1, 96, 132, 16, 16));
        // the limit, and a CPU's 1
        assertEquals(4, ClOps.gemmSlices(8, 2048, 132, 4, 16));
        assertEquals(1, ClOps.gemmSlices(8, 2048, 132, 1, 16));
        // doubles until the grid reaches two work-groups per compute unit (100 -> 200 -> 400 >= 264)
        assertEquals(4, ClOps.gemmSlices(100, 2048, 132, 16, 16));
        assertEquals(1, ClOps.gemmSlices(264, 2048, 132, 16, 16));
    }

    @Test
    void tuningPropertiesTakePowersOfTwoAndSayWhatTheyExpected() {
        assertEquals(16, ClOps.gemmSplitLimit(null, false));
        assertEquals(1, ClOps.gemmSplitLimit("", true));
        assertEquals(4, ClOps.stepSplit(" 4 ", true));
        for (String bad : new String[] {"3", "16", "0", "x"}) {
            var e = assertThrows(FusedRnnException.class, () -> ClOps.stepSplit(bad, false));
            assertEquals(ClOps.STEP_SPLIT_PROPERTY + ": expected a power of two from 1 to 8, found '" + bad + "'", e.getMessage());
        }
        var e = assertThrows(FusedRnnException.class, () -> ClOps.gemmTile("64,16,5", false));
        assertTrue(e.getMessage().startsWith(ClOps.GEMM_TILE_PROPERTY + ": expected TS,TK,WPT"), e.getMessage());
    }

    @Override
    protected int cycles() {
        return 300; // the leak check already ran 2000 cycles in OpenClBackendTest; same host code here
    }
}
