package io.fusedrnn;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Selection: names, auto's reasons, and a named backend never falling back. */
class BackendsTest {
    @Test
    void unknownNamesListTheAcceptedOnes() {
        FusedRnnException e = assertThrows(FusedRnnException.class, () -> Backends.open("cuda"));
        assertEquals("backend: expected one of auto, reference, vector, opencl[:platform:device|:name], found 'cuda'", e.getMessage());
    }

    @Test
    void theVectorBackendTakesAWorkerCountNamedOrPickedByAuto() {
        assertTrue(Backends.vectorModuleReadable(), "the tests run with jdk.incubator.vector");
        try (Backend b = Backends.open("vector", 1)) {
            assertTrue(b.description().endsWith(", 1 threads"), b.description());
        }
        try (Backend b = Backends.open("vector", 3)) {
            assertTrue(b.description().endsWith(", 3 threads"), b.description());
        }
        try (Backend b = Backends.open("vector", 0)) { // 0: the default, one per processor
            assertTrue(b.description().endsWith(", " + Runtime.getRuntime().availableProcessors() + " threads"), b.description());
        }
        try (Backend b = Backends.open("auto", 1)) {
            if (b.name().equals("vector")) assertTrue(b.description().endsWith(", 1 threads"), b.description());
        }
        try (Backend b = Backends.open("reference", 1)) { // other backends have no workers to set
            assertEquals("reference", b.name());
        }
        FusedRnnException e = assertThrows(FusedRnnException.class, () -> Backends.open("vector", -1));
        assertEquals("threads: expected >= 0 (0: one per processor), found -1", e.getMessage());
    }

    @Test
    void autoAlwaysOpensSomethingAndSaysWhyItSkippedTheRest() {
        List<String> skipped = new ArrayList<>();
        try (Backend b = Backends.auto(skipped)) {
            assertNotNull(b);
            for (String s : skipped) assertTrue(s.startsWith("opencl: ") || s.startsWith("vector: "), s);
            if (b.name().equals("reference")) assertEquals(2, skipped.size(), skipped.toString());
        }
    }

    @Test
    void autoTakesTheVectorBackendOverAnOpenClDeviceThatIsOnlyACpu() {
        if (Backends.openClLoaderMissing() != null) return; // no loader: JOCL is not touched, the test above covers auto
        List<String> openCl;
        try {
            openCl = io.fusedrnn.opencl.OpenClBackend.describeDevices();
        } catch (BackendUnavailableException e) {
            return; // no OpenCL here: the test above covers auto
        }
        boolean cpuOnly = openCl.stream().allMatch(line -> line.contains(" | CPU | "));
        List<String> skipped = new ArrayList<>();
        try (Backend b = Backends.auto(skipped)) {
            if (cpuOnly) {
                assertEquals("vector", b.name(), skipped.toString());
                assertTrue(skipped.getFirst().startsWith("opencl: " + Backends.ONLY_CPU_OPENCL + " ("), skipped.toString());
            } else {
                assertEquals("opencl", b.name(), skipped.toString());
                assertFalse(b.description().contains("(CPU,"), b.description());
            }
        }
    }

    @Test
    void aNamedOpenClDeviceThatDoesNotExistThrowsInsteadOfFallingBack() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Backends.open("opencl:no-such-device-anywhere"));
        assertTrue(e.getMessage().contains("opencl"), e.getMessage());
    }

    @Test
    void aReasonNamesTheBackendOnce() {
        assertEquals("opencl: no platform", Backends.reason("opencl", new BackendUnavailableException("opencl: no platform")));
        assertEquals("opencl: no platform", Backends.reason("opencl", new BackendUnavailableException("no platform")));
        List<String> skipped = new ArrayList<>();
        Backends.openAll(skipped).forEach(Backend::close);
        for (String s : skipped) assertFalse(s.startsWith("opencl: opencl:") || s.startsWith("vector: vector:"), s);
    }

    @Test
    void theOpenClLoaderProbeFindsTheLoaderWhereOpenClOpens() {
        try (Backend b = Backends.opencl("")) {
            assertNull(Backends.openClLoaderMissing(), b.description());
        } catch (BackendUnavailableException e) {
            // no OpenCL here: the probe may or may not have been the reason
        }
    }

    @Test
    void theReferenceBackendIsAlwaysThere() {
        try (Backend b = Backends.open("reference")) {
            assertEquals("reference", b.name());
            assertTrue(b.supports(Precision.FP32) && b.supports(Precision.FP64));
        }
    }
}
