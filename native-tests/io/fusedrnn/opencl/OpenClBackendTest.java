package io.fusedrnn.opencl;

import io.fusedrnn.Backend;
import io.fusedrnn.BackendContract;

/** The backend contract on the OpenCL device (PoCL in CI), float64 and float32, tolerances unchanged. */
class OpenClBackendTest extends BackendContract {
    @Override
    protected Backend open() {
        return OpenClPlatform.open();
    }
}
