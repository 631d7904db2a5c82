package io.fusedrnn.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The results as a plain-text table for stdout, one row per contender and case, notes below it. */
public final class TableWriter {
    private static final String[] HEAD = {"backend", "cell", "shape", "dims", "median ms", "spread ms (min-max)", "GFLOP/s", "ratio"};

    private TableWriter() {
    }

    /** Writes the table; the ratio column is to the peer where one ran, else to the fastest. */
    public static void write(PrintStream out, List<ResultRow> rows, List<String> notes) {
        List<String[]> lines = new ArrayList<>();
        lines.add(HEAD);
        boolean anyPeer = false;
        for (ResultRow r : rows) {
            BenchCase c = r.benchCase();
            String name = r.contender() + (r.peer() ? " (peer)" : "");
            if (r.ok()) {
                Stats s = r.stats();
                boolean toPeer = !Double.isNaN(r.ratioToPeer());
                anyPeer |= toPeer;
                lines.add(new String[] {name, c.cell().toString(), c.shape().name(), c.shape().dims(), fmt(s.median()),
                        fmt(s.min()) + " - " + fmt(s.max()), String.format(Locale.ROOT, "%.2f", r.gflops()),
                        String.format(Locale.ROOT, "%.2fx %s", toPeer ? r.ratioToPeer() : r.ratioToFastest(), toPeer ? "peer" : "fastest")});
            } else {
                lines.add(new String[] {name, c.cell().toString(), c.shape().name(), c.shape().dims(), r.status().toString().toUpperCase(Locale.ROOT),
                        "", "", ""});
            }
        }
        int[] width = new int[HEAD.length];
        for (String[] l : lines) for (int i = 0; i < l.length; i++) width[i] = Math.max(width[i], l[i].length());
        for (int n = 0; n < lines.size(); n++) {
            String[] l = lines.get(n);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < l.length; i++) {
                boolean right = i >= 4 && n > 0;
                String cell = right ? " ".repeat(width[i] - l[i].length()) + l[i] : l[i] + " ".repeat(width[i] - l[i].length());
                sb.append(i == 0 ? "" : "  ").append(cell);
            }
            out.println(sb.toString().stripTrailing());
            if (n == 0) out.println("-".repeat(sb.toString().stripTrailing().length()));
        }
        out.println();
        out.println("ratio: median time / " + (anyPeer ? "the peer's (below 1 = faster than the peer)" : "the fastest's in the same case"));
        for (String note : notes) out.println("note: " + note);
    }

    /** Milliseconds with three significant digits at least. */
    static String fmt(double ms) {
        if (ms >= 100) return String.format(Locale.ROOT, "%.1f", ms);
        if (ms >= 1) return String.format(Locale.ROOT, "%.3f", ms);
        return String.format(Locale.ROOT, "%.4f", ms);
    }
}
