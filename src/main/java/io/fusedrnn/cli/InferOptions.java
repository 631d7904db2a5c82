package io.fusedrnn.cli;

import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Precision;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Set;

/** The parsed options of {@code infer}; unknown, repeated or missing options are one-line errors. */
record InferOptions(Path weights, Path input, Path output, Path h0, Path c0, Path hn, Path cn, Path lengths,
                    String prefix, boolean batchFirst, String backend, Precision precision, boolean checkFinite, int chunkRows) {

    static final String USAGE = "usage: fusedrnn infer --weights W.safetensors --input X.npy --output Y.npy [--h0 F] [--c0 F]"
            + " [--hn F] [--cn F] [--lengths F] [--prefix P] [--batch-first] [--backend auto|vector|opencl|reference]"
            + " [--precision fp32|fp64] [--check-finite] [--chunk-rows N] [--verbose]";

    private static final Set<String> WITH_VALUE = Set.of("weights", "input", "output", "h0", "c0", "hn", "cn",
            "lengths", "prefix", "backend", "precision", "chunk-rows");

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
                path(o, "hn"), path(o, "cn"), path(o, "lengths"), o.get("prefix", null), o.has("batch-first"),
                o.get("backend", "auto"), precision, o.has("check-finite"), chunkRows(o.get("chunk-rows", "0")));
    }

    /** --chunk-rows: batch rows per chunk, 0 (the default) to choose them from a memory budget. */
    private static int chunkRows(String v) {
        try {
            int n = Integer.parseInt(v);
            if (n >= 0) return n;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new FusedRnnException("--chunk-rows: expected a number of batch rows >= 1 (or 0 for automatic), found '" + v + "'");
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
