package io.fusedrnn.cli;

import io.fusedrnn.Precision;
import io.fusedrnn.io.NpyReader;
import io.fusedrnn.io.NpyWriter;
import io.fusedrnn.io.SafetensorsFile;
import io.fusedrnn.model.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The launcher and the CLI run from another directory, as a user runs them: relative paths are the
 * caller's, nothing lands in the checkout, and a machine without OpenCL or the Vector API gets one
 * warning line and no loader noise. Each case starts a JVM on the test class path (no build).
 */
class LauncherTest {
    @TempDir
    Path dir;

    private record Ran(int status, String out, String err) {
    }

    private Ran run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().putAll(env);
        pb.redirectOutput(dir.resolve(".out").toFile()).redirectError(dir.resolve(".err").toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "finished within a minute: " + command);
        Ran r = new Ran(p.exitValue(), Files.readString(dir.resolve(".out")), Files.readString(dir.resolve(".err")));
        Files.delete(dir.resolve(".out"));
        Files.delete(dir.resolve(".err"));
        return r;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * Runs the source-tree launcher with {@code args}, on the test class path (no build) and this JDK,
     * with {@code env} added (FUSEDRNN_JAVA_OPTS, say).
     */
    private Ran launch(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", Path.of("fusedrnn").toAbsolutePath().toString()));
        command.addAll(List.of(args));
        Map<String, String> all = new HashMap<>(env);
        all.put("FUSEDRNN_CLASSPATH", System.getProperty("java.class.path"));
        all.put("JAVA_HOME", System.getProperty("java.home"));
        return run(command, all);
    }

    /** Copies an LSTM fixture into the temp dir: w.safetensors and x.npy; returns y as PyTorch computed it. */
    private double[] stage() throws IOException {
        Files.copy(Fixtures.path("pytorch/lstm_l1.weights.safetensors"), dir.resolve("w.safetensors"));
        try (SafetensorsFile data = SafetensorsFile.open(Fixtures.path("pytorch/lstm_l1.data.safetensors"))) {
            NpyWriter.write(dir.resolve("x.npy"), data.read("x"), Precision.FP64);
            return data.read("y").data();
        }
    }

    private List<String> listing() throws IOException {
        try (var s = Files.list(dir)) {
            List<String> names = new ArrayList<>(s.map(q -> q.getFileName().toString()).toList());
            names.sort(null);
            return names;
        }
    }

    @Test
    void theLauncherResolvesRelativePathsAgainstTheCallersDirectory() throws Exception {
        double[] want = stage();
        List<String> checkoutBefore = checkoutListing();
        Ran r = launch(Map.of(), "infer", "--weights", "w.safetensors", "--input", "x.npy", "--output", "y.npy",
                "--backend", "reference", "--precision", "fp64");
        assertEquals(0, r.status(), r.err());
        assertEquals("", r.out());
        assertEquals(List.of("w.safetensors", "x.npy", "y.npy"), listing());
        assertArrayEquals(want, NpyReader.readFloats(dir.resolve("y.npy")).data(), 1e-9);
        assertEquals(checkoutBefore, checkoutListing(), "nothing written into the checkout");
        Ran missing = launch(Map.of(), "infer", "--weights", "w.safetensors", "--input", "nothere.npy", "--output", "y2.npy");
        assertEquals(2, missing.status());
        assertTrue(missing.err().endsWith("fusedrnn infer: --input nothere.npy: no such file\n"), missing.err());
    }

