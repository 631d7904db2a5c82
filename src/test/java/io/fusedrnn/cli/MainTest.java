package io.fusedrnn.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI's exit codes and one-line errors. */
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

    @Test
    void badOptionsGetOneLineAndExitTwo() {
        Result r = run("gradcheck", "--bogus");
        assertEquals(2, r.status());
        assertEquals("fusedrnn: gradcheck: unknown option '--bogus'; expected one of --backend\n", r.err());
        Result missing = run("gradcheck", "--backend");
        assertEquals(2, missing.status());
        assertEquals("fusedrnn: gradcheck: option --backend expects a value, found none\n", missing.err());
        assertEquals(2, run("frobnicate").status());
        assertEquals(2, run().status());
    }

    @Test
    void gradcheckOnTheReferencePrintsAPassingTable() {
        Result r = run("gradcheck", "--backend", "reference");
        assertEquals(0, r.status(), r.out());
        assertTrue(r.out().startsWith("backend    case"), r.out());
        assertTrue(r.out().contains("gradient check passed"), r.out());
        assertTrue(!r.out().contains("FAIL"), r.out());
    }
}
