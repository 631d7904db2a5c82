package io.fusedrnn.benchmarks.harness;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One benchmark problem size: batch B, steps T, input size I, hidden size H, under a name (the
 * standard shapes of docs/DESIGN.md, Performance model, or {@code B=..,T=..,I=..,H=..} for a custom one).
 * A ragged shape ({@code minSteps < steps}) gives its rows lengths drawn from minSteps..T (the first
 * row runs all T), as the batches of a server or a Spark task are: its FLOPs count the real steps.
 */
public record BenchShape(String name, int batch, int steps, int inputSize, int hiddenSize, int minSteps) {

    /** latency: one sequence, long; the recurrent weights must stay close to the arithmetic. */
    public static final BenchShape LATENCY = new BenchShape("latency", 1, 100, 256, 256);
    /** batch: a typical serving batch. */
    public static final BenchShape BATCH = new BenchShape("batch", 64, 50, 512, 512);
    /** large: GEMM-bound, big batch and wide layers. */
    public static final BenchShape LARGE = new BenchShape("large", 256, 25, 1024, 1024);
    /**
     * ragged: a serving batch (issue 14's model, I=64 H=256) of 64 rows with lengths 20..80. Not run
     * by default; ONNX Runtime takes the lengths as sequence_lens, oneDNN's RNN has none.
     */
    public static final BenchShape RAGGED = new BenchShape("ragged", 64, 80, 64, 256, 20);

    /** The standard shapes in the order they are run by default. */
    public static final List<BenchShape> STANDARD = List.of(LATENCY, BATCH, LARGE);
    /** Every named shape: the standard ones, then those run only when asked for. */
    public static final List<BenchShape> NAMED = List.of(LATENCY, BATCH, LARGE, RAGGED);

    /** What --shapes accepts, for error messages. */
    public static final String EXPECTED = "a comma list of latency, batch, large, ragged or B=..,T=..,I=..,H=..";

    public BenchShape {
        if (batch < 1 || steps < 1 || inputSize < 1 || hiddenSize < 1 || minSteps < 1 || minSteps > steps) {
            throw new IllegalArgumentException("shape sizes must be >= 1 (and the shortest length at most T), found B=" + batch + " T=" + steps
                    + " I=" + inputSize + " H=" + hiddenSize + " shortest " + minSteps);
        }
    }

    /** A shape whose rows all run T steps. */
    public BenchShape(String name, int batch, int steps, int inputSize, int hiddenSize) {
        this(name, batch, steps, inputSize, hiddenSize, steps);
    }

    /** Whether rows have lengths of their own. */
    public boolean ragged() {
        return minSteps < steps;
    }

    /** Each row's length, the same on every call (row 0 runs all T), or null when every row runs T. */
    public int[] lengths() {
        if (!ragged()) return null;
        SplittableRandom rnd = new SplittableRandom(0x1E46L * 31 + batch * 7919L + steps);
        int[] len = new int[batch];
        for (int b = 0; b < batch; b++) len[b] = b == 0 ? steps : rnd.nextInt(minSteps, steps + 1);
        return len;
    }

    /** The (step, row) pairs computed: Σ lengths, or T·B. */
    public long realSteps() {
        int[] len = lengths();
        if (len == null) return (long) steps * batch;
        long n = 0;
        for (int l : len) n += l;
        return n;
    }

    /** True for the standard {@code large} shape (the scalar reference is left out of it by default). */
    public boolean isLarge() {
        return this.equals(LARGE);
    }

    /** {@code B1 T100 I256 H256}, or {@code B64 T20..80 I64 H256} for a ragged shape. */
    public String dims() {
        return "B" + batch + " T" + (ragged() ? minSteps + ".." : "") + steps + " I" + inputSize + " H" + hiddenSize;
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
        for (BenchShape s : NAMED) if (s.name.equalsIgnoreCase(name)) return s;
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
