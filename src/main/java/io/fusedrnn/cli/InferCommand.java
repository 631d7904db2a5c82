package io.fusedrnn.cli;

import io.fusedrnn.BackendUnavailableException;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.NonFinite;
import io.fusedrnn.io.NdArray;
import io.fusedrnn.model.LoadOptions;
import io.fusedrnn.model.RnnModel;

import java.io.PrintStream;

/**
 * {@code fusedrnn infer}: runs a model file (any format {@link RnnModel#load} reads) on an input .npy
 * and writes y (and optionally h_n, c_n) as .npy. Exit status 0 on success, 1 when {@code --check-finite}
 * finds a NaN or infinity (nothing is written), 2 for bad input (one line on stderr naming the file or
 * option; no output file is written), 3 when the backend or precision is unavailable. Outputs are
 * written to temporary files and moved into place only when all succeed.
 */
public final class InferCommand {
    private InferCommand() {
    }

    /**
     * Runs {@code fusedrnn infer ARGS}.
     *
     * @param args the options after {@code infer}
     * @return the exit status
     */
    public static int run(String[] args) {
        return run(args, System.err);
    }

    static int run(String[] args, PrintStream err) {
        String[] command = new String[args.length + 1];
        command[0] = "infer";
        System.arraycopy(args, 0, command, 1, args.length);
        return Main.run(err, command);
    }

    /**
     * Loads the model, then streams the input through it in batch chunks ({@link InferRunner}), writing
     * all outputs or none; throws {@link NonFinite.Found} (exit 1), {@link FusedRnnException} (exit 2)
     * or {@link BackendUnavailableException} (exit 3).
     */
    static void execute(InferOptions o) {
        execute(o, System.err);
    }

    static void execute(InferOptions options, PrintStream err) {
        RnnModel model = RnnModel.load(options.weights(), new LoadOptions(options.prefix(), options.node()));
        InferOptions o = model.source().batchFirst() ? options.withBatchFirst() : options; // ONNX layout=1, Keras: x is [B, T, I]
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
