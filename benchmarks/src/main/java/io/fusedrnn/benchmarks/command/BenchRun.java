package io.fusedrnn.benchmarks.command;

import io.fusedrnn.BackendUnavailableException;
import io.fusedrnn.Backends;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.benchmarks.ceiling.Ceilings;
import io.fusedrnn.benchmarks.harness.BackendContender;
import io.fusedrnn.benchmarks.harness.BenchEngine;
import io.fusedrnn.benchmarks.harness.BenchOptions;
import io.fusedrnn.benchmarks.harness.Contender;
import io.fusedrnn.benchmarks.harness.Peers;
import io.fusedrnn.benchmarks.harness.Progress;
import io.fusedrnn.benchmarks.harness.ResultRow;
import io.fusedrnn.benchmarks.harness.RunInfo;
import io.fusedrnn.benchmarks.report.HtmlReport;
import io.fusedrnn.benchmarks.report.JsonReport;
import io.fusedrnn.benchmarks.report.TableWriter;
import io.fusedrnn.io.AtomicFiles;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code bench} run: opens the contenders (named ones must open, exit 3), measures the machine's
 * ceilings, runs the grid and writes the table, JSON and HTML. Exit status: 0 ok, 1 a contender failed
 * its check or errored, 2 an output could not be written, 3 a named backend or peer is unavailable.
 */
final class BenchRun {
    private final BenchOptions o;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean terminal;
    private final String command;

    BenchRun(BenchOptions options, PrintStream out, PrintStream err, boolean terminal, String command) {
        this.o = options;
        this.out = out;
        this.err = err;
        this.terminal = terminal;
        this.command = command;
    }

    int run() {
        List<Contender> contenders = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        try {
            open(contenders, notes);
            if (contenders.isEmpty()) {
                err.println("bench: no backend opened (" + String.join("; ", notes) + ")");
                return 3;
            }
            int cases = BenchEngine.cases(o).size();
            Progress progress = new Progress(err, terminal, cases);
            Ceilings ceilings = (o.ceilings() ? Ceilings.measure(progress) : Ceilings.NONE).withOffHost(
                    contenders.stream().filter(k -> !k.onHostCpu()).map(Contender::name).collect(java.util.stream.Collectors.toSet()));
            BenchEngine engine = new BenchEngine(o, contenders, progress);
            List<ResultRow> rows = engine.run();
            notes.addAll(engine.notes());
            TableWriter.write(out, rows, notes, ceilings);
            RunInfo info = RunInfo.collect(o, contenders, command, ceilings);
            if (!write(o.json(), "--json", p -> JsonReport.write(p, info, rows, notes))) return 2;
            if (!write(o.report(), "--report", p -> HtmlReport.write(p, info, rows, notes))) return 2;
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
    private void open(List<Contender> contenders, List<String> notes) {
        List<Contender> peers = new ArrayList<>();
        try {
            for (String peer : o.peers()) peers.add(Peers.open(peer)); // first: a missing peer fails fast
        } catch (RuntimeException e) {
            for (Contender p : peers) p.close();
            throw e;
        }
        List<String> names = o.backendsNamed() ? o.backends() : BenchOptions.DEFAULT_BACKENDS;
        try {
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
        } finally {
            contenders.addAll(peers); // backends first, peers last, in tables; closed by the caller
        }
    }

    /** Temporary files are owner-only; a report is for others to read too (rw-r--r--, where POSIX). */
    private static void readable(Path tmp) throws IOException {
        if (Files.getFileStore(tmp).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    private interface Writer {
        void write(Path p) throws IOException;
    }

    private boolean write(Path path, String option, Writer w) {
        if (path == null) return true;
        try {
            AtomicFiles.write(path, tmp -> { // all or nothing: no partial report on failure
                w.write(tmp);
                readable(tmp);
            });
            err.println("bench: wrote " + path);
            return true;
        } catch (IOException | RuntimeException e) {
            err.println("bench: " + option + " " + path + ": cannot write (" + e.getMessage() + ")");
            return false;
        }
    }
}
