package io.fusedrnn.opencl;

import io.fusedrnn.Backend;
import io.fusedrnn.BackendContract;

import java.util.Map;

/**
 * The backend contract with the kernels shaped as on a GPU, here on PoCL: the tiled rung, each step's
 * recurrent sum split across 8 rows of work-items and added through local memory, and the GPU's
 * 64×64 GEMM tile with 8×8 accumulators per work-item ({@link ClOps#stepSplit}, {@link ClOps#gemmTile}).
 */
class OpenClGpuGeometryTest extends BackendContract {
    private static final Map<String, String> GPU = Map.of(ClOps.STEP_SPLIT_PROPERTY, "8", ClOps.GEMM_TILE_PROPERTY, "64,16,8");

    @Override
    protected Backend open() {
        OpenClBackend probe = OpenClPlatform.open(); // skips or fails as OpenClPlatform says
        probe.close();
        Map<String, String> before = new java.util.HashMap<>();
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

    @Override
    protected int cycles() {
        return 300; // the leak check already ran 2000 cycles in OpenClBackendTest; same host code here
    }
}
