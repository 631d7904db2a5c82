package io.fusedrnn.io;

import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes .npy files (format 1.0, C order): float32/float64 host arrays, int64 arrays, and tensors or
 * segments straight from where they live; {@link NpyOutput} writes one piece at a time.
 */
public final class NpyWriter {
    private NpyWriter() {
    }

    /**
     * Writes {@code a} as float32 ({@link Precision#FP32}) or float64.
     *
     * @param path the file to create or replace (not atomically: see {@link AtomicFiles})
     * @param a shape and values
     * @param precision FP32 writes {@code <f4}, FP64 writes {@code <f8}
     */
    public static void write(Path path, NdArray a, Precision precision) {
        boolean f32 = precision == Precision.FP32;
        ByteBuffer data = ByteBuffer.allocate(a.data().length * (f32 ? 4 : 8)).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : a.data()) {
            if (f32) data.putFloat((float) v);
            else data.putDouble(v);
        }
        write(path, new NpyHeader(f32 ? "<f4" : "<f8", false, a.shape()), data.array());
    }

    /**
     * Writes integers (e.g. sequence lengths) as int64.
     *
     * @param path the file to create or replace
     * @param values the integers, row-major
     * @param shape sizes, outermost first
     */
    public static void writeLongs(Path path, long[] values, int... shape) {
        if (NdArray.elementCount(shape) != values.length) {
            throw new FusedRnnException(path + ": shape needs " + NdArray.elementCount(shape) + " values, found " + values.length);
        }
        ByteBuffer data = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) data.putLong(v);
        write(path, new NpyHeader("<i8", false, shape), data.array());
    }

    /**
     * Writes a tensor in its own precision, straight from the backend through a bounded buffer (no
     * array of the whole tensor). Not atomic: see {@link AtomicFiles}.
     *
     * @param path the file to create or replace
     * @param t the tensor; its precision picks {@code <f4} or {@code <f8}
     */
    public static void write(Path path, Tensor t) {
        try (NpyOutput out = NpyOutput.create(path, t.precision(), t.shape())) {
            out.write(t, Tensor.Block.contiguous(0, 0, t.size()));
            out.finish();
        }
    }

    /**
     * Writes a segment of {@code precision}'s element type in native byte order ({@link Tensor#layout}) with the given shape.
     *
     * @param path the file to create or replace
     * @param data exactly product(shape) elements
     * @param precision element type of the segment and of the file
     * @param shape sizes, outermost first
     */
    public static void write(Path path, MemorySegment data, Precision precision, int... shape) {
        long n = NdArray.elementCount(shape);
        if (data.byteSize() != n * precision.bytes()) {
            throw new FusedRnnException(path + ": shape " + java.util.Arrays.toString(shape) + " needs " + n * precision.bytes()
                    + " bytes of " + precision + ", found a segment of " + data.byteSize());
        }
        try (NpyOutput out = NpyOutput.create(path, precision, shape)) {
            out.write(data, Tensor.Block.contiguous(0, 0, n));
            out.finish();
        }
    }

    /** The full file bytes for a header and data (tests mutate these). */
    static byte[] bytes(NpyHeader header, byte[] data) {
        byte[] head = headerBytes(header);
        byte[] out = java.util.Arrays.copyOf(head, head.length + data.length);
        System.arraycopy(data, 0, out, head.length, data.length);
        return out;
    }

    /** The preamble and header of a format 1.0 file, padded so the data starts on a 64-byte boundary. */
    static byte[] headerBytes(NpyHeader header) {
        byte[] dict = header.format().getBytes(StandardCharsets.ISO_8859_1);
        int total = (10 + dict.length + 1 + 63) / 64 * 64;
        int headerLen = total - 10;
        if (headerLen > 0xffff) throw new FusedRnnException("npy header: " + headerLen + " bytes do not fit format 1.0");
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.ISO_8859_1)).put((byte) 1).put((byte) 0);
        b.putShort((short) headerLen);
        b.put(dict);
        for (int i = dict.length; i < headerLen - 1; i++) b.put((byte) ' ');
        b.put((byte) '\n');
        return b.array();
    }

    private static void write(Path path, NpyHeader header, byte[] data) {
        try (OutputStream out = Files.newOutputStream(path)) {
            out.write(bytes(header, data));
        } catch (IOException e) {
            throw new FusedRnnException(path + ": cannot write (" + e.getMessage() + ")", e);
        }
    }
}
