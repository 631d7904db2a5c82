package io.fusedrnn.io;

import io.fusedrnn.FusedRnnException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Reads .npy files (format versions 1–3): float32/float64 arrays, and int32/int64 arrays for
 * sequence lengths; little-endian, C order. Anything else is a one-line {@link FusedRnnException}
 * naming the file and the problem.
 */
public final class NpyReader {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** The largest header accepted; numpy's own limit is far smaller in practice. */
    static final int MAX_HEADER_BYTES = 1 << 20;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private NpyReader() {
    }

    /** A float32 or float64 array, widened to double. */
    public static NdArray readFloats(Path path) {
        return read(path, true);
    }

    /** An int32 or int64 array (values must fit an int), e.g. sequence lengths. */
    public static NdArray readIntegers(Path path) {
        return read(path, false);
    }

    private static NdArray read(Path path, boolean floats) {
        String file = path.toString();
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) throw new FusedRnnException(file + ": empty file (expected a .npy array)");
            return parse(file, ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena), floats);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new FusedRnnException(file + ": no such file", e);
        } catch (IOException e) {
            throw new FusedRnnException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /** Parses the bytes of a whole file held in memory ({@code file} names it in messages). */
    static NdArray fromBytes(String file, byte[] bytes, boolean floats) {
        return parse(file, MemorySegment.ofArray(bytes), floats);
    }

    private static NdArray parse(String file, MemorySegment seg, boolean floats) {
        long size = seg.byteSize();
        if (size == 0) throw new FusedRnnException(file + ": empty file (expected a .npy array)");
        if (size < 10 || !Arrays.equals(seg.asSlice(0, 6).toArray(ValueLayout.JAVA_BYTE), MAGIC)) {
            throw new FusedRnnException(file + ": bad magic: not a .npy file (expected \\x93NUMPY)");
        }
        int major = seg.get(ValueLayout.JAVA_BYTE, 6);
        long headerLen, headerStart;
        if (major == 1) {
            headerLen = seg.get(U16, 8) & 0xffff;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (size < 12) throw new FusedRnnException(file + ": truncated: " + size + " bytes, shorter than a version " + major + " preamble");
            headerLen = seg.get(I32, 8) & 0xffffffffL;
            headerStart = 12;
        } else {
            throw new FusedRnnException(file + ": unsupported .npy format version " + major + " (expected 1, 2 or 3)");
        }
        if (headerLen > MAX_HEADER_BYTES) throw new FusedRnnException(file + ": header length " + headerLen + " is absurd");
        if (headerStart + headerLen > size) {
            throw new FusedRnnException(file + ": truncated: header of " + headerLen + " bytes, file has " + (size - headerStart) + " after the preamble");
        }
        String text = new String(seg.asSlice(headerStart, headerLen).toArray(ValueLayout.JAVA_BYTE),
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        NpyHeader h = NpyHeader.parse(text, file);
        return decode(h, seg, headerStart + headerLen, size, floats, file);
    }

    /** count × itemSize as text, without overflowing. */
    private static String bytes(long count, int itemSize) {
        long hi = Math.multiplyHigh(count, itemSize);
        return hi == 0 && count * itemSize >= 0 ? Long.toString(count * itemSize) : count + " × " + itemSize;
    }

    private static NdArray decode(NpyHeader h, MemorySegment seg, long start, long size, boolean floats, String file) {
        if (h.fortranOrder()) throw new FusedRnnException(file + ": fortran_order True is not supported (save a C-order array, e.g. np.ascontiguousarray)");
        String d = h.descr();
        if (d.length() >= 2 && d.charAt(0) == '>' && !d.substring(1).equals("i1") && !d.substring(1).equals("u1")) {
            throw new FusedRnnException(file + ": big-endian dtype '" + d + "' is not supported (expected little-endian)");
        }
        String kind = d.startsWith("<") || d.startsWith("=") || d.startsWith("|") ? d.substring(1) : d;
        int itemSize;
        if (floats) {
            if (!kind.equals("f4") && !kind.equals("f8")) {
                throw new FusedRnnException(file + ": unsupported dtype '" + d + "' (expected float32 '<f4' or float64 '<f8')");
            }
            itemSize = kind.equals("f4") ? 4 : 8;
        } else {
            if (!kind.equals("i4") && !kind.equals("i8")) {
                throw new FusedRnnException(file + ": unsupported dtype '" + d + "' (expected int32 '<i4' or int64 '<i8')");
            }
            itemSize = kind.equals("i4") ? 4 : 8;
        }
        long count;
        try {
            count = NdArray.elementCount(h.shape());
        } catch (ArithmeticException e) {
            throw new FusedRnnException(file + ": shape " + Arrays.toString(h.shape()) + " is too large");
        }
        long have = size - start;
        if (count > have / itemSize) {
            throw new FusedRnnException(file + ": truncated: shape " + Arrays.toString(h.shape()) + " needs " + bytes(count, itemSize)
                    + " data bytes, found " + have);
        }
        if (count > Integer.MAX_VALUE - 8) throw new FusedRnnException(file + ": shape " + Arrays.toString(h.shape()) + " has more elements than a Java array holds");
        if (count * itemSize != have) {
            throw new FusedRnnException(file + ": shape " + Arrays.toString(h.shape()) + " needs " + count * itemSize
                    + " data bytes, found " + have + " (trailing bytes)");
        }
        double[] out = new double[(int) count];
        for (int i = 0; i < out.length; i++) {
            long at = start + (long) i * itemSize;
            if (floats) {
                out[i] = itemSize == 4 ? seg.get(F32, at) : seg.get(F64, at);
            } else {
                long v = itemSize == 4 ? seg.get(I32, at) : seg.get(I64, at);
                if (v != (int) v) throw new FusedRnnException(file + ": value " + v + " at index " + i + " does not fit an int");
                out[i] = v;
            }
        }
        return new NdArray(h.shape(), out);
    }
}
