package io.fusedrnn.benchmarks.harness;

import io.fusedrnn.Backend;
import io.fusedrnn.Gradients;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.Precision;
import io.fusedrnn.PreparedLayer;
import io.fusedrnn.Sweep;
import io.fusedrnn.SweepResult;
import io.fusedrnn.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A fusedrnn {@link Backend} as a benchmark contender: one forward (and backward) sweep per run. */
public final class BackendContender implements Contender {
    private final Backend backend;

    public BackendContender(Backend backend) {
        this.backend = backend;
    }

    @Override
    public String name() {
        return backend.name();
    }

    @Override
    public boolean isPeer() {
        return false;
    }

    @Override
    public String description() {
        return backend.description();
    }

    @Override
    public boolean onHostCpu() {
        return backend.runsOnHostCpu();
    }

    @Override
    public String cannotRun(BenchCase c) {
        return backend.supports(c.precision()) ? null : c.precision() + " is not supported by " + backend.description();
    }

    @Override
    public Trial open(Problem p) {
        return new BackendTrial(backend, p);
    }

    @Override
    public void close() {
        backend.close();
    }

    /** Tensors of one case, made once; a run allocates only what the backend returns. */
    private static final class BackendTrial implements Trial {
        private final Backend backend;
        private final Precision precision;
        private final PreparedLayer layer;
        private final Tensor x, y, dy, dx;
        private final Sweep sweep;
        private final boolean train;

        BackendTrial(Backend backend, Problem p) {
            this.backend = backend;
            BenchCase c = p.benchCase();
            LayerSpec s = c.spec();
            int steps = p.steps(), batch = p.batch();
            precision = c.precision();
            train = c.mode() == Mode.TRAIN;
            List<AutoCloseable> made = new ArrayList<>();
            try {
                layer = keep(made, backend.prepare(p.weights(), precision));
                x = keep(made, backend.upload(precision, p.x(), steps, batch, s.inputSize()));
                y = keep(made, backend.allocate(precision, steps, batch, s.outputSize()));
                dy = train ? keep(made, backend.upload(precision, p.dy(), steps, batch, s.outputSize())) : null;
                dx = train ? keep(made, backend.allocate(precision, steps, batch, s.inputSize())) : null;
            } catch (RuntimeException e) {
                closeAll(made); // a failed setup (out of device memory) leaves nothing behind
                throw e;
            }
            sweep = new Sweep(x, null, null, c.shape().lengths(), false);
        }

        private static <T extends AutoCloseable> T keep(List<AutoCloseable> made, T t) {
            made.add(t);
            return t;
        }

        @Override
        public Outputs outputs() {
            try (SweepResult r = backend.forward(layer, sweep, y, 0, false)) {
                return new Outputs(y.toDoubleArray(), r.hN().toDoubleArray());
            }
        }

        @Override
        public InputGradients gradients() {
            LayerSpec s = layer.spec();
            try (Tensor fresh = backend.allocate(precision, sweep.steps(), sweep.batch(), s.inputSize());
                 SweepResult r = backend.forward(layer, sweep, y, 0, true);
                 Gradients g = backend.backward(layer, sweep, r.reserve(), dy, 0, null, null, fresh)) {
                return new InputGradients(fresh.toDoubleArray(), g.dh0().toDoubleArray());
            }
        }

        @Override
        public void run() {
            if (!train) {
                try (SweepResult r = backend.forward(layer, sweep, y, 0, false)) {
                    readBack(r.hN());
                }
                return;
            }
            // dx accumulates across runs (backward adds into it); its values are never read.
            try (SweepResult r = backend.forward(layer, sweep, y, 0, true);
                 Gradients g = backend.backward(layer, sweep, r.reserve(), dy, 0, null, null, dx)) {
                readBack(g.dh0());
            }
        }

        private void readBack(Tensor t) {
            if (precision == Precision.FP32) t.toFloatArray();
            else t.toDoubleArray();
        }

        @Override
        public void close() {
            closeAll(Arrays.asList(x, y, dy, dx, layer));
        }

        private static void closeAll(List<AutoCloseable> all) {
            for (AutoCloseable a : all) {
                try {
                    if (a != null) a.close();
                } catch (Exception e) {
                    // closing is best effort; a leak here is not a benchmark result
                }
            }
        }
    }
}
