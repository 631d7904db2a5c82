package io.fusedrnn.benchmarks.harness;


import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * Runs the benchmark grid. For each case: every contender gets the same data, passes the correctness
 * check ({@link OutputCheck}) or is reported as failed, is warmed up, and is then timed in rounds
 * where each contender runs once per round, in an order rotated from round to round, so drift in
 * clock speed or in other load on the machine hits all of them alike. Runs follow each other with no
 * pause, as in a busy inference service: a pause of 5 ms (used until the peer's pool was told to stop
 * spinning when its run returns) let cores idle down and cost every contender 15–50% at the latency
 * shape, ONNX Runtime the most.
 */
public final class BenchEngine {
    private final BenchOptions options;
    private final List<Contender> contenders;
    private final Progress progress;
    private final List<String> notes = new ArrayList<>();

    public BenchEngine(BenchOptions options, List<Contender> contenders, Progress progress) {
        this.options = options;
        this.contenders = contenders;
        this.progress = progress;
    }

    /** Lines on what was left out and why (for the table, JSON and report). */
    public List<String> notes() {
        return notes;
    }

    /** The cases in run order: cells outer, shapes inner. */
    public static List<BenchCase> cases(BenchOptions o) {
        List<BenchCase> cases = new ArrayList<>();
        for (BenchCell cell : o.cells()) for (BenchShape s : o.shapes()) cases.add(new BenchCase(cell, s, o.precision(), o.mode()));
        return cases;
    }

