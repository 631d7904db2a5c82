package io.fusedrnn.opencl;

import io.fusedrnn.check.ReferenceComparison;

import io.fusedrnn.Backend;
import io.fusedrnn.BackendUnavailableException;
import io.fusedrnn.Backends;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.Precision;
import io.fusedrnn.reference.ReferenceBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OpenCL against the CPU backend (the Vector API one when this build has it, else the reference) on a
 * mid-sized shape, B=4 T=8 I=H=64, forward and backward, every cell: the shape where the step kernels
 * use full row blocks and the GEMMs whole tiles; plus two shapes whose GEMMs reduce over more than one
 * K slice.
 */
class OpenClMatchesCpuTest {
    private static OpenClBackend cl;
    private static Backend cpu;

    @BeforeAll
    static void open() {
        cl = OpenClPlatform.open();
        try {
            cpu = Backends.vector();
        } catch (BackendUnavailableException e) {
            cpu = new ReferenceBackend();
        }
    }

    @AfterAll
    static void close() {
        if (cl != null) cl.close();
        if (cpu != null) cpu.close();
    }

    static List<SweepCase> cases() {
        return List.of(
                new SweepCase(LayerSpec.lstm(64, 64), 8, 4, false, true, false, 1),
                new SweepCase(LayerSpec.lstm(64, 64, 32), 8, 4, true, true, true, 2),
                new SweepCase(LayerSpec.lstm(24, 64, 24), 8, 3, false, true, true, 7), // P a multiple of 8 but not 16
                new SweepCase(LayerSpec.gru(64, 64, true), 8, 4, true, true, true, 3),
                new SweepCase(LayerSpec.gru(64, 64, false), 8, 4, false, false, false, 4),
                // weight-gradient reductions longer than one gemm_vec slice (ClOps.GEMM_VEC_KBLOCK): T·B = 320 and 280
                new SweepCase(LayerSpec.lstm(16, 80), 40, 8, true, true, true, 5),
                new SweepCase(LayerSpec.gru(16, 96, false), 40, 7, false, true, true, 6));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void forwardAndBackwardAgreeWithTheCpuBackend(SweepCase c) {
        Map<String, double[]> want = c.run(cpu, Precision.FP64);
        for (Precision p : Precision.values()) {
            Map<String, double[]> got = c.run(cl, p);
            assertEquals(want.keySet(), got.keySet());
            for (String name : want.keySet()) {
                boolean forward = name.equals("y") || name.equals("h_n") || name.equals("c_n");
                double tol = p == Precision.FP64 ? 1e-10 : forward ? 1e-5 : 1e-4;
                double err = ReferenceComparison.relativeL2(got.get(name), want.get(name));
                assertTrue(err <= tol, () -> name + ": relative error " + err + " > " + tol + " against " + cpu.name()
                        + " fp64 (" + p + ", " + c + ")");
            }
        }
    }
}
