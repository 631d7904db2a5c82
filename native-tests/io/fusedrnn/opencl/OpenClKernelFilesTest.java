package io.fusedrnn.opencl;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kernel file compiles alone with its own defaults (each tuning parameter has an #ifndef
 * default), in float and, where the device has cl_khr_fp64, in double, as OpenCL C 1.2, and opens
 * with a header that names the gate order or says what it holds.
 */
class OpenClKernelFilesTest {
    private static OpenClBackend cl;

    @BeforeAll
    static void open() {
        cl = OpenClPlatform.open();
    }

    @AfterAll
    static void close() {
        if (cl != null) cl.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"gemm.cl", "seq.cl", "lstm.cl", "gru.cl", "gru_backward.cl"})
    void eachFileBuildsAloneWithItsDefaults(String file) {
        assertDoesNotThrow(() -> cl.ctx.programs.program(file, "-cl-std=CL1.2"));
        if (cl.ctx.device.fp64()) assertDoesNotThrow(() -> cl.ctx.programs.program(file, "-cl-std=CL1.2 -D REAL=double -D USE_FP64"));
        String source = ProgramCache.source(file);
        assertTrue(source.startsWith("/*\n * " + file + ": "), file + " opens with a header naming itself");
        if (file.startsWith("lstm") || file.startsWith("gru")) assertTrue(source.contains("as in DESIGN / Cell"), file + " names the gate order's source");
    }
}
