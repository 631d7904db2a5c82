package io.fusedrnn.opencl;

import io.fusedrnn.LayerSpec;
import io.fusedrnn.check.ContractCase;
import io.fusedrnn.check.SweepProblem;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Every buffer, kernel, program, queue and context is released: many prepare/forward/backward/close
 * cycles leave the driver-side count where it started, and close releases everything, even tensors
 * the caller forgot.
 */
class OpenClResourcesTest {

    @Test
    void manyCyclesLeaveNoOpenClObjectBehind() {
        try (OpenClBackend cl = OpenClPlatform.open()) {
            SweepProblem[] cases = {
                    new SweepProblem(new ContractCase(LayerSpec.lstm(6, 5, 2), 3, 3, true, true, true, 1)),
                    new SweepProblem(new ContractCase(LayerSpec.gru(4, 5, false), 3, 2, false, true, true, 2)),
                    new SweepProblem(new ContractCase(LayerSpec.gru(4, 5, true), 2, 1, true, false, false, 3))};
            for (SweepProblem c : cases) {
                for (Precision p : Precision.values()) c.run(cl, p, true); // builds and caches the programs
            }
            int baseline = cl.liveClObjects();
            for (int i = 0; i < 150; i++) {
                cases[i % cases.length].run(cl, i % 2 == 0 ? Precision.FP32 : Precision.FP64, true);
            }
            assertEquals(baseline, cl.liveClObjects(), "OpenCL objects held after 150 cycles");
            assertEquals(0, cl.liveBuffers(), "buffers held with no tensor open");
        }
    }

    @Test
    void closingTheBackendReleasesEverythingAndOrphanedTensorsCloseQuietly() {
        OpenClBackend cl = OpenClPlatform.open();
        Tensor forgotten = cl.allocate(Precision.FP32, 4, 4);
        new SweepProblem(new ContractCase(LayerSpec.lstm(3, 4), 2, 2, false, false, false, 4)).run(cl, Precision.FP32, true);
        cl.close();
        assertEquals(0, cl.liveClObjects());
        forgotten.close(); // its buffer went with the context; nothing to release twice
        assertThrows(IllegalStateException.class, () -> cl.allocate(Precision.FP32, 1));
    }
}
