package io.fusedrnn.benchmarks.report;

import io.fusedrnn.benchmarks.ceiling.Ceilings;
import io.fusedrnn.benchmarks.harness.BenchCase;
import io.fusedrnn.benchmarks.harness.BenchShape;
import io.fusedrnn.benchmarks.harness.ResultRow;
import io.fusedrnn.benchmarks.harness.RunInfo;
import io.fusedrnn.benchmarks.harness.Stats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
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
            .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(500px,1fr));gap:16px;max-width:1400px}
            .card{border:1px solid #e2e8f0;border-radius:6px;padding:12px 14px;background:#fafbfc}
            table.sum td{text-align:center;min-width:120px} table.sum td.case{text-align:left}
            td.win{background:#e6f4ea} td.lose{background:#fdecea} td.best{font-weight:700}
            .r{font-size:12px;color:#4a5568}
            .dims{color:#718096;font-size:13px;margin-bottom:4px}
            svg text{font-family:inherit} svg .name{font-size:13px;font-weight:600;fill:#1a202c}
            svg .value{font-size:12px;fill:#2d3748} svg .axis{font-size:11px;fill:#718096} svg .tick{font-size:11px;fill:#718096}
            svg .grid{stroke:#e2e8f0;stroke-width:1} svg .whisker{stroke:#1a202c;stroke-width:1.3} svg .arrow{fill:#1a202c}
            svg .fail{font-size:12px;fill:#c53030;font-weight:600} svg .skip{font-size:12px;fill:#718096;font-style:italic}
            table{border-collapse:collapse;font-size:13px} th,td{padding:4px 10px;border-bottom:1px solid #e2e8f0;text-align:left}
            th{background:#edf2f7} td{white-space:nowrap} td.why{white-space:normal} td.n{text-align:right;font-variant-numeric:tabular-nums}
            tr.fail td{color:#c53030} tr.skip td{color:#718096}
            .swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}
            ul{margin:4px 0;padding-left:20px;color:#4a5568} code{font-size:12px}
            """;

    private HtmlReport() {
    }

    /** Writes the page to {@code path} (the caller makes it atomic). */
    public static void write(Path path, RunInfo info, List<ResultRow> rows, List<String> notes) throws IOException {
        Files.writeString(path, render(info, rows, notes), StandardCharsets.UTF_8);
    }

    /** The page as text. */
    public static String render(RunInfo info, List<ResultRow> rows, List<String> notes) {
        StringBuilder h = new StringBuilder();
        String mode = rows.isEmpty() ? "" : rows.getFirst().benchCase().mode() + ", " + rows.getFirst().benchCase().precision();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>fusedrnn bench ")
                .append(esc(mode)).append("</title>\n<style>").append(CSS).append("</style></head><body>\n");
        h.append("<h1>fusedrnn bench: ").append(esc(mode)).append("</h1>\n");
        h.append("<div class=\"metas\">\n");
        meta(h, "Machine", info.cpu() + ", " + info.cores() + " cores; " + info.os());
        meta(h, "JDK", info.jdk());
        meta(h, "OpenCL device", info.openclDevice());
        for (Map.Entry<String, String> c : info.contenders().entrySet()) meta(h, c.getKey(), c.getValue());
        meta(h, "Ceilings", info.ceilings().describe().replaceFirst("^ceilings: ", ""));
        meta(h, "Date", info.date());
        h.append("</div>\n");

        Map<BenchCase, List<ResultRow>> cases = byCase(rows);
        summary(h, cases);
        h.append("<h2>Time per run by case</h2>\n<p class=\"meta\">Bars: median time of one run; whiskers: fastest to slowest run "
                + "(an arrow: the slowest run lies beyond the axis); labels: median, GFLOP/s, ratio.</p>\n<div class=\"grid\">\n");
        for (Map.Entry<BenchCase, List<ResultRow>> e : cases.entrySet()) {
            BenchCase c = e.getKey();
            h.append("<div class=\"card\"><h3>").append(esc(c.cell().toString().toUpperCase(Locale.ROOT) + " · " + c.shape().name()))
                    .append("</h3><div class=\"dims\">").append(esc(c.shape().dims() + " · " + c.mode() + " · " + c.precision()
                            + String.format(Locale.ROOT, " · %.3g GFLOP per run", c.flops() / 1e9)))
                    .append("</div>\n").append(SvgBarChart.render(e.getValue())).append("</div>\n");
        }
        h.append("</div>\n");

        h.append("<h2>All results</h2>\n<table><tr><th>backend</th><th>cell</th><th>shape</th><th>median ms</th>"
                + "<th>IQR ms</th><th>min - max ms</th><th>runs</th><th>GFLOP/s</th><th>of FMA peak</th><th>of GEMM</th><th>ratio</th>"
                + "<th>check rel L2</th><th>status</th></tr>\n");
        for (ResultRow r : rows) tableRow(h, r, info.ceilings());
        h.append("</table>\n");
        h.append("<p class=\"meta\">ratio: median time divided by each peer's in the same case where peers ran, else by the fastest's; "
                + "below 1 is faster. of FMA peak / of GEMM: the row's GFLOP/s as a fraction of the machine's ceilings (above). "
                + "check rel L2: error of y/h_n against the float64 reference.</p>\n");
        h.append("<h2>How this was measured</h2>\n");
        meta(h, "Command", info.command());
        meta(h, "Method", info.method());
        if (!notes.isEmpty()) {
            h.append("<h2>Notes</h2>\n<ul>\n");
            for (String n : notes) h.append("<li>").append(esc(n)).append("</li>\n");
            h.append("</ul>\n");
        }
        h.append("</body></html>\n");
        return h.toString();
    }

    private static void tableRow(StringBuilder h, ResultRow r, Ceilings ceilings) {
        BenchCase c = r.benchCase();
        String cls = r.ok() ? "" : r.status() == ResultRow.Status.SKIPPED ? " class=\"skip\"" : " class=\"fail\"";
        h.append("<tr").append(cls).append("><td><span class=\"swatch\" style=\"background:").append(SvgBarChart.colour(r))
                .append("\"></span>").append(esc(r.contender() + (r.peer() ? " (peer)" : ""))).append("</td><td>")
                .append(c.cell()).append("</td><td>").append(esc(shapeText(c.shape()))).append("</td>");
        if (r.ok()) {
            Stats s = r.stats();
            num(h, TableWriter.fmt(s.median()));
            num(h, TableWriter.fmt(s.q1()) + " - " + TableWriter.fmt(s.q3()));
            num(h, TableWriter.fmt(s.min()) + " - " + TableWriter.fmt(s.max()));
            num(h, Integer.toString(s.runs()));
            num(h, String.format(Locale.ROOT, "%.2f", r.gflops()));
            num(h, TableWriter.percent(ceilings.ofFma(r)));
            num(h, TableWriter.percent(ceilings.ofGemm(r)));
            num(h, SvgBarChart.ratio(r));
            num(h, String.format(Locale.ROOT, "%.1e", r.checkError()));
            h.append("<td>ok</td></tr>\n");
        } else {
            h.append("<td colspan=\"8\" class=\"why\">").append(esc(r.reason())).append("</td>");
            num(h, Double.isNaN(r.checkError()) ? "" : String.format(Locale.ROOT, "%.1e", r.checkError()));
            h.append("<td>").append(r.status()).append("</td></tr>\n");
        }
    }

    /**
     * One line per case, one column per contender: median ms and ratio; green where faster than the
     * peer, red where slower; the fastest of each case in bold.
     */
    private static void summary(StringBuilder h, Map<BenchCase, List<ResultRow>> cases) {
        List<String> names = new ArrayList<>();
        for (List<ResultRow> rs : cases.values()) for (ResultRow r : rs) if (!names.contains(r.contender())) names.add(r.contender());
        h.append("<h2>Summary</h2>\n<table class=\"sum\"><tr><th>case</th>");
        for (String n : names) h.append("<th>").append(esc(n)).append("</th>");
        h.append("</tr>\n");
        for (Map.Entry<BenchCase, List<ResultRow>> e : cases.entrySet()) {
            BenchCase c = e.getKey();
            h.append("<tr><td class=\"case\"><b>").append(esc(c.cell() + " " + c.shape().name())).append("</b> <span class=\"r\">")
                    .append(esc(c.shape().dims())).append("</span></td>");
            for (String n : names) {
                ResultRow r = e.getValue().stream().filter(x -> x.contender().equals(n)).findFirst().orElse(null);
                if (r == null) {
                    h.append("<td class=\"r\">not run</td>");
                } else if (!r.ok()) {
                    h.append("<td class=\"").append(r.status() == ResultRow.Status.SKIPPED ? "r" : "lose").append("\">")
                            .append(r.status()).append("</td>");
                } else {
                    String cls = (r.ratioToFastest() == 1.0 ? "best " : "")
                            + (Double.isNaN(r.ratioToPeer()) || r.peer() ? "" : r.ratioToPeer() <= 1 ? "win" : "lose");
                    h.append("<td class=\"").append(cls.trim()).append("\">").append(TableWriter.fmt(r.stats().median()))
                            .append(" ms<br><span class=\"r\">").append(esc(SvgBarChart.ratio(r))).append("</span></td>");
                }
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    /** Rows grouped by case, shapes outer and cells inner, so a shape's LSTM and GRU charts sit side by side. */
    private static Map<BenchCase, List<ResultRow>> byCase(List<ResultRow> rows) {
        List<ResultRow> sorted = new ArrayList<>(rows);
        List<BenchShape> shapes = new ArrayList<>();
        for (ResultRow r : rows) if (!shapes.contains(r.benchCase().shape())) shapes.add(r.benchCase().shape());
        sorted.sort(Comparator.comparingInt(r -> shapes.indexOf(r.benchCase().shape())));
        Map<BenchCase, List<ResultRow>> m = new LinkedHashMap<>();
        for (ResultRow r : sorted) m.computeIfAbsent(r.benchCase(), k -> new ArrayList<>()).add(r);
        return m;
    }

    /** {@code latency B1 T100 I256 H256}; a custom shape's name already says its sizes. */
    private static String shapeText(BenchShape s) {
        return s.name().contains("=") ? s.dims() : s.name() + " " + s.dims();
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
