package io.fusedrnn.cli;

import io.fusedrnn.Backend;
import io.fusedrnn.BackendUnavailableException;
import io.fusedrnn.Backends;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.NonFinite;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;
import io.fusedrnn.io.AtomicFiles;
import io.fusedrnn.io.NdArray;
import io.fusedrnn.io.NpyReader;
import io.fusedrnn.io.NpyWriter;
import io.fusedrnn.model.PreparedRnn;
import io.fusedrnn.model.LoadOptions;
import io.fusedrnn.model.RnnConfig;
import io.fusedrnn.model.RnnModel;
import io.fusedrnn.model.RnnOutput;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code fusedrnn infer}: runs a PyTorch LSTM/GRU state_dict (safetensors) on an input .npy and
 * writes y (and optionally h_n, c_n) as .npy. Exit status 0 on success, 1 when {@code --check-finite}
 * finds a NaN or infinity in an output (nothing is written), 2 for bad input (one line on stderr
 * naming the file or option; no output file is written), 3 when the backend or precision is unavailable. Outputs are written to temporary files and moved into place only when all succeed.
 */
public final class InferCommand {
    private InferCommand() {
    }

    /** Runs the command; returns the exit status. */
    public static int run(String[] args) {
        return run(args, System.err);
    }

    static int run(String[] args, PrintStream err) {
        boolean verbose = Arrays.asList(args).contains("--verbose");
        try {
            InferOptions o = InferOptions.parse(args);
            write(compute(o), o.precision());
            return 0;
        } catch (BackendUnavailableException e) {
            return fail(err, e, 3, verbose);
        } catch (NonFinite.Found e) {
            return fail(err, e, 1, verbose);
        } catch (FusedRnnException e) {
            return fail(err, e, 2, verbose);
        }
    }

    private static int fail(PrintStream err, Exception e, int status, boolean verbose) {
        err.println("fusedrnn infer: " + e.getMessage());
        if (verbose) e.printStackTrace(err);
        return status;
    }

    /** Reads every input, runs the model, and returns the arrays to write keyed by destination. */
    private static Map<Path, NdArray> compute(InferOptions options) {
        RnnModel model = RnnModel.load(options.weights(), new LoadOptions(options.prefix(), options.node()));
        InferOptions o = model.source().batchFirst() ? options.withBatchFirst() : options; // ONNX layout=1, Keras: x is [B, T, I]
        RnnConfig cfg = model.config();
        NdArray x = NpyReader.readFloats(o.input());
        if (x.rank() != 3 || x.dim(2) != cfg.inputSize() || x.dim(0) < 1 || x.dim(1) < 1) {
            throw new FusedRnnException("--input " + o.input() + ": expected " + (o.batchFirst() ? "[B, T, " : "[T, B, ")
                    + cfg.inputSize() + "] for " + cfg.describe() + ", found " + x.shapeText());
        }
        if (o.batchFirst()) x = swapFirstTwo(x);
        int steps = x.dim(0), batch = x.dim(1), n = cfg.sweeps();
        boolean lstm = cfg.cell().gates() == 4;
        NdArray h0 = state("--h0", o.h0(), n, batch, cfg.outputSize(), "H_out");
        if (!lstm && (o.c0() != null || o.cn() != null)) {
            throw new FusedRnnException((o.c0() != null ? "--c0" : "--cn") + ": the model is a GRU, which has no cell state");
        }
        NdArray c0 = state("--c0", o.c0(), n, batch, cfg.hiddenSize(), "H");
        int[] lengths = lengths(o.lengths(), steps, batch);
        try (Backend backend = Backends.open(o.backend())) {
            if (!backend.supports(o.precision())) {
                throw new BackendUnavailableException("--precision " + o.precision() + ": not supported by backend "
                        + backend.name() + " (" + backend.description() + "); use --precision fp32 or another --backend");
            }
            Precision p = o.precision();
            try (PreparedRnn rnn = model.prepare(backend, p);
                 Tensor xt = backend.upload(p, x.data(), x.shape());
                 Tensor h0t = h0 == null ? null : backend.upload(p, h0.data(), h0.shape());
                 Tensor c0t = c0 == null ? null : backend.upload(p, c0.data(), c0.shape());
                 RnnOutput out = rnn.forward(xt, h0t, c0t, lengths)) {
                if (o.checkFinite()) {
                    NonFinite.check("y", out.y());
                    NonFinite.check("h_n", out.hN());
                    if (out.cN() != null) NonFinite.check("c_n", out.cN());
                }
                Map<Path, NdArray> result = new LinkedHashMap<>();
                NdArray y = new NdArray(out.y().shape(), out.y().toDoubleArray());
                result.put(o.output(), o.batchFirst() ? swapFirstTwo(y) : y);
                if (o.hn() != null) result.put(o.hn(), new NdArray(out.hN().shape(), out.hN().toDoubleArray()));
                if (o.cn() != null) result.put(o.cn(), new NdArray(out.cN().shape(), out.cN().toDoubleArray()));
                return result;
            }
        }
    }

    private static NdArray state(String option, Path file, int n, int batch, int size, String sizeName) {
        if (file == null) return null;
        NdArray a = NpyReader.readFloats(file);
        if (!a.hasShape(n, batch, size)) {
            throw new FusedRnnException(option + " " + file + ": expected [" + n + ", " + batch + ", " + size + "] (L·D, B, "
                    + sizeName + "), found " + a.shapeText());
        }
        return a;
    }

    private static int[] lengths(Path file, int steps, int batch) {
        if (file == null) return null;
        NdArray a = NpyReader.readIntegers(file);
        if (!a.hasShape(batch)) throw new FusedRnnException("--lengths " + file + ": expected [" + batch + "] (B), found " + a.shapeText());
        int[] out = new int[batch];
        for (int b = 0; b < batch; b++) {
            double v = a.data()[b];
            if (v < 0 || v > steps) throw new FusedRnnException("--lengths " + file + ": lengths[" + b + "]: expected 0.." + steps + " (T), found " + (long) v);
            out[b] = (int) v;
        }
        return out;
    }

    /** [A, B, C] → [B, A, C] (batch-first ↔ time-first). */
    static NdArray swapFirstTwo(NdArray a) {
        int d0 = a.dim(0), d1 = a.dim(1), d2 = a.dim(2);
        double[] out = new double[a.data().length];
        for (int i = 0; i < d0; i++) {
            for (int j = 0; j < d1; j++) {
                System.arraycopy(a.data(), (i * d1 + j) * d2, out, (j * d0 + i) * d2, d2);
            }
        }
        return new NdArray(new int[] {d1, d0, d2}, out);
    }

    /** Writes every array to a temporary file beside its destination, then moves them all into place. */
    private static void write(Map<Path, NdArray> outputs, Precision precision) {
        List<Path[]> moves = new ArrayList<>();
        try {
            for (Map.Entry<Path, NdArray> e : outputs.entrySet()) {
                Path tmp = AtomicFiles.temporaryBeside(e.getKey());
                moves.add(new Path[] {tmp, e.getKey().toAbsolutePath()});
                NpyWriter.write(tmp, e.getValue(), precision);
            }
            for (Path[] m : moves) AtomicFiles.move(m[0], m[1]);
        } finally {
            for (Path[] m : moves) {
                try {
                    Files.deleteIfExists(m[0]);
                } catch (IOException ignored) {
                    // best effort: the temporary file is hidden and named after its destination
                }
            }
        }
    }
}
