package io.fusedrnn.bench;

import io.fusedrnn.Cell;
import io.fusedrnn.Precision;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/**
 * The parsed options of {@code bench}. {@code backends} is empty when none were named: then every
 * backend that opens is run, except the scalar reference on the large shape.
 *
 * @param runs       timed runs per contender and case; unless --runs named it ({@code runsNamed} false),
 *                   fast cases run more rounds, until a contender has spent {@link #FILL_SECONDS} timing
 *                   or {@link #MAX_RUNS} rounds ran, so a 3 ms case gets a median of hundreds of runs
 * @param maxSeconds a contender stops its timed runs in a case once they took this long (after at least
 *                   {@link #MIN_RUNS} runs); 0 for no limit
 */
public record BenchOptions(List<Cell> cells, List<BenchShape> shapes, List<String> backends, List<String> peers,
                           Precision precision, Mode mode, Path json, Path report, int warmup, int runs,
                           boolean runsNamed, double maxSeconds, boolean help) {

    /** Backends tried when none are named, fastest first. */
    public static final List<String> DEFAULT_BACKENDS = List.of("vector", "opencl", "reference");
    /** Peers that exist. */
    public static final List<String> KNOWN_PEERS = List.of("onnxruntime");
    /** Fewest timed runs a case makes, even past --max-seconds. */
    public static final int MIN_RUNS = 3;
    /** Timed seconds a contender fills in a fast case when --runs is not named. */
    public static final double FILL_SECONDS = 1.0;
    /** Most timed runs per contender and case when --runs is not named. */
    public static final int MAX_RUNS = 500;

    public static final String USAGE = """
            usage: fusedrnn bench [options]
              --cells lstm,gru              cells to run (default lstm,gru)
              --shapes latency,batch,large  standard shapes and/or custom B=..,T=..,I=..,H=.. (default all three)
              --backends vector,opencl,reference
                                            backends to run (default: every one that opens, reference not on large)
              --peers onnxruntime           peers run beside them in the same process (default none)
              --precision fp32|fp64         (default fp32)
              --mode infer|train            forward only, or forward + backward (default infer)
              --warmup N                    untimed runs per backend and case (default 3, and at least 1.5 s)
              --runs N                      timed runs per backend and case (default 10, more for fast
                                            cases: up to 1 s of timed runs, at most 500)
              --max-seconds S               a backend stops timing a case after S seconds, >= 3 runs (default 30, 0 = no limit)
              --json FILE                   write result rows and run metadata as JSON
              --report FILE.html            write a self-contained HTML report with charts
            exit status: 0 ok, 1 a backend failed its check or errored, 2 bad option, 3 named backend/peer unavailable
            """;

    /** Whether backends were named on the command line. */
    public boolean backendsNamed() {
        return !backends.isEmpty();
    }

    /** Parses the arguments after {@code bench}. */
    public static BenchOptions parse(String[] args) {
        List<Cell> cells = List.of(Cell.LSTM, Cell.GRU);
        List<BenchShape> shapes = BenchShape.STANDARD;
        List<String> backends = List.of();
        List<String> peers = List.of();
        Precision precision = Precision.FP32;
        Mode mode = Mode.INFER;
        Path json = null, report = null;
        int warmup = 3, runs = 10;
        boolean runsNamed = false;
        double maxSeconds = 30;
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String opt = args[i];
            if (opt.equals("-h") || opt.equals("--help")) {
                help = true;
                continue;
            }
            String value;
            int eq = opt.indexOf('=');
            if (opt.startsWith("--") && eq > 0) {
                value = opt.substring(eq + 1);
                opt = opt.substring(0, eq);
            } else {
                value = i + 1 < args.length ? args[++i] : null;
            }
            if (!opt.startsWith("--")) throw new BadOptionException("bench", "an option such as --cells (see --help)", "'" + opt + "'");
            if (value == null) throw new BadOptionException(opt, "a value after it", "the end of the command line");
            switch (opt) {
                case "--cells" -> cells = parseCells(value);
                case "--shapes" -> {
                    try {
                        shapes = dedupe(BenchShape.parseList(value));
                    } catch (IllegalArgumentException e) {
                        throw new BadOptionException("--shapes", BenchShape.EXPECTED, e.getMessage());
                    }
                }
                case "--backends" -> backends = names("--backends", value, DEFAULT_BACKENDS, true);
                case "--peers" -> peers = names("--peers", value, KNOWN_PEERS, false);
                case "--precision" -> precision = switch (value.toLowerCase(Locale.ROOT)) {
                    case "fp32" -> Precision.FP32;
                    case "fp64" -> Precision.FP64;
                    default -> throw new BadOptionException("--precision", "fp32 or fp64", "'" + value + "'");
                };
                case "--mode" -> mode = switch (value.toLowerCase(Locale.ROOT)) {
                    case "infer" -> Mode.INFER;
                    case "train" -> Mode.TRAIN;
                    default -> throw new BadOptionException("--mode", "infer or train", "'" + value + "'");
                };
                case "--json" -> json = path("--json", value);
                case "--report" -> report = path("--report", value);
                case "--warmup" -> warmup = integer("--warmup", value, 0);
                case "--runs" -> {
                    runs = integer("--runs", value, 1);
                    runsNamed = true;
                }
                case "--max-seconds" -> maxSeconds = seconds(value);
                default -> throw new BadOptionException("bench", "one of --cells --shapes --backends --peers --precision --mode "
                        + "--json --report --warmup --runs --max-seconds", "'" + opt + "'");
            }
        }
        return new BenchOptions(cells, shapes, backends, peers, precision, mode, json, report, warmup, runs, runsNamed, maxSeconds, help);
    }

    private static List<Cell> parseCells(String value) {
        List<Cell> cells = new ArrayList<>();
        for (String item : value.split(",", -1)) {
            Cell c = switch (item.trim().toLowerCase(Locale.ROOT)) {
                case "lstm" -> Cell.LSTM;
                case "gru" -> Cell.GRU;
                default -> throw new BadOptionException("--cells", "a comma list of lstm, gru", "'" + item.trim() + "'");
            };
            if (!cells.contains(c)) cells.add(c);
        }
        return List.copyOf(cells);
    }

    private static List<String> names(String option, String value, List<String> known, boolean openclSelector) {
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (String item : value.split(",", -1)) {
            String n = item.trim().toLowerCase(Locale.ROOT);
            boolean ok = known.contains(n) || (openclSelector && n.startsWith("opencl:") && n.length() > 7);
            if (!ok) {
                throw new BadOptionException(option, "a comma list of " + String.join(", ", known)
                        + (openclSelector ? " (opencl:P:D or opencl:NAME for a device)" : ""), "'" + item.trim() + "'");
            }
            out.add(openclSelector ? item.trim() : n);
        }
        return List.copyOf(out);
    }

    private static <T> List<T> dedupe(List<T> list) {
        return List.copyOf(new LinkedHashSet<>(list));
    }

    private static Path path(String option, String value) {
        if (value.isBlank()) throw new BadOptionException(option, "a file name", "an empty value");
        return Path.of(value);
    }

    private static int integer(String option, String value, int min) {
        try {
            int v = Integer.parseInt(value.trim());
            if (v >= min) return v;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new BadOptionException(option, "an integer >= " + min, "'" + value + "'");
    }

    private static double seconds(String value) {
        try {
            double v = Double.parseDouble(value.trim());
            if (v >= 0 && Double.isFinite(v)) return v;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new BadOptionException("--max-seconds", "a number of seconds >= 0", "'" + value + "'");
    }
}
