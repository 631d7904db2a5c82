package io.fusedrnn.benchmarks.report;

import io.fusedrnn.benchmarks.ceiling.Ceilings;
import io.fusedrnn.benchmarks.harness.BenchCase;
import io.fusedrnn.benchmarks.harness.ResultRow;
import io.fusedrnn.benchmarks.harness.Stats;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The results as a plain-text table for stdout, one row per contender and case, notes below it. */
public final class TableWriter {
    private static final String[] HEAD = {"backend", "cell", "shape", "dims", "median ms", "spread ms (min-max)", "GFLOP/s",
            "of FMA", "of GEMM", "ratio"};

    private TableWriter() {
    }

    /**
     * Writes the table; the ratio column is to each peer where peers ran, else to the fastest; "of FMA"
     * and "of GEMM" are the row's GFLOP/s as a fraction of the machine's ceilings.
     */
    public static void write(PrintStream out, List<ResultRow> rows, List<String> notes, Ceilings ceilings) {
        List<String[]> lines = new ArrayList<>();
        lines.add(HEAD);
        boolean anyPeer = false;
        for (ResultRow r : rows) {
            BenchCase c = r.benchCase();
            String name = r.contender() + (r.peer() ? " (peer)" : "");
            if (r.ok()) {
                Stats s = r.stats();
                anyPeer |= !r.peerRatios().isEmpty();
                lines.add(new String[] {name, c.cell().toString(), c.shape().name(), c.shape().dims(), fmt(s.median()),
                        fmt(s.min()) + " - " + fmt(s.max()), String.format(Locale.ROOT, "%.2f", r.gflops()),
                        percent(ceilings.ofFma(r)), percent(ceilings.ofGemm(r)), ratios(r)});
            } else {
                lines.add(new String[] {name, c.cell().toString(), c.shape().name(), c.shape().dims(), r.status().toString().toUpperCase(Locale.ROOT),
                        "", "", "", "", ""});
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
        out.println("ratio: median time / " + (anyPeer ? "each peer's (below 1 = faster than that peer)" : "the fastest's in the same case"));
        out.println(ceilings.describe() + (ceilings.measured() ? "; of FMA / of GEMM: a row's GFLOP/s as a fraction of them" : ""));
        for (String note : notes) out.println("note: " + note);
    }

    /** {@code 0.85x onnxruntime, 1.10x onednn}, or {@code 1.00x fastest} when no peer ran. */
    public static String ratios(ResultRow r) {
        if (r.peerRatios().isEmpty()) return String.format(Locale.ROOT, "%.2fx fastest", r.ratioToFastest());
        List<String> parts = new ArrayList<>();
        for (var e : r.peerRatios().entrySet()) {
            if (!e.getKey().equals(r.contender())) parts.add(String.format(Locale.ROOT, "%.2fx %s", e.getValue(), e.getKey()));
        }
        return parts.isEmpty() ? "peer" : String.join(", ", parts);
    }

    /** {@code 42%}, or empty for NaN. */
    public static String percent(double fraction) {
        return Double.isFinite(fraction) ? String.format(Locale.ROOT, "%.0f%%", fraction * 100) : "";
    }

    /** Milliseconds with three significant digits at least. */
    public static String fmt(double ms) {
        if (ms >= 100) return String.format(Locale.ROOT, "%.1f", ms);
        if (ms >= 1) return String.format(Locale.ROOT, "%.3f", ms);
        return String.format(Locale.ROOT, "%.4f", ms);
    }
}
