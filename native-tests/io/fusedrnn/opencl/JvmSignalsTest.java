package io.fusedrnn.opencl;

import io.fusedrnn.LayerSpec;
import io.fusedrnn.Precision;
import io.fusedrnn.check.ContractCase;
import io.fusedrnn.check.SweepProblem;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Map;
import java.util.TreeMap;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The JVM keeps its signal handlers after OpenCL drivers load and compile: PoCL's LLVM replaces them
 * (measured on PoCL 3.1/LLVM 15 here and 5.0/LLVM 16 on the H200 machine), and a JVM without its
 * SIGSEGV handler dies at the next safepoint two threads reach together.
 */
class JvmSignalsTest {
    /** Linux numbers of the synchronous traps and the suspend signal the JVM cannot run without. */
    private static final Map<String, Integer> TRAPS = Map.of("SIGSEGV", 11, "SIGBUS", 7, "SIGFPE", 8, "SIGILL", 4, "SIGUSR2", 12);

    @Test
    void theJvmStillHandlesItsTrapsAfterBuildingKernels() {
        Assumptions.assumeTrue(JvmSignals.active(), "sigaction is reachable on Linux only");
        assertEquals(Map.of(), notTheJvms(), "before any OpenCL call in this test");
        try (OpenClBackend b = OpenClPlatform.open()) {
            // builds lstm.cl, gru.cl and gemm.cl: the calls that load PoCL's compiler
            for (LayerSpec spec : new LayerSpec[] {LayerSpec.lstm(8, 8), LayerSpec.gru(8, 8, true)}) {
                new SweepProblem(new ContractCase(spec, 3, 2, false, true, false, 7)).run(b, Precision.FP32, false);
            }
        }
        assertEquals(Map.of(), notTheJvms(), "handlers that left libjvm.so");
    }

    @Test
    void aHandlerReplacedDuringTheCallIsPutBack() {
        Assumptions.assumeTrue(JvmSignals.active(), "sigaction is reachable on Linux only");
        int sigxfsz = 25;
        String before = JvmSignals.handlerLibrary(sigxfsz);
        assertEquals("libjvm.so", before);
        String inside = JvmSignals.guarded("a test call", () -> {
            ignore(sigxfsz); // as a driver would: a handler of its own over the JVM's
            return JvmSignals.handlerLibrary(sigxfsz);
        });
        assertNotEquals("libjvm.so", inside, "the test's replacement took effect inside the call");
        assertEquals("libjvm.so", JvmSignals.handlerLibrary(sigxfsz));
    }

    private static Map<String, String> notTheJvms() {
        Map<String, String> out = new TreeMap<>();
        TRAPS.forEach((name, number) -> {
            String lib = JvmSignals.handlerLibrary(number);
            if (!"libjvm.so".equals(lib)) out.put(name, String.valueOf(lib));
        });
        return out;
    }

    /** sigaction(signal, {SIG_IGN}, NULL). */
    private static void ignore(int signal) {
        Linker linker = Linker.nativeLinker();
        MethodHandle sigaction = linker.downcallHandle(linker.defaultLookup().find("sigaction").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment act = arena.allocate(256);
            act.set(JAVA_LONG, 0, 1L); // sa_handler = SIG_IGN
            assertEquals(0, (int) sigaction.invokeExact(signal, act, MemorySegment.NULL));
        } catch (Throwable t) {
            throw new AssertionError("sigaction(" + signal + ", SIG_IGN)", t);
        }
    }
}