    /**
     * The launcher reads a JDK's version from its release file instead of starting it: a JAVA_HOME whose
     * release file says 17 is passed over without its java ever running, and a JDK 25 is still found
     * (JAVA_HOME is tried first, then java on PATH, then /usr/lib/jvm/*).
     */
    @Test
    void theLauncherReadsTheJdkVersionWithoutStartingIt() throws Exception {
        Path fake = dir.resolve("jdk17");
        Files.createDirectories(fake.resolve("bin"));
        Files.writeString(fake.resolve("release"), "JAVA_VERSION=\"17.0.15\"\n");
        Path marker = dir.resolve("fake-java-ran");
        Path java = fake.resolve("bin/java");
        Files.writeString(java, "#!/bin/sh\ntouch " + marker + "\nexec " + java() + " \"$@\"\n");
        assertTrue(java.toFile().setExecutable(true));
        Path javac = fake.resolve("bin/javac"); // a whole JDK, so that only its version passes it over
        Files.writeString(javac, "#!/bin/sh\ntouch " + marker + "\n");
        assertTrue(javac.toFile().setExecutable(true));
        Ran r = run(List.of("bash", Path.of("fusedrnn").toAbsolutePath().toString(), "--version"),
                Map.of("FUSEDRNN_CLASSPATH", System.getProperty("java.class.path"), "JAVA_HOME", fake.toString(),
                        "PATH", Path.of(System.getProperty("java.home"), "bin") + ":/usr/bin:/bin"));
        assertEquals(0, r.status(), r.err());
        assertFalse(Files.exists(marker), "the JDK 17 named by JAVA_HOME was started to read its version");
    }

