package io.fusedrnn.cli;

import io.fusedrnn.BackendUnavailableException;
import io.fusedrnn.Backends;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.bench.BackendContender;
import io.fusedrnn.bench.BadOptionException;
import io.fusedrnn.bench.BenchEngine;
import io.fusedrnn.bench.BenchOptions;
import io.fusedrnn.bench.Contender;
import io.fusedrnn.bench.HtmlReport;
import io.fusedrnn.bench.JsonReport;
import io.fusedrnn.bench.Peers;
import io.fusedrnn.bench.Progress;
import io.fusedrnn.bench.ResultRow;
import io.fusedrnn.bench.RunInfo;
import io.fusedrnn.bench.TableWriter;
import io.fusedrnn.io.AtomicFiles;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code fusedrnn bench}: times backends (and peers) on LSTM/GRU shapes; progress on stderr, a table
 * on stdout, optional JSON and HTML report. Exit status: 0 ok, 1 a contender failed its check or
 * errored, 2 bad option or unwritable output (one line on stderr), 3 a named backend or peer is
 * unavailable.
 */
public final class BenchCommand {
    private BenchCommand() {
    }

    /** Standalone entry point: {@code java -cp ... io.fusedrnn.cli.BenchCommand [options]}. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs {@code bench} with the arguments that follow the command name. */
    public static int run(String[] args) {
        return run(args, System.out, System.err, Progress.stderrIsTerminal());
    }

    /** As {@link #run(String[])}, writing to the given streams. */
    public static int run(String[] args, PrintStream out, PrintStream err, boolean terminal) {
        BenchOptions o;
        try {
            o = BenchOptions.parse(args);
            checkWritable("--json", o.json());
            checkWritable("--report", o.report());
        } catch (BadOptionException e) {
            err.println("bench: " + e.getMessage());
            return 2;
        }
        if (o.help()) {
            out.print(BenchOptions.USAGE);
            return 0;
        }
        List<Contender> contenders = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        try {
            open(o, contenders, notes, err);
            if (contenders.isEmpty()) {
                err.println("bench: no backend opened (" + String.join("; ", notes) + ")");
                return 3;
            }
            int cases = BenchEngine.cases(o).size();
            BenchEngine engine = new BenchEngine(o, contenders, new Progress(err, terminal, cases));
            List<ResultRow> rows = engine.run();
            notes.addAll(engine.notes());
            TableWriter.write(out, rows, notes);
            RunInfo info = RunInfo.collect(o, contenders, "fusedrnn bench " + String.join(" ", args));
            if (!write(o.json(), "--json", err, p -> JsonReport.write(p, info, rows, notes))) return 2;
            if (!write(o.report(), "--report", err, p -> HtmlReport.write(p, info, rows, notes))) return 2;
            boolean failed = rows.stream().anyMatch(r -> r.status() == ResultRow.Status.FAILED || r.status() == ResultRow.Status.ERROR);
            return failed ? 1 : 0;
        } catch (BackendUnavailableException e) {
            err.println("bench: " + e.getMessage());
            return 3;
        } finally {
            for (Contender c : contenders) c.close();
        }
    }

    /** Named backends and peers must open (else exit 3); unnamed ones are skipped with a note. */
    private static void open(BenchOptions o, List<Contender> contenders, List<String> notes, PrintStream err) {
        List<Contender> peers = new ArrayList<>();
        try {
            for (String peer : o.peers()) peers.add(Peers.open(peer)); // first: a missing peer fails fast
        } catch (RuntimeException e) {
            for (Contender p : peers) p.close();
            throw e;
        }
        contenders.addAll(peers);
        List<String> names = o.backendsNamed() ? o.backends() : BenchOptions.DEFAULT_BACKENDS;
        for (String name : names) {
            try {
                contenders.add(new BackendContender(Backends.open(name)));
            } catch (FusedRnnException | LinkageError e) {
                if (o.backendsNamed()) {
                    throw e instanceof BackendUnavailableException b ? b
                            : new BackendUnavailableException("backend " + name + ": " + e.getMessage(), e);
                }
                String note = name + " skipped: " + e.getMessage();
                notes.add(note);
                err.println("bench: " + note);
            }
        }
        contenders.removeAll(peers);
        contenders.addAll(peers); // backends first, peers last, in tables
    }

    private static void checkWritable(String option, Path path) {
        if (path != null && Files.isDirectory(path)) throw new BadOptionException(option, "a file name", "the directory " + path);
    }

    private interface Writer {
        void write(Path p) throws IOException;
    }

    private static boolean write(Path path, String option, PrintStream err, Writer w) {
        if (path == null) return true;
        try {
            AtomicFiles.write(path, w::write); // all or nothing: no partial report on failure
            err.println("bench: wrote " + path);
            return true;
        } catch (IOException | RuntimeException e) {
            err.println("bench: " + option + " " + path + ": cannot write (" + e.getMessage() + ")");
            return false;
        }
    }
}
