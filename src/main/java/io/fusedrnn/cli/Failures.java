package io.fusedrnn.cli;

import io.fusedrnn.BackendUnavailableException;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.NonFinite;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * Turns what a command throws into its exit status and one line on stderr that names the command
 * once ({@code fusedrnn infer: --input x.npy: no such file}); {@code --verbose} adds the stack trace.
 */
final class Failures implements CommandLine.IParameterExceptionHandler, CommandLine.IExecutionExceptionHandler {
    private final PrintStream err;
    private boolean verbose;

    Failures(PrintStream err) {
        this.err = err;
    }

    void verbose(boolean on) {
        verbose = on;
    }

    /** A bad option or argument: exit {@value Main#BAD_INPUT}. */
    @Override
    public int handleParseException(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        String name = cmd.getCommandSpec().qualifiedName();
        String message = e.getMessage();
        if (e instanceof UnmatchedArgumentException u && cmd.getCommandSpec().parent() == null
                && !u.getUnmatched().isEmpty() && !u.getUnmatched().getFirst().startsWith("-")) {
            message = "unknown command '" + u.getUnmatched().getFirst() + "'; expected one of "
                    + String.join(", ", cmd.getSubcommands().keySet());
        }
        err.println(name + ": " + message + " (see '" + name + " --help')");
        if (verbose || Arrays.asList(args).contains("--verbose")) e.printStackTrace(err);
        return Main.BAD_INPUT;
    }

    /** What a command threw: exit 3, 1 or 2 by its type; anything else is a bug, printed with its stack trace (exit 1). */
    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
        String name = cmd.getCommandSpec().qualifiedName();
        int status;
        if (e instanceof BackendUnavailableException) status = Main.UNAVAILABLE;
        else if (e instanceof NonFinite.Found) status = Main.CHECK_FAILED;
        else if (e instanceof FusedRnnException) status = Main.BAD_INPUT;
        else {
            err.println(name + ": internal error: " + e);
            e.printStackTrace(err);
            return Main.CHECK_FAILED;
        }
        err.println(name + ": " + withoutPrefix(e.getMessage(), cmd.getCommandName()));
        if (verbose) e.printStackTrace(err);
        return status;
    }

    /** The message without a leading {@code name: }, so that the command is named once. */
    static String withoutPrefix(String message, String name) {
        String m = message == null ? "" : message;
        return m.startsWith(name + ": ") ? m.substring(name.length() + 2) : m;
    }
}
