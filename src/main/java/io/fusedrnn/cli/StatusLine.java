package io.fusedrnn.cli;

import java.io.PrintStream;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * A command's progress on stderr: redrawn in place with {@code \r} when stderr is a terminal, one
 * plain line per step otherwise (a log file or a pipe gets no carriage returns).
 */
final class StatusLine implements AutoCloseable {
    private final PrintStream err;
    private final boolean terminal;
    private int width;

    StatusLine(PrintStream err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    /** On {@code System.err}, redrawing only when it is a terminal. */
    static StatusLine stderr() {
        return new StatusLine(System.err, stderrIsTerminal());
    }

    /** Shows {@code text} as the current step. */
    void show(String text) {
        if (terminal) {
            err.print("\r" + text + " ".repeat(Math.max(0, width - text.length())));
            width = text.length();
        } else {
            err.println(text);
        }
        err.flush();
    }

    /** Clears the redrawn line (nothing to do for plain lines). */
    @Override
    public void close() {
        if (terminal && width > 0) {
            err.print("\r" + " ".repeat(width) + "\r");
            err.flush();
        }
    }

    /**
     * Whether file descriptor 2 is a terminal: {@code isatty(2)} through the FFM API; where that cannot
     * be called, whether the JVM has an interactive console (stdin and stdout).
     */
    static boolean stderrIsTerminal() {
        try {
            Linker linker = Linker.nativeLinker();
            var isatty = linker.defaultLookup().find("isatty");
            if (isatty.isPresent()) {
                MethodHandle h = linker.downcallHandle(isatty.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
                return (int) h.invokeExact(2) == 1;
            }
        } catch (Throwable e) {
            // no native access or no isatty (not POSIX): fall back to the console
        }
        var console = System.console();
        return console != null && console.isTerminal();
    }
}