    /** Runs every case; one row per contender and case. */
    public List<ResultRow> run() {
        List<BenchCase> cases = cases(options);
        List<ResultRow> rows = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) rows.addAll(runCase(i, cases.get(i)));
        progress.finish();
        return rows;
    }

    private List<ResultRow> runCase(int index, BenchCase c) {
        List<ResultRow> rows = new ArrayList<>();
        List<Entry> entries = new ArrayList<>();
        progress.update(index, c, 0, "preparing data and the float64 check");
        Problem problem = Problem.of(c);
        OutputCheck check = new OutputCheck(problem);
        for (Contender k : contenders) {
            if (!k.isPeer() && k.name().equals("reference") && c.shape().isLarge() && !options.backendsNamed()) {
                String why = "left out of the large shape by default (the scalar oracle takes minutes per run there); "
                        + "name it in --backends to include it";
                rows.add(row(c, k, ResultRow.Status.SKIPPED, why));
                note("reference skipped on " + c.label() + ": " + why);
                continue;
            }
            String why = k.cannotRun(c);
            if (why != null) {
                rows.add(row(c, k, ResultRow.Status.SKIPPED, why));
                note(k.name() + " skipped on " + c.label() + ": " + why);
                continue;
            }
            progress.update(index, c, 0.05, "setting up " + k.name());
            try {
                entries.add(new Entry(k, k.open(problem)));
            } catch (RuntimeException e) {
                rows.add(fail(c, k, ResultRow.Status.ERROR, "setup failed: " + message(e)));
            }
        }
        try {
            verify(index, c, check, entries, rows);
            time(index, c, entries, rows);
        } finally {
            for (Entry e : entries) e.trial.close();
        }
        return withRatios(rows);
    }

    /** Checks every contender against the float64 reference corner, then against a trusted contender. */
    private void verify(int index, BenchCase c, OutputCheck check, List<Entry> entries, List<ResultRow> rows) {
        double tol = OutputCheck.tolerance(c.precision());
        for (Entry e : List.copyOf(entries)) {
            progress.update(index, c, 0.1, "checking " + e.contender.name());
            try {
                e.outputs = e.trial.outputs();
                e.error = check.errorVsReference(e.outputs);
            } catch (RuntimeException ex) {
                drop(entries, e, rows, fail(c, e.contender, ResultRow.Status.ERROR, "check run failed: " + message(ex)));
                continue;
            }
            if (!(e.error <= tol)) {
                drop(entries, e, rows, failWithError(c, e, String.format(Locale.ROOT,
                        "wrong answer: y/h_n differ from the float64 reference by rel L2 %.2e (limit %.0e)", e.error, tol)));
                continue;
            }
            if (c.mode() != Mode.TRAIN) continue;
            double gradError;
            try {
                e.gradients = e.trial.gradients();
                gradError = check.gradientErrorVsReference(e.gradients);
            } catch (RuntimeException ex) {
                drop(entries, e, rows, fail(c, e.contender, ResultRow.Status.ERROR, "gradient check failed: " + message(ex)));
                continue;
            }
            e.error = Math.max(e.error, gradError);
            if (!(gradError <= tol)) {
                drop(entries, e, rows, failWithError(c, e, String.format(Locale.ROOT,
                        "wrong gradients: dx/dh0 differ from the float64 reference by rel L2 %.2e (limit %.0e)", gradError, tol)));
            }
        }
        Entry trusted = trusted(entries);
        for (Entry e : List.copyOf(entries)) {
            if (e == trusted) continue;
            double err = OutputCheck.errorVs(e.outputs, trusted.outputs);
            if (e.gradients != null && trusted.gradients != null) err = Math.max(err, OutputCheck.errorVs(e.gradients, trusted.gradients));
            if (!(err <= tol)) {
                drop(entries, e, rows, failWithError(c, e, String.format(Locale.ROOT,
                        "wrong answer: y/h_n%s differ from %s's over the whole run by rel L2 %.2e (limit %.0e)",
                        e.gradients != null ? " or dx/dh0" : "",
                        trusted.contender.name(), err, tol)));
            }
        }
        for (Entry e : entries) { // large outputs are not needed while timing
            e.outputs = null;
            e.gradients = null;
        }
    }

    /** The contender the others are compared with on the whole run: reference, else the peer, else the first. */
    private static Entry trusted(List<Entry> entries) {
        for (Entry e : entries) if (!e.contender.isPeer() && e.contender.name().equals("reference")) return e;
        for (Entry e : entries) if (e.contender.isPeer()) return e;
        return entries.isEmpty() ? null : entries.getFirst();
    }

    /**
     * Warm-up, then interleaved timed rounds. The --max-seconds budget is per contender, so a slow one
     * (the scalar reference) stops after its minimum runs while the fast ones finish all of theirs.
     */
    /** Least time each contender runs untimed before timing (capped by a quarter of its budget). */
    static final long WARMUP_NANOS = 1_500_000_000L;
    /**
     * After the least warm-up, the warm-up goes on until the JIT has compiled nothing for this long (at
     * most {@link #WARMUP_MAX_NANOS}): under {@code -XX:UseAVX=2} C2 took longer than 1.5 s to compile
     * the 256-bit paths and LSTM latency was timed 2.5× too slow (RESULTS, round 3).
     */
    static final long JIT_QUIET_NANOS = 400_000_000L;
    static final long WARMUP_MAX_NANOS = 10_000_000_000L;
    private static final java.lang.management.CompilationMXBean JIT = jit();

    private static java.lang.management.CompilationMXBean jit() {
        var b = java.lang.management.ManagementFactory.getCompilationMXBean();
        return b != null && b.isCompilationTimeMonitoringSupported() ? b : null;
    }

    private void time(int index, BenchCase c, List<Entry> entries, List<ResultRow> rows) {
        long budget = (long) (options.maxSeconds() * 1e9);
        // Warm-up: at least --warmup runs and, for fast contenders, at least WARMUP_NANOS of running
        // (the JIT compiles Vector API loops only after many iterations; 3 runs of 2 ms are not enough),
        // but never more than a quarter of the contender's budget once it has run once.
        long warm = budget > 0 ? Math.min(WARMUP_NANOS, budget / 4) : WARMUP_NANOS;
        long most = budget > 0 ? Math.min(WARMUP_MAX_NANOS, budget / 4) : WARMUP_MAX_NANOS;
        long compiled = JIT == null ? 0 : JIT.getTotalCompilationTime(), compiledAt = System.nanoTime();
        for (int w = 0; !entries.isEmpty(); w++) {
            boolean any = false;
            long now = System.nanoTime();
            if (JIT != null && JIT.getTotalCompilationTime() != compiled) {
                compiled = JIT.getTotalCompilationTime();
                compiledAt = now;
            }
            boolean jitBusy = JIT != null && now - compiledAt < JIT_QUIET_NANOS;
            for (Entry e : List.copyOf(entries)) {
                boolean more = w < options.warmup() ? !(w > 0 && budget > 0 && e.spent > budget / 4)
                        : e.spent < warm || (jitBusy && e.spent < most);
                if (!more) continue;
                any = true;
                progress.update(index, c, 0.15 + 0.15 * Math.min(1.0, (double) e.spent / warm), "warm-up " + e.contender.name());
                long t0 = System.nanoTime();
                runOnce(c, entries, e, rows);
                e.spent += System.nanoTime() - t0;
            }
            if (!any) break;
        }
        for (Entry e : entries) e.spent = 0;
        Entry last = null;
        int runs = options.runs();
        long fill = (long) (BenchOptions.FILL_SECONDS * 1e9);
        for (int r = 0; r < runs || (!options.runsNamed() && r < BenchOptions.MAX_RUNS && maxSpent(entries) < fill); r++) {
            List<Entry> round = new ArrayList<>();
            for (Entry e : entries) if (budget == 0 || e.count < BenchOptions.MIN_RUNS || e.spent <= budget) round.add(e);
            if (round.isEmpty()) break;
            progress.update(index, c, 0.3 + 0.7 * Math.min(1.0, (double) r / runs), "run " + (r + 1) + (r < runs ? "/" + runs : "") + " (" + names(round) + ")");
            for (int k = 0; k < round.size(); k++) {
                Entry e = round.get((k + r) % round.size());
                if (last != null && last != e) settle();
                last = e;
                long t0 = System.nanoTime();
                if (runOnce(c, entries, e, rows)) {
                    long dt = System.nanoTime() - t0;
                    e.samples[e.count++] = dt;
                    e.spent += dt;
                }
            }
        }
        for (Entry e : entries) {
            if (e.count < runs) {
                note(e.contender.name() + " on " + c.label() + ": stopped after " + e.count + " of " + runs
                        + " timed runs (--max-seconds " + options.maxSeconds() + ")");
            }
            Stats s = Stats.ofNanos(e.samples, e.count);
            double gflops = c.flops() / (s.median() * 1e-3) / 1e9;
            rows.add(new ResultRow(c, e.contender.name(), e.contender.isPeer(), ResultRow.Status.OK, null, s, gflops, e.error));
        }
    }

    /** The untimed pause before a run that follows another contender's ({@link BenchOptions#settleMillis}). */
    private void settle() {
        long nanos = (long) (options.settleMillis() * 1e6);
        if (nanos <= 0) return;
        try {
            Thread.sleep(java.time.Duration.ofNanos(nanos));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The most time any contender has spent in timed runs of this case. */
    private static long maxSpent(List<Entry> entries) {
        long m = 0;
        for (Entry e : entries) m = Math.max(m, e.spent);
        return m;
    }

    private boolean runOnce(BenchCase c, List<Entry> entries, Entry e, List<ResultRow> rows) {
        try {
            e.trial.run();
            return true;
        } catch (RuntimeException ex) {
            drop(entries, e, rows, fail(c, e.contender, ResultRow.Status.ERROR, "run failed: " + message(ex)));
            return false;
        }
    }

    private void drop(List<Entry> entries, Entry e, List<ResultRow> rows, ResultRow row) {
        entries.remove(e);
        e.trial.close();
        rows.add(row);
    }

    /** Ratios within one case: to each timed peer's median and to the fastest median. */
    private static List<ResultRow> withRatios(List<ResultRow> rows) {
        Map<String, Double> peers = new LinkedHashMap<>();
        double fastest = Double.POSITIVE_INFINITY;
        for (ResultRow r : rows) {
            if (!r.ok()) continue;
            if (r.peer()) peers.putIfAbsent(r.contender(), r.stats().median());
            fastest = Math.min(fastest, r.stats().median());
        }
        List<ResultRow> out = new ArrayList<>();
        for (ResultRow r : rows) {
            if (!r.ok()) {
                out.add(r);
                continue;
            }
            Map<String, Double> ratios = new LinkedHashMap<>();
            for (Map.Entry<String, Double> p : peers.entrySet()) ratios.put(p.getKey(), r.stats().median() / p.getValue());
            out.add(r.withRatios(ratios, r.stats().median() / fastest));
        }
        out.sort((a, b) -> Integer.compare(order(a), order(b)));
        return out;
    }

    private static int order(ResultRow r) {
        return r.ok() ? 0 : r.status() == ResultRow.Status.FAILED || r.status() == ResultRow.Status.ERROR ? 1 : 2;
    }

    private ResultRow row(BenchCase c, Contender k, ResultRow.Status status, String reason) {
        return new ResultRow(c, k.name(), k.isPeer(), status, reason, null, Double.NaN, Double.NaN);
    }

    private ResultRow fail(BenchCase c, Contender k, ResultRow.Status status, String reason) {
        note(k.name() + " on " + c.label() + ": " + reason);
        return row(c, k, status, reason);
    }

    private ResultRow failWithError(BenchCase c, Entry e, String reason) {
        note(e.contender.name() + " on " + c.label() + ": " + reason);
        return new ResultRow(c, e.contender.name(), e.contender.isPeer(), ResultRow.Status.FAILED, reason, null,
                Double.NaN, e.error);
    }

    private void note(String text) {
        notes.add(text);
        progress.note(text);
    }

    private static String names(List<Entry> entries) {
        List<String> n = new ArrayList<>();
        for (Entry e : entries) n.add(e.contender.name());
        return String.join(", ", n);
    }

    private static String message(Throwable t) {
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }

    /** A contender's state within one case. */
    private final class Entry {
        final Contender contender;
        final Trial trial;
        final long[] samples = new long[options.runsNamed() ? options.runs() : Math.max(options.runs(), BenchOptions.MAX_RUNS)];
        int count;
        long spent;
        Trial.Outputs outputs;
        Trial.InputGradients gradients;
        double error = Double.NaN;

        Entry(Contender contender, Trial trial) {
            this.contender = contender;
            this.trial = trial;
        }
    }
}
