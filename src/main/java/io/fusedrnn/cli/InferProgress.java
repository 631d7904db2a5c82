package io.fusedrnn.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * infer's progress on stderr, shown only once a run has lasted {@link #QUIET_NANOS}: on a terminal
 * one line redrawn in place with {@code \r}, otherwise a plain line every few seconds (a log stays
 * readable).
 */
final class InferProgress {
    /** Runs shorter than this print nothing. */
    static final long QUIET_NANOS = 2_000_000_000L;
    private static final long REDRAW_NANOS = 250_000_000L, LINE_NANOS = 5_000_000_000L;

    private final PrintStream err;
    private final boolean terminal;
    private final long total, start;
    private long lastShown;
    private int lineLength;
    private boolean shown;

    InferProgress(PrintStream err, long totalRows) {
        this(err, totalRows, err == System.err && stderrIsTerminal(), System.nanoTime());
    }

    /** A display started at {@code startNanos} (System.nanoTime's clock) that redraws when {@code terminal}. */
    InferProgress(PrintStream err, long totalRows, boolean terminal, long startNanos) {
        this.err = err;
        this.total = Math.max(1, totalRows);
        this.terminal = terminal;
        this.start = startNanos;
    }

    /** Whether file descriptor 2 is a terminal (Linux: /proc/self/fd/2 names a tty; elsewhere the console's answer). */
    static boolean stderrIsTerminal() {
        Path fd = Path.of("/proc/self/fd/2");
        try {
            if (Files.isSymbolicLink(fd)) {
                String target = Files.readSymbolicLink(fd).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            }
        } catch (java.io.IOException | SecurityException | UnsupportedOperationException e) {
            // fall through to the console's answer
        }
        var console = System.console();
        return console != null && console.isTerminal();
    }

    /** Reports {@code rows} of the total done. */
    void update(long rows) {
        update(rows, System.nanoTime());
    }

    void update(long rows, long now) {
        long elapsed = now - start;
        if (elapsed < QUIET_NANOS || rows >= total) return;
        if (shown && now - lastShown < (terminal ? REDRAW_NANOS : LINE_NANOS)) return;
        show(line(rows, elapsed), false);
        lastShown = now;
    }

    /** Ends the display: the final line, only if progress was shown. */
    void done() {
        done(System.nanoTime());
    }

    void done(long now) {
        if (!shown) return;
        show(line(total, now - start), true);
    }

    private String line(long rows, long elapsed) {
        double fraction = (double) rows / total, seconds = elapsed / 1e9;
        String left = rows > 0 && rows < total ? String.format(Locale.ROOT, ", about %.0f s left", seconds * (1 - fraction) / fraction) : "";
        return String.format(Locale.ROOT, "fusedrnn infer: %d/%d batch rows (%.0f%%), %.1f s%s", rows, total, 100 * fraction, seconds, left);
    }

    private void show(String line, boolean last) {
        shown = true;
        if (terminal) {
            err.print("\r" + line + " ".repeat(Math.max(0, lineLength - line.length())) + (last ? "\n" : ""));
            lineLength = line.length();
        } else {
            err.println(line);
        }
        err.flush();
    }
}
