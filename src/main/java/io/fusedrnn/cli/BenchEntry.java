package io.fusedrnn.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code fusedrnn bench ...}: hands every argument to {@link BenchCommand}, which parses and documents
 * its own options ({@code fusedrnn bench --help}).
 */
@Command(name = "bench", description = {"Time backends (and peers) on LSTM/GRU shapes.", "Its options: fusedrnn bench --help."})
final class BenchEntry implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "OPTION", description = "bench's options, as 'fusedrnn bench --help' lists them")
    List<String> args = new ArrayList<>();

    BenchEntry() {
    }

    @Override
    public Integer call() {
        return BenchCommand.run(args.toArray(String[]::new));
    }
}
