package io.fusedrnn.opencl;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Base of the native tests that share one device per class: {@link #cl} is opened before the class's
 * first test (skipped or failed as {@link OpenClPlatform#open()} says when there is none) and closed
 * after its last.
 */
abstract class OpenClDeviceTest {
    static OpenClBackend cl;

    @BeforeAll
    static void openDevice() {
        cl = OpenClPlatform.open();
    }

    @AfterAll
    static void closeDevice() {
        if (cl != null) cl.close();
        cl = null;
    }
}
