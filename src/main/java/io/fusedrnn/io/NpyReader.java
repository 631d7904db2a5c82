package io.fusedrnn.io;

import io.fusedrnn.Backend;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;

import java.nio.file.Path;

/**
 * One-call reads of .npy files (format versions 1–3, C or Fortran order; float16/32/64 and int32/64,
 * either byte order) into host arrays or straight into a tensor; {@link NpyFile} is the open, memory-mapped
 * file underneath. Anything else is a one-line {@link FusedRnnException} naming the file and the problem.
 */
public final class NpyReader {
    private NpyReader() {
    }

    /**
     * {@return a floating-point array, widened to double}
     *
     * @param path the .npy file
     */
    public static NdArray readFloats(Path path) {
        try (NpyFile f = NpyFile.open(path)) {
            return new NdArray(f.shape(), f.requireFloats().toDoubleArray());
        }
    }

    /**
     * {@return an int32 or int64 array (values must fit an int), widened to double}
     *
     * @param path the .npy file
     */
    public static NdArray readIntegers(Path path) {
        try (NpyFile f = NpyFile.open(path)) {
            return new NdArray(f.shape(), f.requireIntegers().toDoubleArray());
        }
    }

    /**
     * A one-dimensional int32 or int64 array (e.g. sequence lengths), each value checked to fit an int.
     *
     * @param path the .npy file
     * @return the values
     */
    public static int[] readInts(Path path) {
        try (NpyFile f = NpyFile.open(path)) {
            f.requireIntegers();
            if (f.rank() != 1) throw new FusedRnnException(path + ": expected a 1-D integer array, found shape " + f.shapeText());
            return f.toIntArray();
        }
    }

    /**
     * A floating-point array as a new tensor of {@code precision}: a float32 little-endian file goes
     * from the memory mapping into an FP32 tensor in one copy, without a Java array on the way.
     *
     * @param path the .npy file
     * @param backend where the tensor lives
     * @param precision the tensor's element type
     * @return a new tensor with the file's shape; close it when done
     */
    public static Tensor upload(Path path, Backend backend, Precision precision) {
        try (NpyFile f = NpyFile.open(path)) {
            return f.upload(backend, precision);
        }
    }

    /** Parses the bytes of a whole file held in memory ({@code file} names it in messages). */
    static NdArray fromBytes(String file, byte[] bytes, boolean floats) {
        try (NpyFile f = NpyFile.fromBytes(file, bytes)) {
            if (floats) f.requireFloats();
            else f.requireIntegers();
            return new NdArray(f.shape(), f.toDoubleArray());
        }
    }
}
