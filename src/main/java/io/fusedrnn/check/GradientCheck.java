package io.fusedrnn.check;

import io.fusedrnn.Backend;
import io.fusedrnn.Cell;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.LayerWeights;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

import static io.fusedrnn.Precision.FP64;

/**
 * The float64 gradient check of one backend on one case (docs/DESIGN.md, Tolerances): backward's
 * gradients against central differences of the same backend's forward (ε = 1e-6) for x, h0, c0 and
 * every weight and bias; every coordinate of a tensor of at most {@value #ALL_COORDINATES} values,
 * else a seeded sample of {@value #SAMPLE} coordinates. A coordinate fails when
 * |a − n| &gt; 1e-6·(|a| + |n|) and |a − n| &gt; 1e-8 ({@link Tolerances}).
 */
public final class GradientCheck {
    /** The finite-difference step and the pass thresholds ({@link Tolerances} gives their reasons). */
    public static final double EPSILON = Tolerances.GRADCHECK_EPSILON, RELATIVE = Tolerances.GRADCHECK_RELATIVE,
            ABSOLUTE = Tolerances.GRADCHECK_ABSOLUTE;
    static final int ALL_COORDINATES = 128, SAMPLE = 64;

    /**
     * One failing coordinate.
     *
     * @param tensor the tensor's name
     * @param coordinate the index, e.g. {@code [3, 1]}
     * @param analytic backward's value
     * @param numeric the central difference
     */
    public record Failure(String tensor, String coordinate, double analytic, double numeric) {
        @Override
        public String toString() {
            return tensor + coordinate + ": analytic " + analytic + ", numeric " + numeric;
        }
    }

    /**
     * What one check found; {@link #message} is a one-line reproduction recipe.
     *
     * @param backend the backend's name
     * @param c the case checked
     * @param checked coordinates compared
     * @param failures every failing coordinate
     * @param groups coordinates checked per tensor (and per gate for weights)
     */
    public record Report(String backend, ContractCase c, int checked, List<Failure> failures, Map<String, Integer> groups) {
        /** {@return whether no coordinate failed} */
        public boolean passed() {
            return failures.isEmpty();
        }

        /**
         * One line: backend, case (with seed), then each failing tensor (weights by gate, so a broken
         * gate formula points at that gate) with failed/checked counts, then the first failure of each.
         *
         * @return the line
         */
        public String message() {
            Map<String, Integer> failed = new LinkedHashMap<>();
            Map<String, Failure> first = new LinkedHashMap<>();
            for (Failure f : failures) {
                failed.merge(group(f.tensor(), f.coordinate()), 1, Integer::sum);
                first.putIfAbsent(group(f.tensor(), f.coordinate()), f);
            }
            StringBuilder sb = new StringBuilder();
            sb.append(failures.size()).append(" of ").append(checked).append(" coordinates differ on backend ")
                    .append(backend).append(", case ").append(c).append("; failing:");
            failed.forEach((g, n) -> sb.append(' ').append(g).append(' ').append(n).append('/').append(groups.get(g)).append(','));
            sb.setLength(sb.length() - 1);
            sb.append("; first: ");
            sb.append(String.join("; ", first.values().stream().map(Failure::toString).toList()));
            return sb.toString();
        }
    }

    /** "weight_ih gate f" for weight rows, else the tensor's name. */
    static String group(String tensor, String coordinate) {
        return coordinate.startsWith("[gate ") ? tensor + " gate " + coordinate.charAt(6) : tensor;
    }

    private GradientCheck() {
    }