    /**
     * The launcher starts its JVMs with src/main/jvm/compiler-directives.json, and without the line
     * the JVM prints for it on stdout (the first test holds stdout empty).
     */
    @Test
    void theLauncherLoadsTheCompilerDirectives() throws Exception {
        Ran r = launch(Map.of("FUSEDRNN_JAVA_OPTS", "-XX:+DisplayVMOutput -XX:+CompilerDirectivesPrint"), "version");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("1 compiler directives added"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.contains("matching:") && l.contains("jdk/incubator/vector/*.*")), r.out());
        Ran quiet = launch(Map.of(), "version");
        assertTrue(quiet.out().startsWith("fusedrnn "), quiet.out());
    }

    /**
     * What the directives do: a Vector API kernel run hot ({@link VectorLoopProbe}) is compiled by C2
     * while none of the Vector API's own methods is (C2 inlines their intrinsics into the kernel); the
     * same run without the file has C2 compile some of the API's fallbacks by themselves, so this test
     * notices a pattern that matches nothing.
     */
    @Test
    void theCompilerDirectivesKeepC2OffTheVectorApisOwnMethods() throws Exception {
        Path file = Path.of("src/main/jvm/compiler-directives.json").toAbsolutePath();
        List<String> with = c2Compiled(List.of("-XX:CompilerDirectivesFile=" + file));
        assertTrue(with.stream().anyMatch(m -> m.startsWith("io.fusedrnn.cli.VectorLoopProbe::kernel")), String.join("\n", with));
        assertEquals(List.of(), with.stream().filter(LauncherTest::vectorApi).toList());
        List<String> without = c2Compiled(List.of());
        assertTrue(without.stream().anyMatch(LauncherTest::vectorApi), String.join("\n", without));
    }

    private static boolean vectorApi(String method) {
        return method.startsWith("jdk.incubator.vector.") || method.startsWith("jdk.internal.vm.vector.");
    }

    /**
     * The methods C2 compiled (level 4, OSR or not) in a JVM running {@link VectorLoopProbe} for 1.5 s
     * (C2 had compiled the kernel after 0.3 s here).
     */
    private List<String> c2Compiled(List<String> flags) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(java(), "--add-modules", "jdk.incubator.vector", "-XX:+UnlockDiagnosticVMOptions"));
        command.addAll(flags);
        command.addAll(List.of("-XX:+PrintCompilation", "-cp", System.getProperty("java.class.path"), VectorLoopProbe.class.getName(), "1500"));
        Ran r = run(command, Map.of());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("sum "), r.out());
        List<String> methods = new ArrayList<>();
        for (String line : r.out().lines().toList()) {
            // "  278  438 %     4       io.fusedrnn.cli.VectorLoopProbe::kernel @ 10 (94 bytes)": time, id, flags, level, method
            if (line.contains("made not")) continue;
            String[] f = line.trim().split("\\s+");
            for (int i = 1; i < f.length; i++) {
                if (!f[i].contains("::")) continue;
                if (f[i - 1].equals("4")) methods.add(f[i]);
                break;
            }
        }
        return methods;
    }

    private static List<String> checkoutListing() throws IOException {
        try (var s = Files.list(Path.of("").toAbsolutePath())) {
            List<String> names = new ArrayList<>(s.map(q -> q.getFileName().toString()).filter(n -> !n.equals("target")).toList());
            names.sort(null);
            return names;
        }
    }

    /** Where the OpenCL ICD loader is, when there is one at a usual place. */
    private static Path openClLoader() {
        for (String dir : List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib")) {
            Path p = Path.of(dir, "libOpenCL.so.1");
            if (Files.exists(p)) return p;
        }
        return null;
    }

    @Test
    void withoutTheOpenClLoaderJoclsNativeNoiseNeverReachesTheUser() throws Exception {
        // hides the loader in a private mount namespace (root only, as in CI); JOCL's native code used to print
        // "Could not load libOpenCL.so.1, error ..." on stdout, in the middle of the command's output
        Path loader = openClLoader();
        assumeTrue(loader != null && System.getProperty("os.name").startsWith("Linux"), "no OpenCL loader to hide");
        Ran probe = run(List.of("unshare", "-m", "--propagation", "private", "true"), Map.of());
        assumeTrue(probe.status() == 0, "cannot make a mount namespace here: " + probe.err());
        String java = String.join(" ", java(), "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "io.fusedrnn.cli.Main");
        double[] want = stage(); // infer takes auto, which looks for an OpenCL GPU first
        String infer = java + " infer --weights " + dir.resolve("w.safetensors") + " --input " + dir.resolve("x.npy")
                + " --output " + dir.resolve("y.npy") + " --precision fp64";
        Ran r = run(List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
                "mount --bind /dev/null " + loader.toRealPath() + " && " + java + " devices && " + infer + " && "
                        + java + " gradcheck --backend opencl"),
                Map.of());
        assertArrayEquals(want, NpyReader.readFloats(dir.resolve("y.npy")).data(), 1e-9);
        assertEquals(3, r.status(), r.out() + r.err());
        assertFalse(r.out().contains("Could not") || r.err().contains("Could not"), r.out() + r.err());
        assertTrue(r.out().startsWith("backend    fp32"), r.out());
        assertTrue(r.out().contains("skipped opencl: the OpenCL ICD loader cannot be loaded ("), r.out());
        assertTrue(r.err().endsWith("fusedrnn gradcheck: opencl: the OpenCL ICD loader cannot be loaded (Cannot open library: "
                + "libOpenCL.so.1); " + io.fusedrnn.Backends.OPENCL_FIX + "\n"), r.err());
    }

    @Test
    void withoutOpenClOrTheVectorApiAutoWarnsOnceAndTheOutputStaysClean() throws Exception {
        double[] want = stage();
        Path noVendors = Files.createDirectory(dir.resolve("no-icds"));
        Ran r = run(List.of(java(), "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.fusedrnn.cli.Main", "infer", "--weights", "w.safetensors", "--input", "x.npy", "--output", "y.npy",
                "--precision", "fp64"), Map.of("OCL_ICD_VENDORS", noVendors.toString()));
        assertEquals(0, r.status(), r.err());
        assertEquals("", r.out(), "stdout carries nothing");
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.getFirst().startsWith("fusedrnn: using backend reference ("), r.err());
        assertTrue(lines.getFirst().contains("passed over opencl: ") && lines.getFirst().contains("; vector: "), r.err());
        assertFalse(r.err().contains("opencl: opencl:") || r.err().contains("vector: vector:"), r.err());
        assertArrayEquals(want, NpyReader.readFloats(dir.resolve("y.npy")).data(), 1e-9);
        String verbose = run(List.of(java(), "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "io.fusedrnn.cli.Main", "--verbose",
                "infer", "--weights", "w.safetensors", "--input", "x.npy", "--output", "y.npy", "--backend", "reference"),
                Map.of()).err();
        assertTrue(verbose.lines().anyMatch(l -> l.equals("fusedrnn: using backend reference (scalar Java, one thread), as named")), verbose);
        assertEquals(List.of("no-icds", "w.safetensors", "x.npy", "y.npy"), listing());
        assertFalse(new String(Files.readAllBytes(dir.resolve("y.npy")), 0, 80, StandardCharsets.ISO_8859_1).isEmpty());
    }
}
