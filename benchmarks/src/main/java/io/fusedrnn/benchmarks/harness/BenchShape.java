package io.fusedrnn.benchmarks.harness;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One benchmark problem size: batch B, steps T, input size I, hidden size H, under a name (the
 * standard shapes of docs/DESIGN.md, Performance model, or {@code B=..,T=..,I=..,H=..} for a custom one).
 */
public record BenchShape(String name, int batch, int steps, int inputSize, int hiddenSize) {

    /** latency: one sequence, long; the recurrent weights must stay close to the arithmetic. */
    public static final BenchShape LATENCY = new BenchShape("latency", 1, 100, 256, 256);
    /** batch: a typical serving batch. */
    public static final BenchShape BATCH = new BenchShape("batch", 64, 50, 512, 512);
    /** large: GEMM-bound, big batch and wide layers. */
    public static final BenchShape LARGE = new BenchShape("large", 256, 25, 1024, 1024);

    /** The standard shapes in the order they are run by default. */
    public static final List<BenchShape> STANDARD = List.of(LATENCY, BATCH, LARGE);

    /** What --shapes accepts, for error messages. */
    public static final String EXPECTED = "a comma list of latency, batch, large or B=..,T=..,I=..,H=..";

    public BenchShape {
        if (batch < 1 || steps < 1 || inputSize < 1 || hiddenSize < 1) {
            throw new IllegalArgumentException("shape sizes must be >= 1, found B=" + batch + " T=" + steps
                    + " I=" + inputSize + " H=" + hiddenSize);
        }
    }

    /** True for the standard {@code large} shape (the scalar reference is left out of it by default). */
    public boolean isLarge() {
        return this.equals(LARGE);
    }

    /** {@code B1 T100 I256 H256}. */
    public String dims() {
        return "B" + batch + " T" + steps + " I" + inputSize + " H" + hiddenSize;
    }

    /**
     * Parses a --shapes value: standard names and custom shapes, comma-separated; a custom shape is
     * the four keys B, T, I, H (any order, case-insensitive) in consecutive items, e.g.
     * {@code latency,B=2,T=5,I=8,H=16}.
     *
     * @throws IllegalArgumentException naming the item that is wrong
     */
    public static List<BenchShape> parseList(String text) {
        List<BenchShape> shapes = new ArrayList<>();
        Map<Character, Integer> custom = new LinkedHashMap<>();
        for (String raw : text.split(",", -1)) {
            String item = raw.trim();
            if (item.isEmpty()) throw new IllegalArgumentException("an empty item in '" + text + "'");
            int eq = item.indexOf('=');
            if (eq < 0) {
                if (!custom.isEmpty()) throw new IllegalArgumentException("an incomplete custom shape before '" + item + "' (needs B, T, I and H)");
                shapes.add(standard(item));
                continue;
            }
            String key = item.substring(0, eq).trim().toUpperCase(Locale.ROOT);
            if (key.length() != 1 || "BTIH".indexOf(key.charAt(0)) < 0) {
                throw new IllegalArgumentException("'" + item + "' (keys are B, T, I, H)");
            }
            char k = key.charAt(0);
            if (custom.containsKey(k)) throw new IllegalArgumentException(k + " given twice in one custom shape at '" + item + "'");
            custom.put(k, positive(item, item.substring(eq + 1).trim()));
            if (custom.size() == 4) {
                int b = custom.get('B'), t = custom.get('T'), i = custom.get('I'), h = custom.get('H');
                shapes.add(new BenchShape("B=" + b + ",T=" + t + ",I=" + i + ",H=" + h, b, t, i, h));
                custom.clear();
            }
        }
        if (!custom.isEmpty()) throw new IllegalArgumentException("an incomplete custom shape " + custom + " (needs B, T, I and H)");
        return shapes;
    }

    private static BenchShape standard(String name) {
        for (BenchShape s : STANDARD) if (s.name.equalsIgnoreCase(name)) return s;
        throw new IllegalArgumentException("'" + name + "'");
    }

    private static int positive(String item, String value) {
        try {
            int v = Integer.parseInt(value);
            if (v >= 1) return v;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("'" + item + "' (sizes are integers >= 1)");
    }
}
