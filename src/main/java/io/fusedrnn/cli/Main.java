package io.fusedrnn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The command line, {@code fusedrnn COMMAND [OPTIONS]}: the top command and its subcommands, with one
 * way of reporting errors. Exit status {@value #OK} on success, {@value #CHECK_FAILED} when a check
 * fails, {@value #BAD_INPUT} for bad input or options (one line on stderr naming the command once),
 * {@value #UNAVAILABLE} when a backend is unavailable (the line gives the fix).
 *
 * <p>A command is a picocli {@code @Command(name = ..., mixinStandardHelpOptions = true)} class that
 * implements {@code Callable<Integer>} and throws {@code FusedRnnException} for bad input; it joins the
 * CLI by being listed in {@link #COMMANDS} ({@link Failures} maps what it throws to the status).
 */
@Command(name = "fusedrnn", mixinStandardHelpOptions = true, versionProvider = VersionCommand.class,
        synopsisSubcommandLabel = "COMMAND",
        description = "Fused LSTM and GRU layers for the JVM: run, check and time them on every backend found.",
        footer = {"", "Backends (--backend): auto (an OpenCL GPU, else the Vector API, else an OpenCL CPU device, else the reference), vector, "
                + "opencl[:PLATFORM:DEVICE|:NAME], reference.",
                "Exit status: 0 ok, 1 a failed check, 2 bad input or options, 3 a backend is unavailable.",
                "The source-tree launcher also has: ./fusedrnn test (the whole test suite).",
                "", "Examples:", "  fusedrnn demo", "  fusedrnn help infer", "  fusedrnn --verbose gradcheck --backend vector"})
public final class Main implements Callable<Integer> {
    /** Exit status: success. */
    public static final int OK = 0;
    /** Exit status: a check failed (an answer disagrees with the reference, a NaN where --check-finite asked). */
    public static final int CHECK_FAILED = 1;
    /** Exit status: bad input or options; one line on stderr and no output file. */
    public static final int BAD_INPUT = 2;
    /** Exit status: a named backend (or a peer) is unavailable; the line says why and how to fix it. */
    public static final int UNAVAILABLE = 3;

    /** The commands, in the order the usage lists them. */
    private static final List<Class<?>> COMMANDS = List.of(DemoCommand.class, DevicesCommand.class, GradcheckCommand.class, InferCli.class,
            BenchEntry.class, ServeCommand.class, VersionCommand.class, HelpCommand.class);

    /** Columns of the usage text (picocli's default of 80 cuts the examples). */
    private static final int USAGE_WIDTH = 100;

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "Add stack traces to errors, and say which backend runs and why.")
    boolean verbose;

    @Spec
    CommandSpec spec;

    /** Instantiated by picocli. */
    public Main() {
    }

    /**
     * Runs the command line and exits with its status.
     *
     * @param args the command and its options
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * Runs one command.
     *
     * @param args the command and its options
     * @return the exit status
     */
    public static int run(String... args) {
        return run(System.err, args);
    }

    /** As {@link #run(String...)}, with errors written to {@code err}. */
    static int run(PrintStream err, String... args) {
        CommandLine cli = commandLine(err, named(args));
        return cli.execute(args);
    }

    /** The command tree with the CLI's error handling, writing errors to {@code err}. */
    static CommandLine commandLine(PrintStream err) {
        return commandLine(err, null);
    }

    /**
     * The command {@code args} name, when the CLI needs no other: picocli builds the model of every
     * command it is given, by reflection (docs/DESIGN.md, "Start-up: what a command loads before its
     * first result": 0.06 s of a small {@code infer}). Null for help, the top command's own options,
     * and anything it does not know (then every command is there, for the usage and the suggestions).
     */
    private static Class<?> named(String... args) {
        int i = 0;
        while (i < args.length && args[i].equals("--verbose")) i++;
        if (i == args.length) return null;
        for (Class<?> c : COMMANDS) {
            if (c != HelpCommand.class && c.getAnnotation(Command.class).name().equals(args[i])) return c;
        }
        return null;
    }

    /** As {@link #commandLine(PrintStream)}, with only the command {@code only} (every one for null). */
    private static CommandLine commandLine(PrintStream err, Class<?> only) {
        CommandLine cli = new CommandLine(new Main());
        for (Class<?> c : COMMANDS) if (only == null || c == only) cli.addSubcommand(c);
        Failures failures = new Failures(err);
        cli.setOut(new PrintWriter(System.out, true, System.out.charset()));
        cli.setErr(new PrintWriter(err, true, err.charset()));
        cli.setUsageHelpWidth(USAGE_WIDTH);
        cli.setExpandAtFiles(false); // "@x.npy" is a file name, not a file of arguments
        CommandLine bench = cli.getSubcommands().get("bench");
        if (bench != null) bench.setUnmatchedOptionsArePositionalParams(true); // bench parses its own
        VersionCommand version = new VersionCommand();
        cli.getSubcommands().values().forEach(sub -> sub.getCommandSpec().versionProvider(version)); // --version everywhere
        cli.setParameterExceptionHandler(failures);
        cli.setExecutionExceptionHandler(failures);
        cli.setExecutionStrategy(parsed -> {
            boolean verbose = verbose(parsed);
            failures.verbose(verbose);
            CliLogging.configure(verbose);
            return new CommandLine.RunLast().execute(parsed);
        });
        return cli;
    }

    /** Whether {@code --verbose} was given before or after the command name. */
    private static boolean verbose(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) return true;
        }
        return false;
    }

    /** {@code fusedrnn} without a command: the usage on stderr, exit {@value #BAD_INPUT}. */
    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        err.println("fusedrnn: a command is required");
        spec.commandLine().usage(err);
        return BAD_INPUT;
    }
}
