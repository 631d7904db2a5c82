package io.fusedrnn.opencl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kernel file compiles behind the preamble with its own defaults (each tuning parameter has an
 * #ifndef default), in float and, where the device has cl_khr_fp64, in double, as OpenCL C 1.2; opens
 * with a header that names the gate order or says what it holds; and leaves what the preamble defines
 * to the preamble.
 */
class OpenClKernelFilesTest extends OpenClDeviceTest {
    @ParameterizedTest
    @ValueSource(strings = {"gemm.cl", "seq.cl", "lstm.cl", "lstm_backward.cl", "gru.cl", "gru_backward.cl"})
    void eachFileBuildsAloneWithItsDefaults(String file) {
        assertDoesNotThrow(() -> cl.ctx.programs.program(file, "-cl-std=CL1.2"));
        if (cl.ctx.device.fp64()) assertDoesNotThrow(() -> cl.ctx.programs.program(file, "-cl-std=CL1.2 -D REAL=double -D USE_FP64"));
        String source = ProgramCache.source(file);
        assertTrue(source.startsWith("/*\n * " + file + ": "), file + " opens with a header naming itself");
        if (file.startsWith("lstm") || file.startsWith("gru")) {
            assertTrue(source.contains("as in docs/DESIGN.md, Semantics"), file + " names the gate order's source");
        }
        for (String own : new String[] {"#define REAL", "#define VW", "#define CAT", "cl_khr_fp64", "sigm(const", "? len - 1 -"}) {
            assertFalse(source.contains(own), file + " restates '" + own + "', which preamble.cl holds");
        }
    }

    @Test
    void thePreambleOpensWithItsHeaderAndEveryKernelFileIsListed() throws Exception {
        assertTrue(ProgramCache.source(ProgramCache.PREAMBLE).startsWith("/*\n * preamble.cl: "));
        try (var files = java.nio.file.Files.list(java.nio.file.Path.of("kernels"))) {
            assertEquals(java.util.Set.of("preamble.cl", "gemm.cl", "seq.cl", "lstm.cl", "lstm_backward.cl", "gru.cl", "gru_backward.cl"),
                    new java.util.HashSet<>(files.map(f -> f.getFileName().toString()).toList()), "kernels/ and this test list the same files");
        }
    }
}
