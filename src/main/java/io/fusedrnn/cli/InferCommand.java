package io.fusedrnn.cli;

import io.fusedrnn.BackendUnavailableException;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.NonFinite;
import io.fusedrnn.io.NdArray;
import io.fusedrnn.model.LoadOptions;
import io.fusedrnn.model.RnnModel;

import java.io.PrintStream;
import java.util.Arrays;

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
            execute(o, err);
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

    /** Loads the model, then streams the input through it in batch chunks ({@link InferRunner}), writing all outputs or none. */
    private static void execute(InferOptions o, PrintStream err) {
        RnnModel model = RnnModel.load(o.weights(), LoadOptions.prefix(o.prefix()));
        new InferRunner(model, o, err).run();
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
}
