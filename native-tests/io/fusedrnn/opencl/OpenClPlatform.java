package io.fusedrnn.opencl;

import io.fusedrnn.BackendUnavailableException;
import org.junit.jupiter.api.Assumptions;

/**
 * How native tests get a device: skipped (JUnit assumption) when no OpenCL platform exists, unless
 * FUSEDRNN_REQUIRE_OPENCL=1, when a missing platform fails the test instead (CI sets it).
 */
final class OpenClPlatform {
    private OpenClPlatform() {
    }

    static boolean required() {
        return "1".equals(System.getenv("FUSEDRNN_REQUIRE_OPENCL"));
    }

    /** The default device (FUSEDRNN_OPENCL_DEVICE picks another), or a skipped/failed test. */
    static OpenClBackend open() {
        String selector = System.getenv().getOrDefault("FUSEDRNN_OPENCL_DEVICE", "");
        try {
            return OpenClBackend.open(selector);
        } catch (BackendUnavailableException e) {
            if (required()) throw new AssertionError("FUSEDRNN_REQUIRE_OPENCL=1 but OpenCL is unavailable: " + e.getMessage(), e);
            Assumptions.abort("no OpenCL platform: " + e.getMessage());
            throw e;
        }
    }
}
