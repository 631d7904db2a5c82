package io.fusedrnn.benchmarks.command;

import io.fusedrnn.benchmarks.harness.BenchCell;
import io.fusedrnn.Precision;
import io.fusedrnn.benchmarks.harness.BenchOptions;
import io.fusedrnn.benchmarks.harness.BenchShape;
import io.fusedrnn.benchmarks.harness.Mode;
import io.fusedrnn.benchmarks.harness.Progress;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code fusedrnn bench}'s options (picocli): each option's value is checked as it is read, so a bad
 * one is one line naming the option, what was expected and what was found (exit 2). The run itself is
 * {@link BenchRun}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, version = "fusedrnn bench 0.1.0-SNAPSHOT",
        sortOptions = false, usageHelpAutoWidth = true,
        description = "Times fusedrnn backends (and peers) on LSTM/GRU layers: progress on stderr, a table on stdout, "
                + "optional JSON and HTML report. Every contender's output is checked against the float64 reference first.",
        footer = {"", "Example: fusedrnn bench --cells lstm --shapes latency --peers onnxruntime,onednn --json r.json --report r.html",
                "Exit status: 0 ok, 1 a contender failed its check or errored, 2 bad option, 3 named backend/peer unavailable"})
public final class BenchCli implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    private final PrintStream out;
    private final PrintStream err;
    private final boolean terminal;

    private List<BenchCell> cells = List.of(BenchCell.LSTM, BenchCell.GRU);
    private List<BenchShape> shapes = BenchShape.STANDARD;
    private List<String> backends = List.of();
    private List<String> peers = List.of();
    private Precision precision = Precision.FP32;
    private Mode mode = Mode.INFER;
    private Path json;
    private Path report;
    private int warmup = 3;
    private int runs = 10;
    private boolean runsNamed;
    private double maxSeconds = 30;
    private double settleMillis = BenchOptions.SETTLE_MILLIS;
    private boolean noCeilings;

    BenchCli(PrintStream out, PrintStream err, boolean terminal) {
        this.out = out;
        this.err = err;
        this.terminal = terminal;
    }

    /** Standalone entry point: {@code java -cp benchmarks.jar io.fusedrnn.benchmarks.command.BenchCli [options]}. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * Runs {@code bench} with the arguments that follow the command name; the library's
     * {@code io.fusedrnn.cli.BenchCommand} calls this reflectively.
     *
     * @return the exit status
     */
    public static int run(String[] args) {
        return run(args, System.out, System.err, Progress.stderrIsTerminal());
    }

    /**
     * As {@link #run(String[])}, writing to the given streams.
     *
     * @param terminal whether progress may redraw its line with {@code \r}
     * @return the exit status
     */
    public static int run(String[] args, PrintStream out, PrintStream err, boolean terminal) {
        CommandLine cl = commandLine(new BenchCli(out, err, terminal));
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        return cl.execute(args);
    }

    /**
     * The options as a run's settings, without running (for tests and other callers).
     *
     * @throws ParameterException for a bad option, with the one-line message the command prints
     */
    public static BenchOptions parse(String... args) {
        BenchCli cli = new BenchCli(System.out, System.err, false);
        commandLine(cli).parseArgs(args);
        return cli.options();
    }

    private static CommandLine commandLine(BenchCli cli) {
        CommandLine cl = new CommandLine(cli);
        cl.setOverwrittenOptionsAllowed(false);
        cl.setParameterExceptionHandler((ex, args) -> {
            ex.getCommandLine().getErr().println("bench: " + oneLine(ex));
            return 2;
        });
        return cl;
    }

    /** picocli's own messages (unknown option, missing value, repeated option) in the form of ours. */
    private static String oneLine(ParameterException ex) {
        if (ex instanceof CommandLine.UnmatchedArgumentException u) {
            return "expected an option such as --cells (see --help), found '" + String.join(" ", u.getUnmatched()) + "'";
        }
        if (ex instanceof CommandLine.MissingParameterException m && !m.getMissing().isEmpty()
                && m.getMissing().getFirst() instanceof CommandLine.Model.OptionSpec o) {
            return o.longestName() + ": expected a value after it, found the end of the command line";
        }
        if (ex instanceof CommandLine.OverwrittenOptionException o && o.getOverwritten() instanceof CommandLine.Model.OptionSpec s) {
            return s.longestName() + ": expected once, found it given twice";
        }
        return ex.getMessage();
    }

    BenchOptions options() {
        return new BenchOptions(cells, shapes, backends, peers, precision, mode, json, report, warmup, runs, runsNamed,
                maxSeconds, !noCeilings, settleMillis);
    }

    @Override
    public Integer call() {
        return new BenchRun(options(), out, err, terminal, "fusedrnn bench " + String.join(" ", spec.commandLine().getParseResult().originalArgs())).run();
    }

    @Option(names = "--cells", order = 1, paramLabel = "lstm,gru", description = "cells to run: lstm, gru (PyTorch's, linear before reset), gru-rb (reset before, as ONNX linear_before_reset=0) (default: lstm,gru)")
    void cells(String value) {
        List<BenchCell> list = new ArrayList<>();
        for (String item : value.split(",", -1)) {
            BenchCell c;
            try {
                c = BenchCell.parse(item);
            } catch (IllegalArgumentException e) {
                throw bad("--cells", "a comma list of lstm, gru, gru-rb", e.getMessage());
            }
            if (!list.contains(c)) list.add(c);
        }
        cells = List.copyOf(list);
    }

    @Option(names = "--shapes", order = 2, paramLabel = "latency,batch,large",
            description = "standard shapes and/or custom B=..,T=..,I=..,H=.. (default: all three: latency B1 T100 I=H256, "
                    + "batch B64 T50 512, large B256 T25 1024; ragged, B64 T20..80 I64 H256 with per-row lengths, only when named)")
    void shapes(String value) {
        try {
            shapes = List.copyOf(new LinkedHashSet<>(BenchShape.parseList(value)));
        } catch (IllegalArgumentException e) {
            throw bad("--shapes", BenchShape.EXPECTED, e.getMessage());
        }
    }

    @Option(names = "--backends", order = 3, paramLabel = "vector,opencl,reference",
            description = "backends to run (default: every one that opens, reference not on large); opencl:P:D or opencl:NAME picks a device")
    void backends(String value) {
        backends = names("--backends", value, BenchOptions.DEFAULT_BACKENDS, true);
    }

    @Option(names = "--peers", order = 4, paramLabel = "onnxruntime,onednn", description = "other libraries timed beside them in the same process (default: none)")
    void peers(String value) {
        peers = names("--peers", value, BenchOptions.KNOWN_PEERS, false);
    }

    @Option(names = "--precision", order = 5, paramLabel = "fp32|fp64", description = "(default: fp32)")
    void precision(String value) {
        precision = choice("--precision", value, Precision.class);
    }

    @Option(names = "--mode", order = 6, paramLabel = "infer|train", description = "forward only, or forward + backward (default: infer)")
    void mode(String value) {
        mode = choice("--mode", value, Mode.class);
    }

    @Option(names = "--warmup", order = 7, paramLabel = "N", description = "untimed runs per backend and case (default: 3, and at least 1.5 s, and until the JIT has compiled nothing for 0.4 s, at most 10 s)")
    void warmup(String value) {
        warmup = integer("--warmup", value, 0);
    }

    @Option(names = "--runs", order = 8, paramLabel = "N",
            description = "timed runs per backend and case (default: 10, more for fast cases: up to 1 s of timed runs, at most 500)")
    void runs(String value) {
        runs = integer("--runs", value, 1);
        runsNamed = true;
    }

    @Option(names = "--max-seconds", order = 9, paramLabel = "S",
            description = "a backend stops timing a case after S seconds, >= 3 runs (default: 30, 0 = no limit)")
    void maxSeconds(String value) {
        maxSeconds = nonNegative("--max-seconds", value, "a number of seconds >= 0");
    }

    /** A finite number &ge; 0, else the option's error. */
    private double nonNegative(String option, String value, String expected) {
        try {
            double v = Double.parseDouble(value.trim());
            if (v >= 0 && Double.isFinite(v)) return v;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad(option, expected, "'" + value + "'");
    }

    @Option(names = "--settle-ms", order = 10, paramLabel = "MS",
            description = "untimed pause before a timed run that follows another contender's: each starts as after idle, none beside the last one's spinning threads (default: 0, back to back)")
    void settleMillis(String value) {
        settleMillis = nonNegative("--settle-ms", value, "a number of milliseconds >= 0");
    }

    @Option(names = "--json", order = 11, paramLabel = "FILE", description = "write result rows and run metadata as JSON")
    void json(String value) {
        json = file("--json", value);
    }

    @Option(names = "--report", order = 12, paramLabel = "FILE.html", description = "write a self-contained HTML report with charts")
    void report(String value) {
        report = file("--report", value);
    }

    @Option(names = "--no-ceilings", order = 13, description = "skip measuring the machine's FMA peak and GEMM rate (about 2 s) before the cases")
    void noCeilings(boolean value) {
        noCeilings = value;
    }

    /** The constant of {@code type} whose name is {@code value} in any case (e.g. fp32 or fp64), else the option's error. */
    private <E extends Enum<E>> E choice(String option, String value, Class<E> type) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        List<String> expected = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            String name = e.name().toLowerCase(Locale.ROOT);
            if (name.equals(v)) return e;
            expected.add(name);
        }
        throw bad(option, String.join(" or ", expected), "'" + value + "'");
    }

    private List<String> names(String option, String value, List<String> known, boolean openclSelector) {
        LinkedHashSet<String> list = new LinkedHashSet<>();
        for (String item : value.split(",", -1)) {
            String n = item.trim().toLowerCase(Locale.ROOT);
            boolean ok = known.contains(n) || (openclSelector && n.startsWith("opencl:") && n.length() > 7);
            if (!ok) {
                throw bad(option, "a comma list of " + String.join(", ", known)
                        + (openclSelector ? " (opencl:P:D or opencl:NAME for a device)" : ""), "'" + item.trim() + "'");
            }
            list.add(openclSelector ? item.trim() : n);
        }
        return List.copyOf(list);
    }

    private Path file(String option, String value) {
        if (value.isBlank()) throw bad(option, "a file name", "an empty value");
        Path p = Path.of(value);
        if (Files.isDirectory(p)) throw bad(option, "a file name", "the directory " + p);
        return p;
    }

    private int integer(String option, String value, int min) {
        try {
            int v = Integer.parseInt(value.trim());
            if (v >= min) return v;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad(option, "an integer >= " + min, "'" + value + "'");
    }

    private ParameterException bad(String option, String expected, String found) {
        return new ParameterException(spec.commandLine(), option + ": expected " + expected + ", found " + found);
    }
}
