package io.fusedrnn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code fusedrnn help [COMMAND]}: the usage of the whole CLI or of one command, on stdout. */
@Command(name = "help", helpCommand = true, mixinStandardHelpOptions = true,
        description = "The usage of fusedrnn or of one command.",
        footer = {"", "Example:", "  fusedrnn help infer"})
final class HelpCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "COMMAND", description = "The command to describe (default: all of them).")
    String command;

    @Spec
    CommandSpec spec;

    HelpCommand() {
    }

    @Override
    public Integer call() {
        CommandLine top = spec.parent().commandLine();
        if (command == null) {
            top.usage(System.out);
            return Main.OK;
        }
        CommandLine sub = top.getSubcommands().get(command);
        if (sub == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "unknown command '" + command + "'; expected one of "
                    + String.join(", ", top.getSubcommands().keySet()));
        }
        if (sub.getCommand() instanceof BenchEntry) return BenchCommand.run(new String[] {"--help"});
        sub.usage(System.out);
        return Main.OK;
    }
}
