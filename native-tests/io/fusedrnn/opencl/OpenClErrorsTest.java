package io.fusedrnn.opencl;

import io.fusedrnn.BackendUnavailableException;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.Precision;
import io.fusedrnn.PreparedLayer;
import io.fusedrnn.Sweep;
import io.fusedrnn.SweepResult;
import io.fusedrnn.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a user sees when OpenCL goes wrong: status names, build logs, device selection. */
class OpenClErrorsTest {
    private static OpenClBackend cl;

    @BeforeAll
    static void open() {
        cl = OpenClPlatform.open();
    }

    @AfterAll
    static void close() {
        if (cl != null) cl.close();
    }

    @Test
    void aKernelBuildFailureCarriesTheFileTheOptionsAndTheBuildLog() {
        String broken = "__kernel void broken(__global float* a) {\n  a[0] = undeclared_name_42;\n}\n";
        FusedRnnException e = assertThrows(FusedRnnException.class,
                () -> cl.ctx.programs.build("broken.cl", broken, "-D REAL=float"));
        String m = e.getMessage();
        assertTrue(m.contains("kernels/broken.cl"), m);
        assertTrue(m.contains("'-D REAL=float'"), m);
        assertTrue(m.contains("CL_BUILD_PROGRAM_FAILURE"), m);
        assertTrue(m.contains("undeclared_name_42"), "the build log names the offending identifier: " + m);
    }

    @Test
    void aRealKernelFileWithABadOptionFailsWithItsLog() {
        FusedRnnException e = assertThrows(FusedRnnException.class,
                () -> cl.ctx.programs.program("gemm.cl", "-D REAL=not_a_type"));
        assertTrue(e.getMessage().contains("kernels/gemm.cl") && e.getMessage().contains("not_a_type"), e.getMessage());
    }

    @Test
    void anUnknownKernelIsNamedByItsStatusNotItsNumber() {
        FusedRnnException e = assertThrows(FusedRnnException.class,
                () -> cl.ctx.programs.kernel("seq.cl", cl.ops(Precision.FP32).realOptions(), "no_such_kernel"));
        assertTrue(e.getMessage().contains("CL_INVALID_KERNEL_NAME"), e.getMessage());
        assertTrue(e.getMessage().contains("clCreateKernel(no_such_kernel"), e.getMessage());
    }

    @Test
    void statusNamesAreSymbolic() {
        assertEquals("CL_INVALID_KERNEL_NAME", ClStatus.name(-46));
        FusedRnnException e = assertThrows(FusedRnnException.class, () -> ClStatus.check(-5, "clEnqueueReadBuffer"));
        assertEquals("OpenCL clEnqueueReadBuffer failed: CL_OUT_OF_RESOURCES (-5)", e.getMessage());
    }

    @Test
    void devicesAreListedWithTheirFp64Support() {
        List<String> lines = OpenClBackend.describeDevices();
        assertFalse(lines.isEmpty());
        for (String l : lines) assertTrue(l.matches("\\d+:\\d+ .*\\| fp64 (yes|no) \\|.*"), l);
    }

    @Test
    void devicesAreSelectedByIndicesOrNameAndAMissOnesSaysWhatExists() {
        try (OpenClBackend first = OpenClBackend.open("0:0")) {
            String name = first.ctx.device.name();
            try (OpenClBackend byName = OpenClBackend.open(name.substring(0, Math.min(4, name.length())).toUpperCase())) {
                assertEquals("opencl", byName.name());
            }
        }
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> OpenClBackend.open("no-such-device-xyz"));
        assertTrue(e.getMessage().contains("no OpenCL device name contains 'no-such-device-xyz'"), e.getMessage());
        assertThrows(BackendUnavailableException.class, () -> OpenClBackend.open("9:9"));
    }

    @Test
    void backwardRefusesLengthsOtherThanTheForwardsThatMadeTheReserve() {
        LayerSpec spec = LayerSpec.lstm(3, 4);
        try (PreparedLayer layer = cl.prepare(LayerWeights.random(spec, 1), Precision.FP64);
             Tensor x = cl.allocate(Precision.FP64, 3, 2, 3);
             Tensor y = cl.allocate(Precision.FP64, 3, 2, 4);
             Tensor dx = cl.allocate(Precision.FP64, 3, 2, 3);
             SweepResult r = cl.forward(layer, new Sweep(x, null, null, new int[] {3, 1}, false), y, 0, true)) {
            FusedRnnException e = assertThrows(FusedRnnException.class, () -> cl.backward(layer,
                    new Sweep(x, null, null, new int[] {3, 2}, false), r.reserve(), y, 0, null, null, dx));
            assertEquals("lengths: expected [3, 1] as in the forward that made the reserve, found [3, 2]", e.getMessage());
        }
    }

    @Test
    void float64IsOfferedExactlyWhenTheDeviceHasClKhrFp64() {
        assertEquals(cl.ctx.device.fp64(), cl.supports(Precision.FP64));
        assertTrue(cl.supports(Precision.FP32));
        assertTrue(cl.description().contains(cl.ctx.device.name()) && cl.description().contains(cl.ctx.device.platformName()));
    }
}
