package io.fusedrnn.cli;

import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Precision;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Set;

/** The parsed options of {@code infer}; unknown, repeated or missing options are one-line errors. */
record InferOptions(Path weights, Path input, Path output, Path h0, Path c0, Path hn, Path cn, Path lengths,
                    String prefix, String node, boolean batchFirst, String backend, Precision precision, boolean checkFinite) {

    static final String USAGE = "usage: fusedrnn infer --weights MODEL --input X.npy --output Y.npy [--h0 F] [--c0 F]"
            + " [--hn F] [--cn F] [--lengths F] [--prefix P] [--node NAME] [--batch-first] [--backend auto|vector|opencl|reference]"
            + " [--precision fp32|fp64] [--check-finite] [--verbose]";

    private static final Set<String> WITH_VALUE = Set.of("weights", "input", "output", "h0", "c0", "hn", "cn",
            "lengths", "prefix", "node", "backend", "precision");

    /** Parses {@code args}; throws {@link FusedRnnException} naming the option at fault. */
    static InferOptions parse(String[] args) {
        Options o = Options.parse("infer", args, WITH_VALUE, Set.of("batch-first", "check-finite", "verbose"));
        for (String required : new String[] {"weights", "input", "output"}) {
            if (!o.has(required)) throw new FusedRnnException("--" + required + " is required; " + USAGE);
        }
        Precision precision;
        try {
            precision = Precision.parse(o.get("precision", "fp32"));
        } catch (FusedRnnException e) {
            throw new FusedRnnException("--precision: expected fp32 or fp64, found '" + o.get("precision", "") + "'");
        }
        return new InferOptions(path(o, "weights"), path(o, "input"), path(o, "output"), path(o, "h0"), path(o, "c0"),
                path(o, "hn"), path(o, "cn"), path(o, "lengths"), o.get("prefix", null), o.get("node", null), o.has("batch-first"),
                o.get("backend", "auto"), precision, o.has("check-finite"));
    }

    /** The same options with x and y batch-first (the model's source says so: ONNX layout=1, Keras). */
    InferOptions withBatchFirst() {
        return new InferOptions(weights, input, output, h0, c0, hn, cn, lengths, prefix, node, true, backend, precision, checkFinite);
    }

    private static Path path(Options o, String option) {
        String v = o.get(option, null);
        if (v == null) return null;
        if (v.isEmpty()) throw new FusedRnnException("--" + option + ": expected a file name, found an empty string");
        try {
            return Path.of(v);
        } catch (InvalidPathException e) {
            throw new FusedRnnException("--" + option + ": invalid file name '" + v + "'");
        }
    }
}
