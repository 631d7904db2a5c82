package io.fusedrnn.cli;

import io.fusedrnn.Backend;
import io.fusedrnn.Backends;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI's log lines: one line each, one prefix, the backend choice only with --verbose. */
class CliLoggingTest {
    @AfterEach
    void quiet() {
        CliLogging.configure(false);
    }

    @Test
    void aRecordIsOneLineWithThePrefixOnce() {
        assertEquals("fusedrnn: using backend vector", CliLogging.format(new LogRecord(Level.INFO, "using backend vector"), false));
        assertEquals("fusedrnn: not using opencl", CliLogging.format(new LogRecord(Level.WARNING, "fusedrnn: not using opencl"), false));
        LogRecord withTrace = new LogRecord(Level.WARNING, "failed");
        withTrace.setThrown(new IllegalStateException("x"));
        assertEquals("fusedrnn: failed", CliLogging.format(withTrace, false));
        assertTrue(CliLogging.format(withTrace, true).contains("java.lang.IllegalStateException: x\n\tat "));
    }

    private static String autoLog(boolean verbose) {
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
            CliLogging.configure(verbose);
            try (Backend b = Backends.open("auto")) {
                return buf.toString(StandardCharsets.UTF_8) + "|" + b.name();
            }
        } finally {
            System.setErr(err);
        }
    }

    @Test
    void theBackendChoiceIsOneLineWithVerboseAndSilentWithout() {
        String verbose = autoLog(true);
        String log = verbose.substring(0, verbose.lastIndexOf('|')), name = verbose.substring(verbose.lastIndexOf('|') + 1);
        assertEquals(1, log.lines().count(), log);
        assertTrue(log.startsWith("fusedrnn: using backend " + name + " ("), log);
        assertFalse(log.contains("fusedrnn: fusedrnn:") || log.contains("opencl: opencl:") || log.contains("INFO"), log);
        String quiet = autoLog(false);
        if (!name.equals("reference")) assertEquals("|" + name, quiet, "nothing without --verbose");
    }
}
