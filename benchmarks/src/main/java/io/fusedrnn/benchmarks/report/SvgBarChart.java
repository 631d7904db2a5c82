package io.fusedrnn.benchmarks.report;

import io.fusedrnn.benchmarks.harness.ResultRow;
import io.fusedrnn.benchmarks.harness.Stats;

import java.util.List;
import java.util.Locale;

/**
 * One case as an inline SVG horizontal bar chart: a bar per contender for its median time (shorter is
 * faster), a whisker from the fastest to the slowest run, and a label with ms, GFLOP/s and ratio.
 * Contenders that failed or were skipped get a line of text instead of a bar.
 */
final class SvgBarChart {
    static final int WIDTH = 600;
    private static final int LABEL = 112, BAR_MAX = 220, ROW = 34, TOP = 26, BOTTOM = 22, BAR_H = 18;

    private SvgBarChart() {
    }

    /** The colour of a contender's bars, the same in every chart. */
    static String colour(ResultRow r) {
        if (r.peer()) return r.contender().equals("onednn") ? "#9c4221" : "#d9822b";
        String n = r.contender();
        if (n.startsWith("opencl")) return "#2f8f5b";
        if (n.equals("vector")) return "#2b6cb0";
        if (n.equals("reference")) return "#8a94a6";
        return "#6b46c1";
    }

    static String render(List<ResultRow> rows) {
        // the axis covers every median with room to spare and every upper quartile; a slower outlier
        // would squash the bars, so its whisker is clipped at the edge with an arrow instead
        double slowest = 0;
        for (ResultRow r : rows) if (r.ok()) slowest = Math.max(slowest, Math.max(1.15 * r.stats().median(), r.stats().q3()));
        double step = niceStep(slowest / 4);
        double scale = step * Math.max(1, Math.ceil(slowest / step - 1e-9));
        int height = TOP + rows.size() * ROW + BOTTOM;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100%%\" viewBox=\"0 0 %d %d\" role=\"img\">%n",
                WIDTH, height));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"16\" class=\"axis\">median ms per run (shorter is faster); whisker: fastest to slowest run</text>%n", LABEL));
        int decimals = (int) Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
        for (int q = 0; step * q <= scale * (1 + 1e-9); q++) {
            double x = LABEL + BAR_MAX * step * q / scale;
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"grid\"/>%n", x, TOP - 4, x, height - BOTTOM + 2));
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" class=\"tick\" text-anchor=\"middle\">%s</text>%n",
                    x, height - 6, String.format(Locale.ROOT, "%." + decimals + "f", step * q)));
        }
        for (int i = 0; i < rows.size(); i++) {
            ResultRow r = rows.get(i);
            int y = TOP + i * ROW;
            int mid = y + ROW / 2;
            if (r.peer()) {
                s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" class=\"name\" text-anchor=\"end\">%s</text>%n",
                        LABEL - 8, mid, HtmlReport.esc(r.contender())));
                s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" class=\"tick\" text-anchor=\"end\">peer</text>%n", LABEL - 8, mid + 12));
            } else {
                s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" class=\"name\" text-anchor=\"end\">%s</text>%n",
                        LABEL - 8, mid + 5, HtmlReport.esc(r.contender())));
            }
            if (!r.ok()) {
                String cls = r.status() == ResultRow.Status.SKIPPED ? "skip" : "fail";
                s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" class=\"%s\">%s: %s</text>%n", LABEL + 4, mid + 5, cls,
                        r.status().toString().toUpperCase(Locale.ROOT), HtmlReport.esc(shorten(r.reason(), 58))));
                continue;
            }
            Stats st = r.stats();
            double w = Math.max(1.5, BAR_MAX * st.median() / scale);
            boolean clipped = st.max() > scale;
            double x0 = LABEL + BAR_MAX * st.min() / scale, x1 = LABEL + BAR_MAX * Math.min(st.max(), scale) / scale;
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" rx=\"2\" fill=\"%s\"><title>%s</title></rect>%n",
                    LABEL, mid - BAR_H / 2, w, BAR_H, colour(r), HtmlReport.esc(tooltip(r))));
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"whisker\"/>%n", x0, mid, x1, mid));
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"whisker\"/>%n", x0, mid - 5, x0, mid + 5));
            if (clipped) {
                s.append(String.format(Locale.ROOT, "<path d=\"M%.1f %d l6 4 l-6 4 z\" class=\"arrow\"><title>slowest run %s ms</title></path>%n",
                        x1, mid - 4, TableWriter.fmt(st.max())));
                x1 += 6;
            } else {
                s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"whisker\"/>%n", x1, mid - 5, x1, mid + 5));
            }
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" class=\"value\">%s ms · %.1f GFLOP/s · %s</text>%n",
                    Math.max(x1, LABEL + w) + 8, mid + 5, TableWriter.fmt(st.median()), r.gflops(), ratio(r)));
        }
        s.append("</svg>");
        return s.toString();
    }

    /** The row's ratios as text: to each other peer, or to the fastest when no peer ran. */
    static String ratio(ResultRow r) {
        if (!r.peerRatios().isEmpty()) return TableWriter.ratios(r).replace("x ", "× ");
        return r.ratioToFastest() == 1.0 ? "fastest" : String.format(Locale.ROOT, "%.2f× fastest", r.ratioToFastest());
    }

    private static String tooltip(ResultRow r) {
        Stats s = r.stats();
        return String.format(Locale.ROOT, "%s: median %s ms, IQR %s-%s ms, min-max %s-%s ms, %d runs",
                r.contender(), TableWriter.fmt(s.median()), TableWriter.fmt(s.q1()), TableWriter.fmt(s.q3()),
                TableWriter.fmt(s.min()), TableWriter.fmt(s.max()), s.runs());
    }

    private static String shorten(String text, int max) {
        if (text == null) return "";
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }

    /** The smallest of 1, 2 or 5 times a power of ten that is at least v (round axis ticks). */
    static double niceStep(double v) {
        if (!(v > 0)) return 1;
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 5}) if (m * p >= v * (1 - 1e-9)) return m * p;
        return 10 * p;
    }
}
