package io.fusedrnn.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI's help, version, exit codes and one-line errors that name the command once. */
class MainTest {
    private record Result(int status, String out, String err) {
    }

    private static Result run(String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int status = Main.run(args);
            return new Result(status, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    private static final List<String> COMMANDS = List.of("demo", "devices", "gradcheck", "infer", "version", "help");

    @Test
    void badOptionsGetOneLineNamingTheCommandOnceAndExitTwo() {
        Result r = run("gradcheck", "--bogus");
        assertEquals(2, r.status());
        assertEquals("fusedrnn gradcheck: Unknown option: '--bogus' (see 'fusedrnn gradcheck --help')\n", r.err());
        Result missing = run("gradcheck", "--backend");
        assertEquals(2, missing.status());
        assertEquals(1, missing.err().lines().count(), missing.err());
        assertTrue(missing.err().startsWith("fusedrnn gradcheck: Missing required parameter for option '--backend'"), missing.err());
        Result unknown = run("frobnicate");
        assertEquals(2, unknown.status());
        assertTrue(unknown.err().startsWith("fusedrnn: unknown command 'frobnicate'; expected one of demo, devices, gradcheck, infer"),
                unknown.err());
        Result none = run();
        assertEquals(2, none.status());
        assertTrue(none.err().startsWith("fusedrnn: a command is required\nUsage: fusedrnn"), none.err());
        Result repeated = run("gradcheck", "--backend", "reference", "--backend", "vector");
        assertEquals(2, repeated.status(), repeated.err());
        assertTrue(repeated.err().contains("--backend") && repeated.err().contains("only once"), repeated.err());
    }

    @Test
    void aFailureInsideACommandNamesTheCommandOnce() {
        Result r = run("gradcheck", "--backend", "cuda");
        assertEquals(2, r.status());
        assertEquals("fusedrnn gradcheck: backend: expected one of auto, reference, vector, opencl[:platform:device|:name], found 'cuda'\n",
                r.err());
        assertEquals(2, run("help", "nope").status());
    }

    @Test
    void aMissingBackendExitsThree() {
        Result r = run("gradcheck", "--backend", "opencl:no-such-device-xyz");
        assertEquals(3, r.status(), r.err());
        assertTrue(r.err().startsWith("fusedrnn gradcheck: opencl: "), r.err());
        assertFalse(r.err().contains("opencl: opencl:"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void verboseBeforeOrAfterTheCommandAddsTheStackTrace() {
        for (String[] args : new String[][] {{"--verbose", "gradcheck", "--backend", "cuda"}, {"gradcheck", "--backend", "cuda", "--verbose"}}) {
            Result r = run(args);
            assertEquals(2, r.status());
            assertTrue(r.err().startsWith("fusedrnn gradcheck: backend: expected"), r.err());
            assertTrue(r.err().contains("\tat io.fusedrnn.Backends.open"), r.err());
        }
    }

    @Test
    void everyCommandHasHelpWithItsOptionsDefaultsAndAnExample() {
        for (String command : COMMANDS) {
            Result r = run(command, "--help");
            assertEquals(0, r.status(), command + ": " + r.err());
            assertTrue(r.out().startsWith("Usage: fusedrnn " + command), r.out());
            assertTrue(r.out().contains("Example"), command + ": " + r.out());
            assertTrue(r.out().contains("--verbose") && r.out().contains("--version"), command + ": " + r.out());
            Result help = run("help", command);
            assertEquals(0, help.status());
            assertEquals(r.out(), help.out(), "help " + command + " prints what " + command + " --help does");
        }
        String infer = run("infer", "--help").out();
        for (String text : List.of("--weights=FILE", "--lengths=FILE", "(default: auto)", "(default: fp32)", "(default: zeros)",
                "(default: off", "fusedrnn infer --weights")) {
            assertTrue(infer.contains(text), text + " in\n" + infer);
        }
        assertTrue(run("gradcheck", "--help").out().contains("(default: every backend that opens)"));
        Result top = run("--help");
        assertEquals(0, top.status());
        for (String command : COMMANDS) assertTrue(top.out().contains("\n  " + command + " "), command + " in\n" + top.out());
        assertEquals(top.out(), run("help").out());
    }

    @Test
    void benchHandsEverythingToTheHarnessAndSaysHowToRunItWhenAbsent() {
        Result r = run("bench", "--help");
        Result h = run("help", "bench");
        assertEquals(r.status(), h.status());
        assertEquals(r.out() + r.err(), h.out() + h.err(), "help bench is bench --help");
        // the library's own tests run without benchmarks/ on the class path (the harness's tests cover its help)
        assertEquals(Main.UNAVAILABLE, r.status(), r.err());
        assertTrue(r.err().contains("./fusedrnn bench"), r.err());
    }

    @Test
    void versionNamesTheLibraryTheJdkAndTheBackends() {
        Result r = run("--version");
        assertEquals(0, r.status(), r.err());
        List<String> lines = r.out().lines().toList();
        assertNotEquals("fusedrnn unknown", lines.getFirst());
        assertTrue(lines.getFirst().matches("fusedrnn \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), lines.getFirst());
        assertTrue(lines.get(1).startsWith("JDK " + Runtime.version()), lines.get(1));
        assertTrue(lines.contains("backend reference: scalar Java, one thread"), r.out());
        assertEquals(r.out(), run("version").out());
        assertEquals(r.out(), run("infer", "--version").out());
    }

    @Test
    void gradcheckOnTheReferencePrintsAPassingTable() {
        Result r = run("gradcheck", "--backend", "reference");
        assertEquals(0, r.status(), r.out());
        assertTrue(r.out().startsWith("backend    case"), r.out());
        assertTrue(r.out().contains("gradient check passed"), r.out());
        assertFalse(r.out().contains("FAIL"), r.out());
        assertFalse(r.err().contains("\r"), "no carriage returns when stderr is not a terminal: " + r.err());
    }
}
