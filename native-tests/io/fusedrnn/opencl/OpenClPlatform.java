package io.fusedrnn.opencl;

import io.fusedrnn.BackendUnavailableException;
import org.junit.jupiter.api.Assumptions;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

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

    /**
     * The default device with the tiled rung forced and the tuning {@code properties} set while it
     * opens (ClOps reads them then), or a skipped/failed test as {@link #open()} says.
     */
    static OpenClBackend openTiled(Map<String, String> properties) {
        open().close();
        return withProperties(properties, () -> OpenClBackend.open(System.getenv().getOrDefault("FUSEDRNN_OPENCL_DEVICE", ""), true));
    }

    /** What {@code make} returns with the system {@code properties} set, each put back as it was afterwards. */
    static <T> T withProperties(Map<String, String> properties, Supplier<T> make) {
        Map<String, String> before = new HashMap<>();
        properties.forEach((k, v) -> before.put(k, System.setProperty(k, v)));
        try {
            return make.get();
        } finally {
            before.forEach((k, v) -> {
                if (v == null) System.clearProperty(k);
                else System.setProperty(k, v);
            });
        }
    }
}
