package io.fusedrnn.cli;

import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Precision;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code fusedrnn infer}'s command line: its options, checked into an {@link InferOptions} that {@link InferCommand} runs. */
@Command(name = "infer", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run an LSTM/GRU model file on an .npy input.",
                "Reads a model (safetensors or torch.save state_dict, ONNX, Keras) and x (.npy); writes y, and h_n, c_n if asked, "
                        + "as .npy. Files are relative to the current directory; outputs are written only when all succeeded."},
        footer = {"", "Exit status: 0 ok, 1 --check-finite found a NaN or infinity (nothing written), 2 bad input or "
                + "options (nothing written), 3 the backend or precision is unavailable.",
                "", "Example:",
                "  fusedrnn infer --weights lstm.safetensors --input x.npy --output y.npy --hn hn.npy",
                "  fusedrnn infer --weights gru.safetensors --input x.npy --output y.npy --batch-first --backend vector"})
final class InferCli implements Callable<Integer> {
    @Option(names = "--weights", required = true, paramLabel = "FILE", description = "The model file: safetensors, torch.save .pt/.pth, ONNX, Keras .keras/.h5, recognised by content (required).")
    String weights;
    @Option(names = "--input", required = true, paramLabel = "FILE",
            description = "x as .npy: [T, B, I], or [B, T, I] with --batch-first; float32 or float64 (required).")
    String input;
    @Option(names = "--output", required = true, paramLabel = "FILE",
            description = "Where y goes, .npy: [T, B, D*H_out], zeros past each row's length (required).")
    String output;
    @Option(names = "--h0", paramLabel = "FILE", description = "Initial hidden state [L*D, B, H_out] (default: zeros).")
    String h0;
    @Option(names = "--c0", paramLabel = "FILE", description = "Initial cell state [L*D, B, H], LSTM only (default: zeros).")
    String c0;
    @Option(names = "--hn", paramLabel = "FILE", description = "Where h_n [L*D, B, H_out] goes (default: not written).")
    String hn;
    @Option(names = "--cn", paramLabel = "FILE", description = "Where c_n [L*D, B, H] goes, LSTM only (default: not written).")
    String cn;
    @Option(names = "--lengths", paramLabel = "FILE",
            description = "Each row's length [B], int32 or int64, as pack_padded_sequence takes them (default: T for every row).")
    String lengths;
    @Option(names = "--prefix", paramLabel = "P",
            description = "The RNN's key prefix, e.g. encoder.rnn. (default: found when the file holds one RNN).")
    String prefix;
    @Option(names = "--node", paramLabel = "NAME",
            description = "The ONNX LSTM/GRU node to run when the graph has several that do not chain (default: the only one, or the chain).")
    String node;
    @Option(names = "--batch-first", description = "x and y are [B, T, ...] (default: off, [T, B, ...]).")
    boolean batchFirst;
    @Option(names = "--backend", paramLabel = "B", defaultValue = "auto",
            description = "auto, vector, opencl[:PLATFORM:DEVICE|:NAME] or reference (default: ${DEFAULT-VALUE}).")
    String backend;
    @Option(names = "--precision", paramLabel = "P", defaultValue = "fp32",
            description = "fp32 or fp64, for the computation and the outputs (default: ${DEFAULT-VALUE}).")
    String precision;
    @Option(names = "--check-finite",
            description = "Exit 1 and write nothing when an input or output holds a NaN or infinity (default: off).")
    boolean checkFinite;
    @Option(names = "--chunk-rows", paramLabel = "N", defaultValue = "0",
            description = "Batch rows per chunk; 0 chooses them from a 256 MiB budget (default: ${DEFAULT-VALUE}). "
                    + "Chunked output equals the one-shot run.")
    int chunkRows;

    InferCli() {
    }

    @Override
    public Integer call() {
        InferCommand.execute(options());
        return Main.OK;
    }

    /** The options checked: file names valid, inputs present, outputs' directories present, precision known. */
    InferOptions options() {
        Precision p;
        try {
            p = Precision.parse(precision);
        } catch (FusedRnnException e) {
            throw new FusedRnnException("--precision: expected fp32 or fp64, found '" + precision + "'");
        }
        if (chunkRows < 0) throw new FusedRnnException("--chunk-rows: expected a number of batch rows >= 1 (or 0 for automatic), found " + chunkRows);
        return new InferOptions(in("--weights", weights), in("--input", input), out("--output", output), in("--h0", h0),
                in("--c0", c0), out("--hn", hn), out("--cn", cn), in("--lengths", lengths), prefix, node, batchFirst, backend, p,
                checkFinite, chunkRows);
    }

    /** An input file: null when not given, else a path (relative to the current directory) that exists. */
    private static Path in(String option, String name) {
        Path p = path(option, name);
        if (p != null && !Files.exists(p)) throw new FusedRnnException(option + " " + name + ": no such file");
        return p;
    }

    /** An output file: null when not given, else a path whose directory exists. */
    private static Path out(String option, String name) {
        Path p = path(option, name);
        if (p == null) return null;
        Path dir = p.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new FusedRnnException(option + " " + name + ": no such directory " + (p.getParent() != null ? p.getParent() : dir));
        }
        if (Files.isDirectory(p)) throw new FusedRnnException(option + " " + name + ": is a directory, expected a file name");
        return p;
    }

    private static Path path(String option, String name) {
        if (name == null) return null;
        if (name.isEmpty()) throw new FusedRnnException(option + ": expected a file name, found an empty string");
        try {
            return Path.of(name);
        } catch (InvalidPathException e) {
            throw new FusedRnnException(option + ": invalid file name '" + name + "'");
        }
    }
}
