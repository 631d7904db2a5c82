package io.fusedrnn.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The results as one self-contained HTML page (inline CSS and SVG, nothing fetched): the run's
 * machine and method, a bar chart per cell and shape, the full table and the notes.
 */
public final class HtmlReport {
    private static final String CSS = """
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:24px 32px;color:#1a202c;background:#fff}
            h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px} h3{font-size:15px;margin:0 0 2px}
            .meta{color:#4a5568;margin:0 0 2px} .meta b{color:#1a202c;font-weight:600}
            .grid{display:flex;flex-wrap:wrap;gap:16px}
            .card{border:1px solid #e2e8f0;border-radius:6px;padding:12px 14px;background:#fafbfc}
            .dims{color:#718096;font-size:13px;margin-bottom:4px}
            svg text{font-family:inherit} svg .name{font-size:13px;font-weight:600;fill:#1a202c}
            svg .value{font-size:12px;fill:#2d3748} svg .axis{font-size:11px;fill:#718096} svg .tick{font-size:11px;fill:#718096}
            svg .grid{stroke:#e2e8f0;stroke-width:1} svg .whisker{stroke:#1a202c;stroke-width:1.3}
            svg .fail{font-size:12px;fill:#c53030;font-weight:600} svg .skip{font-size:12px;fill:#718096;font-style:italic}
            table{border-collapse:collapse;font-size:13px} th,td{padding:4px 10px;border-bottom:1px solid #e2e8f0;text-align:left}
            th{background:#edf2f7} td.n{text-align:right;font-variant-numeric:tabular-nums}
            tr.fail td{color:#c53030} tr.skip td{color:#718096}
            .swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}
            ul{margin:4px 0;padding-left:20px;color:#4a5568} code{font-size:12px}
            """;

    private HtmlReport() {
    }

    /** Writes the page to {@code path} atomically. */
    public static void write(Path path, RunInfo info, List<ResultRow> rows, List<String> notes) throws IOException {
        AtomicFiles.writeAtomically(path, render(info, rows, notes).getBytes(StandardCharsets.UTF_8));
    }

    /** The page as text. */
    public static String render(RunInfo info, List<ResultRow> rows, List<String> notes) {
        StringBuilder h = new StringBuilder();
        String mode = rows.isEmpty() ? "" : rows.getFirst().benchCase().mode() + ", " + rows.getFirst().benchCase().precision();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>fusedrnn bench ")
                .append(esc(mode)).append("</title>\n<style>").append(CSS).append("</style></head><body>\n");
        h.append("<h1>fusedrnn bench: ").append(esc(mode)).append("</h1>\n");
        meta(h, "Machine", info.cpu() + ", " + info.cores() + " cores; " + info.os());
        meta(h, "JDK", info.jdk());
        meta(h, "OpenCL device", info.openclDevice());
        for (Map.Entry<String, String> c : info.contenders().entrySet()) meta(h, c.getKey(), c.getValue());
        meta(h, "Date", info.date());
        meta(h, "Command", info.command());
        meta(h, "Method", info.method());

        h.append("<h2>Time per run by case</h2>\n<div class=\"grid\">\n");
        for (Map.Entry<BenchCase, List<ResultRow>> e : byCase(rows).entrySet()) {
            BenchCase c = e.getKey();
            h.append("<div class=\"card\"><h3>").append(esc(c.cell().toString().toUpperCase(Locale.ROOT) + " · " + c.shape().name()))
                    .append("</h3><div class=\"dims\">").append(esc(c.shape().dims() + " · " + c.mode() + " · " + c.precision()
                            + String.format(Locale.ROOT, " · %.3g GFLOP per run", c.flops() / 1e9)))
                    .append("</div>\n").append(SvgBarChart.render(e.getValue())).append("</div>\n");
        }
        h.append("</div>\n");

        h.append("<h2>All results</h2>\n<table><tr><th>backend</th><th>cell</th><th>shape</th><th>dims</th><th>median ms</th>"
                + "<th>IQR ms</th><th>min - max ms</th><th>runs</th><th>GFLOP/s</th><th>ratio</th><th>check rel L2</th><th>status</th></tr>\n");
        for (ResultRow r : rows) tableRow(h, r);
        h.append("</table>\n");
        h.append("<p class=\"meta\">ratio: median time divided by the peer's in the same case where a peer ran, else by the fastest's; "
                + "below 1 is faster. check rel L2: error of y/h_n against the float64 reference.</p>\n");
        if (!notes.isEmpty()) {
            h.append("<h2>Notes</h2>\n<ul>\n");
            for (String n : notes) h.append("<li>").append(esc(n)).append("</li>\n");
            h.append("</ul>\n");
        }
        h.append("</body></html>\n");
        return h.toString();
    }

    private static void tableRow(StringBuilder h, ResultRow r) {
        BenchCase c = r.benchCase();
        String cls = r.ok() ? "" : r.status() == ResultRow.Status.SKIPPED ? " class=\"skip\"" : " class=\"fail\"";
        h.append("<tr").append(cls).append("><td><span class=\"swatch\" style=\"background:").append(SvgBarChart.colour(r))
                .append("\"></span>").append(esc(r.contender() + (r.peer() ? " (peer)" : ""))).append("</td><td>")
                .append(c.cell()).append("</td><td>").append(esc(c.shape().name())).append("</td><td>").append(esc(c.shape().dims())).append("</td>");
        if (r.ok()) {
            Stats s = r.stats();
            num(h, TableWriter.fmt(s.median()));
            num(h, TableWriter.fmt(s.q1()) + " - " + TableWriter.fmt(s.q3()));
            num(h, TableWriter.fmt(s.min()) + " - " + TableWriter.fmt(s.max()));
            num(h, Integer.toString(s.runs()));
            num(h, String.format(Locale.ROOT, "%.2f", r.gflops()));
            num(h, SvgBarChart.ratio(r));
            num(h, String.format(Locale.ROOT, "%.1e", r.checkError()));
            h.append("<td>ok</td></tr>\n");
        } else {
            h.append("<td colspan=\"6\"></td>");
            num(h, Double.isNaN(r.checkError()) ? "" : String.format(Locale.ROOT, "%.1e", r.checkError()));
            h.append("<td>").append(r.status()).append(": ").append(esc(r.reason())).append("</td></tr>\n");
        }
    }

    private static Map<BenchCase, List<ResultRow>> byCase(List<ResultRow> rows) {
        Map<BenchCase, List<ResultRow>> m = new LinkedHashMap<>();
        for (ResultRow r : rows) m.computeIfAbsent(r.benchCase(), k -> new ArrayList<>()).add(r);
        return m;
    }

    private static void meta(StringBuilder h, String key, String value) {
        h.append("<p class=\"meta\"><b>").append(esc(key)).append(":</b> ").append(esc(value)).append("</p>\n");
    }

    private static void num(StringBuilder h, String text) {
        h.append("<td class=\"n\">").append(esc(text)).append("</td>");
    }

    /** Escapes text for HTML and SVG. */
    static String esc(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length());
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                default -> b.append(ch);
            }
        }
        return b.toString();
    }
}