    /**
     * Runs the check of {@code c} on {@code backend} in float64.
     *
     * @param backend the backend under test; it must support FP64
     * @param c the case
     * @return what the check found
     */
    public static Report run(Backend backend, ContractCase c) {
        SweepProblem p = new SweepProblem(c);
        LayerSpec s = c.spec();
        double[] h0 = p.h0 != null ? p.h0 : new double[c.batch() * s.outputSize()];
        double[] c0 = p.c0 != null ? p.c0 : s.hasCellState() ? new double[c.batch() * s.hiddenSize()] : null;
        SweepProblem.Outcome a = p.run(backend, FP64, true, p.weights, p.x, h0, c0);
        List<Failure> failures = new ArrayList<>();
        Map<String, Integer> groups = new LinkedHashMap<>();
        Random rnd = new Random(c.seed() + 99);
        int checked = 0;
        checked += check("x", p.x, a.dx(), rnd, failures, groups, v -> p.run(backend, FP64, false, p.weights, v, h0, c0), p,
                i -> index3(i, c.batch(), s.inputSize()));
        checked += check("h0", h0, a.dh0(), rnd, failures, groups, v -> p.run(backend, FP64, false, p.weights, p.x, v, c0), p,
                i -> index2(i, s.outputSize()));
        if (c0 != null) {
            checked += check("c0", c0, a.dc0(), rnd, failures, groups, v -> p.run(backend, FP64, false, p.weights, p.x, h0, v), p,
                    i -> index2(i, s.hiddenSize()));
        }
        for (int k = 0; k < LayerWeights.NAMES.length; k++) {
            if (p.weights.tensor(k) == null) continue;
            final int tensor = k;
            int cols = switch (k) {
                case 0 -> s.inputSize();
                case 1 -> s.outputSize();
                case 4 -> s.hiddenSize();
                default -> 1;
            };
            checked += check(LayerWeights.NAMES[k], p.weights.tensor(k), a.dW()[k], rnd, failures, groups,
                    v -> p.run(backend, FP64, false, replace(p.weights, tensor, v), p.x, h0, c0), p,
                    i -> tensor == 4 ? index2(i, cols) : gateIndex(s, i, cols));
        }
        return new Report(backend.name(), c, checked, failures, groups);
    }

    /** Checks the coordinates of one tensor; {@code forward} runs the problem with a perturbed copy of it. */
    private static int check(String name, double[] values, double[] analytic, Random rnd, List<Failure> failures,
                             Map<String, Integer> groups,
                             Function<double[], SweepProblem.Outcome> forward, SweepProblem p, IntFunction<String> describe) {
        int n = values.length;
        int[] coords = n <= ALL_COORDINATES ? IntStream.range(0, n).toArray()
                : rnd.ints(0, n).distinct().limit(SAMPLE).toArray();
        double[] v = values.clone();
        for (int i : coords) {
            groups.merge(group(name, describe.apply(i)), 1, Integer::sum);
            double x0 = v[i];
            v[i] = x0 + EPSILON;
            SweepProblem.Outcome plus = forward.apply(v);
            v[i] = x0 - EPSILON;
            SweepProblem.Outcome minus = forward.apply(v);
            v[i] = x0;
            double num = p.lossDifference(plus, minus) / (2 * EPSILON);
            double an = analytic[i];
            double diff = Math.abs(an - num);
            if (!(diff <= RELATIVE * (Math.abs(an) + Math.abs(num)) || diff <= ABSOLUTE)) {
                failures.add(new Failure(name, describe.apply(i), an, num));
            }
        }
        return coords.length;
    }

    private static LayerWeights replace(LayerWeights w, int k, double[] v) {
        return new LayerWeights(w.spec(), k == 0 ? v : w.wIh(), k == 1 ? v : w.wHh(), k == 2 ? v : w.bIh(),
                k == 3 ? v : w.bHh(), k == 4 ? v : w.wHr());
    }

    private static String index3(int i, int batch, int cols) {
        return "[t=" + i / cols / batch + ", b=" + (i / cols) % batch + ", " + i % cols + "]";
    }

    private static String index2(int i, int cols) {
        return "[" + i / cols + ", " + i % cols + "]";
    }

    /** A weight row named by its gate, as in {@link Cell}: "[gate f, unit 3, col 2]". */
    static String gateIndex(LayerSpec s, int i, int cols) {
        int row = i / cols, h = s.hiddenSize();
        String gates = s.cell() == Cell.LSTM ? "ifgo" : "rzn";
        return "[gate " + gates.charAt(row / h) + ", unit " + row % h + (cols > 1 ? ", col " + i % cols : "") + "]";
    }
}
