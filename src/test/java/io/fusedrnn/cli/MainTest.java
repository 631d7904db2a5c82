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

    /** Runs the CLI and asserts its exit status (what it printed goes into the failure message). */
    private static Result expect(int status, String... args) {
        Result r = run(args);
        assertEquals(status, r.status(), String.join(" ", args) + ": " + r.out() + r.err());
        return r;
    }

    private static final List<String> COMMANDS = List.of("demo", "devices", "gradcheck", "infer", "version", "help");

    @Test
    void badOptionsGetOneLineNamingTheCommandOnceAndExitTwo() {
        Result r = expect(2, "gradcheck", "--bogus");
        assertEquals("fusedrnn gradcheck: Unknown option: '--bogus' (see 'fusedrnn gradcheck --help')\n", r.err());
        Result missing = expect(2, "gradcheck", "--backend");
        assertEquals(1, missing.err().lines().count(), missing.err());
        assertTrue(missing.err().startsWith("fusedrnn gradcheck: Missing required parameter for option '--backend'"), missing.err());
        Result unknown = expect(2, "frobnicate");
        assertTrue(unknown.err().startsWith("fusedrnn: unknown command 'frobnicate'; expected one of demo, devices, gradcheck, infer"),
                unknown.err());
        Result none = expect(2);
        assertTrue(none.err().startsWith("fusedrnn: a command is required\nUsage: fusedrnn"), none.err());
        Result repeated = expect(2, "gradcheck", "--backend", "reference", "--backend", "vector");
        assertTrue(repeated.err().contains("--backend") && repeated.err().contains("only once"), repeated.err());
    }

    @Test
    void aFailureInsideACommandNamesTheCommandOnce() {
        Result r = expect(2, "gradcheck", "--backend", "cuda");
        assertEquals("fusedrnn gradcheck: backend: expected one of auto, reference, vector, opencl[:platform:device|:name], found 'cuda'\n",
                r.err());
        expect(2, "help", "nope");
    }

    @Test
    void aMissingBackendExitsThree() {
        Result r = expect(3, "gradcheck", "--backend", "opencl:no-such-device-xyz");
        assertTrue(r.err().startsWith("fusedrnn gradcheck: opencl: "), r.err());
        assertFalse(r.err().contains("opencl: opencl:"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void verboseBeforeOrAfterTheCommandAddsTheStackTrace() {
        for (String[] args : new String[][] {{"--verbose", "gradcheck", "--backend", "cuda"}, {"gradcheck", "--backend", "cuda", "--verbose"}}) {
            Result r = expect(2, args);
            assertTrue(r.err().startsWith("fusedrnn gradcheck: backend: expected"), r.err());
            assertTrue(r.err().contains("\tat io.fusedrnn.Backends.open"), r.err());
        }
    }

    @Test
    void everyCommandHasHelpWithItsOptionsDefaultsAndAnExample() {
        for (String command : COMMANDS) {
            Result r = expect(0, command, "--help");
            assertTrue(r.out().startsWith("Usage: fusedrnn " + command), r.out());
            assertTrue(r.out().contains("Example"), command + ": " + r.out());
            assertTrue(r.out().contains("--verbose") && r.out().contains("--version"), command + ": " + r.out());
            Result help = expect(0, "help", command);
            assertEquals(r.out(), help.out(), "help " + command + " prints what " + command + " --help does");
        }
        String infer = run("infer", "--help").out();
        for (String text : List.of("--weights=FILE", "--lengths=FILE", "(default: auto)", "(default: fp32)", "(default: zeros)",
                "(default: off", "fusedrnn infer --weights")) {
            assertTrue(infer.contains(text), text + " in\n" + infer);
        }
        assertTrue(run("gradcheck", "--help").out().contains("(default: every backend that opens)"));
        Result top = expect(0, "--help");
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
        Result r = expect(0, "--version");
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
        Result r = expect(0, "gradcheck", "--backend", "reference");
        assertTrue(r.out().startsWith("backend    case"), r.out());
        assertTrue(r.out().contains("gradient check passed"), r.out());
        assertFalse(r.out().contains("FAIL"), r.out());
        assertFalse(r.err().contains("\r"), "no carriage returns when stderr is not a terminal: " + r.err());
    }
}
