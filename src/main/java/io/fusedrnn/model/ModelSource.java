package io.fusedrnn.model;

/**
 * Where a loaded model came from and how its source lays out inputs: {@code format} (e.g.
 * {@code ONNX}), {@code what} (the file with its prefix or nodes) and {@code batchFirst}, true when
 * the source's x is [B, T, I] (an ONNX node with {@code layout=1}, a Keras model). Callers that take
 * inputs in the source's own layout (the CLI) use it as the default for their batch-first option.
 *
 * @param format the file format's name, e.g. {@code ONNX}
 * @param what the file and the prefix or node taken from it
 * @param batchFirst whether the source's x is [B, T, I]
 */
public record ModelSource(String format, String what, boolean batchFirst) {
    /** A model built in memory. */
    public static final ModelSource NONE = new ModelSource("memory", "", false);
}
