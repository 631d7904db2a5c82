package io.fusedrnn.opencl;

import io.fusedrnn.Backend;
import io.fusedrnn.BackendContract;
import io.fusedrnn.FusedRnnException;
import org.junit.jupiter.api.Test;

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
            ClOps.GEMM_SPLIT_PROPERTY, "16", ClOps.GEMM_LAYOUT_PROPERTY, "chunked");

    @Override
    protected Backend open() {
        return OpenClPlatform.openTiled(GPU);
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
    void stepRowsGrowOffCpusWhileTheGridKeepsTwoWorkGroupsPerComputeUnit() {
        // the H200's 132 compute units: large (B256, H1024) 4 -> 8 (1024 groups) -> 16 (512); batch (B64, H512)
        // stays at 4 (8 rows would leave 128 groups); a CPU (0) and small batches keep 4 or the batch
        assertEquals(16, ClOps.stepRowsFor(256, 1024, 132));
        assertEquals(4, ClOps.stepRowsFor(64, 512, 132));
        assertEquals(8, ClOps.stepRowsFor(256, 512, 132));
        assertEquals(4, ClOps.stepRowsFor(256, 1024, 0));
        assertEquals(2, ClOps.stepRowsFor(3, 1024, 132));
        assertEquals(1, ClOps.stepRowsFor(1, 256, 132));
    }

    @Test
    void aDefaultGemmTileShrinksToTheDevicesLimitsAndAnExplicitOneThatDoesNotFitIsNamed() {
        // the H200: 1024 work-items, 48 KB; 128/16/8 chunked fits in fp32 (16.9 KB) and fp64 (33.8 KB)
        assertEquals(128, ClOps.fitGemmTile(new int[] {128, 16, 8}, true, 8, 1024, 49152, false, "H200")[0]);
        assertEquals(33792, ClOps.gemmLocalBytes(128, 16, true, 8));
        // a 32 KB device in fp64 halves to 64; a device of 128 work-items too (256 needed)
        assertEquals(64, ClOps.fitGemmTile(new int[] {128, 16, 8}, true, 8, 1024, 32768, false, "small")[0]);
        assertEquals(64, ClOps.fitGemmTile(new int[] {128, 16, 8}, true, 4, 128, 49152, false, "small")[0]);
        var e = assertThrows(FusedRnnException.class, () -> ClOps.fitGemmTile(new int[] {128, 16, 8}, true, 8, 1024, 32768, true, "small"));
        assertEquals(ClOps.GEMM_TILE_PROPERTY + ": 128,16,8 needs 256 work-items and 33792 bytes of local memory per work-group; small allows 1024 and 32768",
                e.getMessage());
    }

    @Test
    void theGemmLayoutIsChunkedOffCpusAndSaysWhatItExpected() {
        assertTrue(ClOps.gemmChunked(null, false, 8));
        assertEquals(false, ClOps.gemmChunked(null, true, 4));
        assertEquals(false, ClOps.gemmChunked(" ", false, 6));
        assertEquals(false, ClOps.gemmChunked("strided", false, 8));
        var e = assertThrows(FusedRnnException.class, () -> ClOps.gemmChunked("chunked", false, 6));
        assertEquals(ClOps.GEMM_LAYOUT_PROPERTY + ": expected 'chunked' (with the tile's WPT a multiple of 4, here 6) or 'strided', found 'chunked'",
                e.getMessage());
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
