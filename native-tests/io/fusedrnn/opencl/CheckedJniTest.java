package io.fusedrnn.opencl;

import io.fusedrnn.LayerSpec;
import io.fusedrnn.Precision;
import io.fusedrnn.check.ContractCase;
import io.fusedrnn.check.ReferenceComparison;
import io.fusedrnn.check.SweepProblem;
import io.fusedrnn.check.Tolerances;
import io.fusedrnn.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenCL backend under {@code -Xcheck:jni}, where the JVM hands JNI a copy of a Java array: values
 * JOCL writes into an array are lost there. Kernel signatures once read 0 arguments and every result
 * came back as zeros; reads now land in native memory. A JVM of its own runs {@link #main}.
 */
class CheckedJniTest {
    @Test
    void forwardMatchesTheReferenceUnderCheckJni() throws IOException, InterruptedException {
        OpenClPlatform.open().close(); // skips or fails as OpenClPlatform says
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = List.of(java.toString(), "-Xcheck:jni", "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-cp", classPath(), CheckedJniTest.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the checked JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("ok lstm") && out.contains("ok gru"), out);
    }

    /**
     * Where this class, the library (with JOCL) and JUnit were loaded from, then the JVM's class path:
     * under Surefire the class path has them all, under JUnit's console launcher only the launcher.
     */
    private static String classPath() {
        java.util.LinkedHashSet<String> parts = new java.util.LinkedHashSet<>();
        for (Class<?> c : new Class<?>[] {CheckedJniTest.class, OpenClBackend.class, org.jocl.CL.class, Test.class}) {
            try {
                parts.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
            } catch (java.net.URISyntaxException | NullPointerException e) {
                // no code source: the class path below has to do
            }
        }
        parts.addAll(List.of(System.getProperty("java.class.path").split(java.io.File.pathSeparator)));
        return String.join(java.io.File.pathSeparator, parts);
    }

    /** One small LSTM and GRU forward on the default OpenCL device against the float64 reference. */
    public static void main(String[] args) {
        int failures = 0;
        try (OpenClBackend cl = OpenClBackend.open(System.getenv().getOrDefault("FUSEDRNN_OPENCL_DEVICE", ""));
             ReferenceBackend ref = new ReferenceBackend()) {
            for (LayerSpec spec : new LayerSpec[] {LayerSpec.lstm(6, 5), LayerSpec.gru(6, 5, true)}) {
                SweepProblem problem = new SweepProblem(new ContractCase(spec, 4, 3, false, true, false, 5));
                double[] want = problem.run(ref, Precision.FP64, false).outputs();
                double[] got = problem.run(cl, Precision.FP32, false).outputs();
                double rel = ReferenceComparison.relativeL2(got, want);
                boolean ok = rel <= Tolerances.FP32_FORWARD;
                if (!ok) failures++;
                System.out.println((ok ? "ok " : "FAIL ") + spec.cell() + " rel L2 " + rel);
            }
        }
        System.exit(failures == 0 ? 0 : 1);
    }
}
