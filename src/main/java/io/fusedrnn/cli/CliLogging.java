package io.fusedrnn.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The CLI's logging: the library logs through {@link System.Logger} (java.util.logging here), and the
 * CLI prints each record as one line, {@code fusedrnn: message}, on stderr. Warnings always; with
 * {@code --verbose} also the info lines (which backend runs and why) and stack traces.
 */
final class CliLogging {
    private static final String PREFIX = "fusedrnn: ";

    private CliLogging() {
    }

    /** Replaces the root logger's handlers with the one-line handler; {@code verbose} shows INFO and stack traces. */
    static void configure(boolean verbose) {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) root.removeHandler(h);
        Level level = verbose ? Level.INFO : Level.WARNING;
        root.setLevel(level);
        OneLine handler = new OneLine(verbose);
        handler.setLevel(level);
        root.addHandler(handler);
        // JOCL logs its native-library search at FINE/SEVERE; its failure reaches the user as our one skip reason
        Logger.getLogger("org.jocl").setLevel(verbose ? Level.INFO : Level.OFF);
    }

    /** {@code fusedrnn: message}: one line per record, the prefix never doubled; to stderr as it is at publish time. */
    static String format(LogRecord r, boolean stackTraces) {
        String message = r.getMessage() == null ? "" : r.getMessage();
        if (r.getParameters() != null && r.getParameters().length > 0) {
            message = java.text.MessageFormat.format(message, r.getParameters());
        }
        String line = message.startsWith(PREFIX) ? message : PREFIX + message;
        if (stackTraces && r.getThrown() != null) {
            StringWriter trace = new StringWriter();
            r.getThrown().printStackTrace(new PrintWriter(trace));
            line += System.lineSeparator() + trace.toString().stripTrailing();
        }
        return line;
    }

    /** Writes each record with {@link #format}; looks up {@code System.err} per record so tests can capture it. */
    private static final class OneLine extends Handler {
        private final boolean stackTraces;

        OneLine(boolean stackTraces) {
            this.stackTraces = stackTraces;
        }

        @Override
        public void publish(LogRecord r) {
            if (!isLoggable(r)) return;
            PrintStream err = System.err;
            err.println(format(r, stackTraces));
            err.flush();
        }

        @Override
        public void flush() {
            System.err.flush();
        }

        @Override
        public void close() {
            flush();
        }
    }
}
