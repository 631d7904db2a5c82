package io.fusedrnn.cli;

import io.fusedrnn.Precision;

import java.nio.file.Path;

/**
 * The checked options of {@code infer} ({@link InferCli} reads them from the command line): files are
 * resolved against the current directory, inputs exist and outputs have a directory to go to.
 */
record InferOptions(Path weights, Path input, Path output, Path h0, Path c0, Path hn, Path cn, Path lengths,
                    String prefix, String node, boolean batchFirst, String backend, Precision precision, boolean checkFinite,
                    int chunkRows) {

    /** The same options with x and y batch-first (the model file says so: ONNX layout=1, Keras). */
    InferOptions withBatchFirst() {
        return new InferOptions(weights, input, output, h0, c0, hn, cn, lengths, prefix, node, true, backend, precision,
                checkFinite, chunkRows);
    }
}
