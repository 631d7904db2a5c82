package io.fusedrnn.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** A plain-text table with aligned columns (numbers right-aligned), for the CLI's reports. */
public final class Table {
    private final String[] header;
    private final List<String[]> rows = new ArrayList<>();

    /**
     * A table with these column names.
     *
     * @param header the column names
     */
    public Table(String... header) {
        this.header = header;
    }

    /**
     * Adds a row; missing cells are empty, extra cells are dropped.
     *
     * @param cells the row's values, printed with {@code toString}
     */
    public void add(Object... cells) {
        String[] r = new String[header.length];
        for (int i = 0; i < r.length; i++) r[i] = i < cells.length && cells[i] != null ? cells[i].toString() : "";
        rows.add(r);
    }

    /**
     * Prints the header, a rule and the rows.
     *
     * @param out where to print
     */
    public void print(PrintStream out) {
        int[] w = new int[header.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = header[i].length();
            for (String[] r : rows) w[i] = Math.max(w[i], r[i].length());
        }
        line(out, header, w);
        StringBuilder rule = new StringBuilder();
        for (int i = 0; i < w.length; i++) rule.append(i == 0 ? "" : "  ").append("-".repeat(w[i]));
        out.println(rule);
        for (String[] r : rows) line(out, r, w);
    }

    private static void line(PrintStream out, String[] cells, int[] w) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) sb.append("  ");
            boolean number = !cells[i].isEmpty() && (Character.isDigit(cells[i].charAt(0)) || cells[i].charAt(0) == '-') && i > 0;
            sb.append(number ? " ".repeat(w[i] - cells[i].length()) + cells[i] : cells[i] + " ".repeat(w[i] - cells[i].length()));
        }
        out.println(sb.toString().stripTrailing());
    }
}
