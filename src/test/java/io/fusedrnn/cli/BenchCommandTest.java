package io.fusedrnn.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchCommandTest {

    @Test
    void withoutTheHarnessOnTheClassPathBenchSaysInOneLineHowToRunItAndExits3() {
        assertNull(BenchCommand.entry(), "the library's own tests run without benchmarks/ on the class path");
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            status = BenchCommand.run(new String[] {"--shapes", "latency"});
        } finally {
            System.setErr(saved);
        }
        String e = err.toString(StandardCharsets.UTF_8);
        assertEquals(3, status);
        assertEquals(1, e.lines().count(), e);
        assertTrue(e.startsWith("bench: ") && e.contains("./fusedrnn bench") && e.contains("benchmarks.jar"), e);
    }
}
