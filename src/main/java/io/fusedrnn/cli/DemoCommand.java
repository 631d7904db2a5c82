package io.fusedrnn.cli;

import io.fusedrnn.Backend;
import io.fusedrnn.Backends;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.Precision;
import io.fusedrnn.PreparedLayer;
import io.fusedrnn.Sweep;
import io.fusedrnn.SweepResult;
import io.fusedrnn.Tensor;
import io.fusedrnn.check.ContractCase;
import io.fusedrnn.check.ReferenceComparison;
import io.fusedrnn.check.SweepProblem;
import io.fusedrnn.reference.ReferenceBackend;

import picocli.CommandLine.Command;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code demo}: the main job on every backend found: LSTM and GRU forward in float32 at a small shape
 * and at the {@code latency} shape of docs/DESIGN.md, Performance model, each checked against the float64 reference, as a table
 * (backend, cell, shape, median ms, GFLOP/s, max |error|, relative L2 error). Exit 1 when a backend
 * disagrees with the reference beyond the float32 tolerance.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"LSTM and GRU on every backend found, checked against the reference.",
                "One layer forward in float32 at a small shape and at the latency shape (B=1, T=100, 256 units), "
                        + "each warmed up until the JIT is done, timed (median of 7) and compared with the float64 "
                        + "reference: a table of backend, shape, ms, GFLOP/s, max |error| and relative L2 error."},
        footer = {"", "Exit status 1 when a backend disagrees with the reference beyond the float32 tolerance (1e-5 relative L2).",
                "", "Example:", "  fusedrnn demo"})
final class DemoCommand implements Callable<Integer> {
    private static final int RUNS = 7;
    private static final System.Logger LOG = System.getLogger("io.fusedrnn.cli");

    DemoCommand() {
    }

    private record Shape(String name, int batch, int steps, int size) {
    }

    @Override
    public Integer call() {
        List<Shape> shapes = List.of(new Shape("small", 4, 16, 64), new Shape("latency", 1, 100, 256));
        List<String> skipped = new ArrayList<>();
        List<Backend> backends = Backends.openAll(skipped);
        Table t = new Table("backend", "cell", "shape", "B", "T", "I=H", "ms", "GFLOP/s", "max |err|", "rel L2", "check");
        boolean ok = true;
        try (ReferenceBackend oracle = new ReferenceBackend(); StatusLine status = StatusLine.stderr()) {
            for (Shape shape : shapes) {
                for (LayerSpec spec : List.of(LayerSpec.lstm(shape.size, shape.size), LayerSpec.gru(shape.size, shape.size, true))) {
                    ContractCase c = new ContractCase(spec, shape.steps, shape.batch, false, true, false, 2026);
                    SweepProblem p = new SweepProblem(c);
                    double[] want = p.run(oracle, Precision.FP64, false).outputs();
                    for (Backend b : backends) {
                        status.show("demo: " + b.name() + " " + spec.cell() + " " + shape.name);
                        Timed r = time(b, p);
                        double rel = ReferenceComparison.relativeL2(r.outputs, want);
                        boolean pass = rel <= io.fusedrnn.check.Tolerances.FP32_FORWARD;
                        ok &= pass;
                        t.add(b.name(), spec.cell(), shape.name, shape.batch, shape.steps, shape.size,
                                String.format("%.3f", r.ms), String.format("%.2f", spec.forwardFlops(shape.steps, shape.batch) / r.ms / 1e6),
                                String.format("%.1e", maxAbs(r.outputs, want)), String.format("%.1e", rel), pass ? "ok" : "FAIL");
                    }
                }
            }
        } finally {
            backends.forEach(Backend::close);
        }
        System.out.println("fusedrnn demo: one layer forward, fp32, h0/c0 given; errors against the float64 reference");
        t.print(System.out);
        for (String s : skipped) System.out.println("skipped " + s);
        return ok ? Main.OK : Main.CHECK_FAILED;
    }

    private record Timed(double ms, double[] outputs) {
    }

    /** Median of {@value #RUNS} timed forward sweeps after the {@link Warmup}, and the outputs. */
    private static Timed time(Backend b, SweepProblem p) {
        ContractCase c = p.c;
        LayerSpec s = c.spec();
        Precision fp32 = Precision.FP32;
        try (PreparedLayer layer = b.prepare(p.weights, fp32);
             Tensor x = b.upload(fp32, p.x, c.steps(), c.batch(), s.inputSize());
             Tensor h0 = b.upload(fp32, p.h0, c.batch(), s.outputSize());
             Tensor c0 = p.c0 == null ? null : b.upload(fp32, p.c0, c.batch(), s.hiddenSize());
             Tensor y = b.allocate(fp32, c.steps(), c.batch(), s.outputSize())) {
            Sweep sweep = new Sweep(x, h0, c0, null, false);
            double[] ms = new double[RUNS];
            double[] outputs = null;
            long warmStart = System.nanoTime();
            int warmRuns = Warmup.jvm().warm(() -> {
                try (SweepResult r = b.forward(layer, sweep, y, 0, false)) {
                    r.hN().toDoubleArray();
                }
            });
            LOG.log(System.Logger.Level.INFO, "demo: " + b.name() + " " + s.describe() + " B=" + c.batch() + " T=" + c.steps()
                    + ": warmed up in " + warmRuns + " runs, " + (System.nanoTime() - warmStart) / 1_000_000 + " ms");
            for (int i = 0; i < RUNS; i++) {
                long t0 = System.nanoTime();
                try (SweepResult r = b.forward(layer, sweep, y, 0, false)) {
                    double[] hN = r.hN().toDoubleArray(); // reading a result waits for the device
                    ms[i] = (System.nanoTime() - t0) / 1e6;
                    if (i == RUNS - 1) {
                        outputs = SweepProblem.concat(y.toDoubleArray(), hN, r.cN() == null ? null : r.cN().toDoubleArray());
                    }
                }
            }
            Arrays.sort(ms);
            return new Timed(ms[RUNS / 2], outputs);
        }
    }

    private static double maxAbs(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }
}
