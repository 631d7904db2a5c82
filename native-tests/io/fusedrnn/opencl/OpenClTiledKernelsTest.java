package io.fusedrnn.opencl;

import io.fusedrnn.Backend;
import io.fusedrnn.BackendContract;

/**
 * The backend contract again with the local-memory tiled kernels forced (the rung GPUs run), so CI
 * on PoCL, a CPU device that otherwise takes the vector rung, still executes every GPU kernel.
 */
class OpenClTiledKernelsTest extends BackendContract {
    @Override
    protected Backend open() {
        return OpenClPlatform.openTiled(java.util.Map.of());
    }

    @Override
    protected int cycles() {
        return 300; // the leak check already ran 2000 cycles in OpenClBackendTest; same host code here
    }
}
