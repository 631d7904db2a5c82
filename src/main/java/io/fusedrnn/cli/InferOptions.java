package io.fusedrnn.cli;

import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Precision;

import java.nio.file.Path;
import java.util.Set;

/** The parsed options of {@code infer}; unknown, repeated or missing options are one-line errors. */
record InferOptions(Path weights, Path input, Path output, Path h0, Path c0, Path hn, Path cn, Path lengths,
                    String prefix, boolean batchFirst, String backend, Precision precision, boolean verbose) {

    static final String USAGE = "usage: fusedrnn infer --weights W.safetensors --input X.npy --output Y.npy [--h0 F] [--c0 F]"
            + " [--hn F] [--cn F] [--lengths F] [--prefix P] [--batch-first] [--backend auto|vector|opencl|reference]"
            + " [--precision fp32|fp64] [--verbose]";

    private static final Set<String> WITH_VALUE = Set.of("--weights", "--input", "--output", "--h0", "--c0", "--hn", "--cn",
            "--lengths", "--prefix", "--backend", "--precision");

    /** Parses {@code args}; throws {@link FusedRnnException} naming the option at fault. */
    static InferOptions parse(String[] args) {
        java.util.Map<String, String> values = new java.util.HashMap<>();
        boolean batchFirst = false, verbose = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                value = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            if (a.equals("--batch-first") && value == null) {
                batchFirst = true;
            } else if (a.equals("--verbose") && value == null) {
                verbose = true;
            } else if (WITH_VALUE.contains(a)) {
                if (value == null) {
                    if (i + 1 >= args.length) throw new FusedRnnException(a + ": expected a value, found the end of the command line");
                    value = args[++i];
                }
                if (values.put(a, value) != null) throw new FusedRnnException(a + ": given twice");
            } else {
                throw new FusedRnnException("unknown option '" + args[i] + "'; " + USAGE);
            }
        }
        for (String required : new String[] {"--weights", "--input", "--output"}) {
            if (!values.containsKey(required)) throw new FusedRnnException(required + " is required; " + USAGE);
        }
        Precision precision;
        try {
            precision = Precision.parse(values.getOrDefault("--precision", "fp32"));
        } catch (FusedRnnException e) {
            throw new FusedRnnException("--precision: expected fp32 or fp64, found '" + values.get("--precision") + "'");
        }
        String backend = values.getOrDefault("--backend", "auto");
        return new InferOptions(path(values, "--weights"), path(values, "--input"), path(values, "--output"),
                path(values, "--h0"), path(values, "--c0"), path(values, "--hn"), path(values, "--cn"), path(values, "--lengths"),
                values.get("--prefix"), batchFirst, backend, precision, verbose);
    }

    private static Path path(java.util.Map<String, String> values, String option) {
        String v = values.get(option);
        if (v == null) return null;
        if (v.isEmpty()) throw new FusedRnnException(option + ": expected a file name, found an empty string");
        try {
            return Path.of(v);
        } catch (java.nio.file.InvalidPathException e) {
            throw new FusedRnnException(option + ": invalid file name '" + v + "'");
        }
    }
}
