package io.fusedrnn.benchmarks.harness;

import java.io.PrintStream;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Progress on stderr: on a terminal one line redrawn in place (a bar, the case, the phase); in a log
 * one line per phase, so a redirected stderr stays readable.
 */
public final class Progress {
    private static final int WIDTH = 24;

    private final PrintStream err;
    private final boolean terminal;
    private final int cases;
    private int lineLength;
    private String lastPhase = "";

    public Progress(PrintStream err, boolean terminal, int cases) {
        this.err = err;
        this.terminal = terminal;
        this.cases = Math.max(1, cases);
    }

    /**
     * Whether stderr itself is a terminal (then the line is redrawn): {@code isatty(2)} through the FFM
     * API, since {@code System.console()} describes stdin and stdout, not stderr. False when it cannot
     * be asked (no C library, native access refused) and under the test suite.
     */
    public static boolean stderrIsTerminal() {
        if (System.getenv("FUSEDRNN_TEST") != null) return false;
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle isatty = linker.downcallHandle(linker.defaultLookup().find("isatty").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            return (int) isatty.invokeExact(2) == 1;
        } catch (Throwable t) {
            return false;
        }
    }

    /** Shows a step outside the cases (measuring the ceilings): redrawn on a terminal, a line otherwise. */
    public void phase(String text) {
        String line = "bench: " + text;
        if (terminal) {
            err.print("\r" + line + " ".repeat(Math.max(0, lineLength - line.length())));
            lineLength = line.length();
            err.flush();
        } else {
            err.println(line);
        }
    }

    /**
     * Shows where the run is.
     *
     * @param caseIndex 0-based case number
     * @param within    fraction of this case done, 0..1
     * @param phase     short text: "checking", "warm-up 2/3", "run 4/10"
     */
    public void update(int caseIndex, BenchCase c, double within, String phase) {
        double done = (caseIndex + Math.min(1, within)) / cases;
        String head = String.format(Locale.ROOT, "bench [%s] %3d%%  case %d/%d  %s %s",
                bar(done), Math.round(done * 100), caseIndex + 1, cases, c.label(), c.shape().dims());
        if (terminal) {
            String line = head + "  " + phase;
            err.print("\r" + line + " ".repeat(Math.max(0, lineLength - line.length())));
            lineLength = line.length();
            err.flush();
        } else {
            // one line per kind of phase (preparing, setting, checking, warm-up, run) in a log
            String key = caseIndex + ":" + phase.split(" ", 2)[0];
            if (!key.equals(lastPhase)) err.println(head + "  " + phase);
            lastPhase = key;
        }
    }

    /** A line of its own (a skipped backend, a failure), not overwritten by the bar. */
    public void note(String text) {
        clear();
        err.println("bench: " + text);
    }

    /** Ends the progress display. */
    public void finish() {
        clear();
    }

    private void clear() {
        if (terminal && lineLength > 0) {
            err.print("\r" + " ".repeat(lineLength) + "\r");
            err.flush();
            lineLength = 0;
        }
    }

    private static String bar(double fraction) {
        int n = (int) Math.round(fraction * WIDTH);
        return "#".repeat(n) + ".".repeat(WIDTH - n);
    }
}
