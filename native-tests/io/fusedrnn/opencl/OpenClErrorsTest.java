package io.fusedrnn.opencl;

import io.fusedrnn.BackendUnavailableException;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Precision;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a user sees when OpenCL goes wrong: status names, build logs, device selection. */
class OpenClErrorsTest extends OpenClDeviceTest {
    @Test
    void aKernelBuildFailureCarriesTheFileTheOptionsAndTheBuildLog() {
        String broken = "/* a kernel file behind the preamble */\n__kernel void broken(__global REAL* a) {\n  a[0] = undeclared_name_42;\n}\n";
        FusedRnnException e = assertThrows(FusedRnnException.class,
                () -> cl.ctx.programs.build("broken.cl", broken, "-D REAL=float"));
        String m = e.getMessage();
        assertTrue(m.contains("kernels/broken.cl"), m);
        assertTrue(m.contains("'-D REAL=float'"), m);
        assertTrue(m.contains("CL_BUILD_PROGRAM_FAILURE"), m);
        assertTrue(m.contains("undeclared_name_42"), "the build log names the offending identifier: " + m);
        // the preamble goes first, yet the #line directives make the message point at broken.cl's own line 3
        assertTrue(m.contains("broken.cl:3:"), "the build log names the file's own line: " + m);
        assertFalse(m.contains("preamble.cl"), "nothing wrong in the preamble: " + m);
    }

    @Test
    void anErrorInAKernelFileAfterThePreambleNamesThatFilesLine() {
        String source = ProgramCache.source("seq.cl");
        int line = (int) source.substring(0, source.indexOf("__kernel void zero_padding")).chars().filter(c -> c == '\n').count() + 1;
        String broken = source.replace("__kernel void zero_padding", "__kernel void zero_padding_broken(void) { oops_42; }\n__kernel void zero_padding");
        FusedRnnException e = assertThrows(FusedRnnException.class, () -> cl.ctx.programs.build("seq.cl", broken, "-D REAL=float"));
        assertTrue(e.getMessage().contains("seq.cl:" + line + ":"), "expected seq.cl:" + line + " in " + e.getMessage());
    }

    @Test
    void aDriverThatIgnoresLineDirectivesGetsItsPlacesNamedByFileAndLine() {
        // NVIDIA's compiler (round 9, on an H200) ignores #line and counts lines in the whole unit
        String source = ProgramCache.source("seq.cl");
        String unit = ProgramCache.withPreamble("seq.cl", source);
        int fileLine = 7, preambleLine = 3;
        int unitLine = unit.substring(0, unit.indexOf(source)).split("\n", -1).length - 1 + fileLine;
        String log = "<kernel>:" + unitLine + ":43: error: use of undeclared identifier 'oops_42'\n<kernel>:"
                + (1 + preambleLine) + ":2: note: here\nno place on this line";
        assertEquals("seq.cl:" + fileLine + ":43: error: use of undeclared identifier 'oops_42'\n"
                + ProgramCache.PREAMBLE + ":" + preambleLine + ":2: note: here\nno place on this line", ProgramCache.placeLines(log, unit));
        assertEquals("seq.cl:4:1: error", ProgramCache.placeLines("seq.cl:4:1: error", unit), "a log with places already named stays");
    }

    @Test
    void anArgumentBoundUnderTheWrongNameOrKindFailsBeforeTheLaunch() {
        Launch l = cl.ctx.kernel("seq.cl", cl.ops(Precision.FP32).realOptions(), "column_sums");
        IllegalStateException name = assertThrows(IllegalStateException.class, () -> l.fresh().i("M", 1).i("rows", 2));
        assertEquals("seq.cl:column_sums: argument 1 is 'N' in the kernel, bound as 'rows'", name.getMessage());
        IllegalStateException kind = assertThrows(IllegalStateException.class, () -> l.fresh().i("M", 1).i("N", 2).i("a", 3));
        assertEquals("seq.cl:column_sums: argument 'a' is a buffer in the kernel, bound as an int", kind.getMessage());
        IllegalStateException missing = assertThrows(IllegalStateException.class, () -> l.fresh().i("M", 1).run1(1, 1));
        assertEquals("seq.cl:column_sums: 1 of 5 arguments bound before the launch; next is 'N'", missing.getMessage());
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
    void float64IsOfferedExactlyWhenTheDeviceHasClKhrFp64() {
        assertEquals(cl.ctx.device.fp64(), cl.supports(Precision.FP64));
        assertTrue(cl.supports(Precision.FP32));
        assertTrue(cl.description().contains(cl.ctx.device.name()) && cl.description().contains(cl.ctx.device.platformName()));
    }
}
