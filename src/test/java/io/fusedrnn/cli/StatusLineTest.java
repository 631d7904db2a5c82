package io.fusedrnn.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Progress redraws with carriage returns on a terminal only. */
class StatusLineTest {
    private static String show(boolean terminal) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (StatusLine s = new StatusLine(new PrintStream(buf, true, StandardCharsets.UTF_8), terminal)) {
            s.show("demo: vector lstm small");
            s.show("demo: vector gru");
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aPipeOrFileGetsPlainLines() {
        assertEquals("demo: vector lstm small\ndemo: vector gru\n", show(false));
    }

    @Test
    void aTerminalGetsOneLineRedrawnAndClearedAtTheEnd() {
        String pad = " ".repeat("demo: vector lstm small".length() - "demo: vector gru".length());
        assertEquals("\rdemo: vector lstm small\rdemo: vector gru" + pad + "\r" + " ".repeat(16) + "\r", show(true));
    }

    @Test
    void stderrUnderTheTestRunnerIsNotATerminal() {
        assertFalse(StatusLine.stderrIsTerminal(), "surefire pipes stderr");
    }
}
